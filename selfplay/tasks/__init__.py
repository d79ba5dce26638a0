"""Built-in tasks by name; a user's own is named by import path (`package.module:ClassName`)."""

from selfplay.tasks.algebra import AlgebraTask
from selfplay.tasks.arithmetic import ArithmeticTask
from selfplay.tasks.base import Task
from selfplay.tasks.coding import CodingTask

TASKS: dict[str, type[Task]] = {"arithmetic": ArithmeticTask, "algebra": AlgebraTask, "coding": CodingTask}

__all__ = ["TASKS", "AlgebraTask", "ArithmeticTask", "CodingTask", "Task"]
