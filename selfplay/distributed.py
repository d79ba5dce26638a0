"""Several processes, as `accelerate launch` or `torchrun` start them: which one writes, and what they share.

TRL's trainers already split each phase's prompts across processes and gather what they log. What the loop adds
is small: every process must train on the same problems (the proposer's problems, gathered from all processes),
the records of every process reach the run directory, and only the main process writes files. With one process
every function here is a plain pass-through.
"""

from __future__ import annotations

from typing import Any, TypeVar

from accelerate import PartialState
from accelerate.utils import broadcast_object_list, gather_object

T = TypeVar("T")


def processes() -> int:
    return PartialState().num_processes


def is_main() -> bool:
    return PartialState().is_main_process


def wait_for_everyone() -> None:
    if processes() > 1:
        PartialState().wait_for_everyone()


def gather(items: list[T]) -> list[T]:
    """Every process's `items`, concatenated in process order, on every process."""
    return gather_object(items) if processes() > 1 else items


def from_main(value: T) -> T:
    """The main process's `value`, on every process."""
    if processes() == 1:
        return value
    box: list[Any] = [value]
    broadcast_object_list(box)
    return box[0]
