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


def _state() -> PartialState:
    """accelerate's view of the processes. Made here first (to open a run directory before any TRL config
    exists), it is made as transformers' TrainingArguments make it, which remake it later: without a GPU a bare
    `PartialState()` does not join the processes torchrun started, and each would take itself for the main one.
    Once made, `PartialState(...)` is that state whatever its arguments."""
    import torch

    return PartialState(cpu=not torch.cuda.is_available())


def processes() -> int:
    return _state().num_processes


def process_index() -> int:
    return _state().process_index


def is_main() -> bool:
    return _state().is_main_process


def sharded() -> bool:
    """Whether DeepSpeed or FSDP splits the weights or the optimizer state over the processes."""
    from accelerate.utils import DistributedType

    return _state().distributed_type in (DistributedType.DEEPSPEED, DistributedType.FSDP)


def wait_for_everyone() -> None:
    if processes() > 1:
        _state().wait_for_everyone()


def gather(items: list[T]) -> list[T]:
    """Every process's `items`, concatenated in process order, on every process."""
    return gather_object(items) if processes() > 1 else items


def my_share(items: list[T]) -> tuple[list[T], int]:
    """This process's consecutive share of `items`, and how many of them are its own. Every process gets the same
    number (the ceiling of len(items) / processes), the short shares padded with copies of the first items, so
    that each process takes part in every sampling call (a vLLM server and sharded weights need all of them);
    `gather` of every process's own items (`share[:own]`) is `items` again, in order.

    >>> my_share([1, 2, 3])  # one process: all of it
    ([1, 2, 3], 3)
    """
    count, index = processes(), process_index()
    own = items[index * len(items) // count:(index + 1) * len(items) // count]
    size = -(-len(items) // count)
    return own + [items[i % len(items)] for i in range(size - len(own))], len(own)


def from_main(value: T) -> T:
    """The main process's `value`, on every process."""
    if processes() == 1:
        return value
    box: list[Any] = [value]
    broadcast_object_list(box)
    return box[0]


def leave_process_group() -> None:
    """At the end of a run on several processes: wait for every process, then leave the process group. A process
    that exits with the group still up can abort in gloo's threads while the interpreter shuts down ("terminate
    called without an active exception"; here about one two-process run in six, after all its work was done)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
