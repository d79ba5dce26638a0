"""Verifiers for `selfplay`: the protocol and the built-ins, by name.

Note: `verifiers` is also the import name of Prime Intellect's verifiers package; in this project it is this
folder (a test asserts it), so the two cannot be installed into one environment side by side.
"""

from verifiers.base import Verifier
from verifiers.code import CodeVerifier
from verifiers.majority import MajorityVerifier
from verifiers.none import NoVerifier
from verifiers.sympy_verifier import SympyVerifier

VERIFIERS: dict[str, type[Verifier]] = {
    "majority": MajorityVerifier,
    "sympy": SympyVerifier,
    "none": NoVerifier,
    "code": CodeVerifier,
}

__all__ = ["VERIFIERS", "CodeVerifier", "MajorityVerifier", "NoVerifier", "SympyVerifier", "Verifier"]
