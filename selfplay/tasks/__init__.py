"""Built-in tasks by name; a user's own is named by import path (`package.module:ClassName`)."""

from selfplay.tasks.algebra import AlgebraTask
from selfplay.tasks.arithmetic import ArithmeticTask
from selfplay.tasks.base import Task

TASKS: dict[str, type[Task]] = {"arithmetic": ArithmeticTask, "algebra": AlgebraTask}

__all__ = ["TASKS", "AlgebraTask", "ArithmeticTask", "Task"]
