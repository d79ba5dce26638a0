"""Agents for `selfplay`: the shared model interface, the proposer and the solver.

Note: `agents` is also the import name of the openai-agents package; in this project it is this folder (a test
asserts it), so the two cannot be installed into one environment side by side.
"""

from agents.model import BUILTIN_TINY, LanguageModel, Sampling
from agents.proposer import Proposer
from agents.solver import Solver
from agents.tiny import TinyModelConfig

__all__ = ["BUILTIN_TINY", "LanguageModel", "Proposer", "Sampling", "Solver", "TinyModelConfig"]
