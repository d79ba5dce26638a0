"""Built-in tasks by name; a user's own is named by import path (`package.module:ClassName`)."""

from selfplay.tasks.arithmetic import ArithmeticTask
from selfplay.tasks.base import Task

TASKS: dict[str, type[Task]] = {"arithmetic": ArithmeticTask}

__all__ = ["TASKS", "ArithmeticTask", "Task"]
