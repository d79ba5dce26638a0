"""Finding a built-in by name, or a user's own class by import path (`package.module:ClassName`)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from selfplay.errors import ConfigError


def resolve(kind: str, name: str, builtins: dict[str, Any]) -> Any:
    """`builtins[name]`, or the object at import path `name`; an unknown name is a ConfigError listing the valid ones.

    >>> resolve("verifier", "selfplay.errors:ConfigError", {}).__name__
    'ConfigError'
    """
    if name in builtins:
        return builtins[name]
    if ":" not in name:
        valid = ", ".join(sorted(builtins))
        raise ConfigError(f"unknown {kind} {name!r}; valid: {valid}, or an import path 'package.module:ClassName'")
    module_name, _, attribute = name.partition(":")
    # The `selfplay` command's import path starts at its own script folder, not the current one: a user's
    # my_verifiers.py beside them would not be found, as it is with `python -m` or `python script.py`. The current
    # folder goes last, so that it never hides an installed module of the same name.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.append(os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(f"cannot import {kind} module {module_name!r}: {error}") from None
    if not hasattr(module, attribute):
        raise ConfigError(f"{kind} {name!r}: module {module_name!r} has no attribute {attribute!r}")
    return getattr(module, attribute)
