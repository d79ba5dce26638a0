"""Typed configs from YAML, for any tree of dataclasses: a file and `dotted.key=value` overrides merged into one
mapping, which is then built into the dataclasses with every key and every value checked against the field's type;
`Rule`s say what a value may be where its type cannot (a range, a form). Every way a config can be wrong is a
one-line `ConfigError` that names the key.

Nothing here knows self-play's sections: `config.py` has those.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml

from selfplay.errors import ConfigError

# A config is a page or two of settings: a file past this size is not one, and YAML would take long to read it.
MAX_CONFIG_BYTES = 1_000_000


def read_yaml(path: Path) -> Any:
    """The YAML document in the config file at `path`: every way it cannot be read is a one-line ConfigError."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"config file {path} must be at most {MAX_CONFIG_BYTES} bytes, got {size}")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file {path} must be UTF-8 text, got byte {error.object[error.start]:#04x} at "
                          f"offset {error.start}") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {path} is not valid YAML: {str(error).splitlines()[0]}") from None
    except RecursionError:  # brackets nested thousands deep
        raise ConfigError(f"config file {path} is not valid YAML: nested too deeply") from None


def read_override(override: str) -> dict[str, Any]:
    """A `dotted.key=value` override as the nested mapping a YAML file would give, its value read as YAML.

    >>> read_override("model.lora.r=16"), read_override("run.output_dir=null")
    ({'model': {'lora': {'r': 16}}}, {'run': {'output_dir': None}})
    """
    key, separator, text = override.partition("=")
    if not separator or not key:
        raise ConfigError(f"override {override!r} must look like section.key=value")
    if not text.strip():  # `run.output_dir=$DIR` with DIR unset: YAML would read null, the default
        raise ConfigError(f"override {override!r} must give a value after '=' (null for none)")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    return _nest(key.split("."), value)


def _nest(keys: list[str], value: Any) -> dict[str, Any]:
    return {keys[0]: value} if len(keys) == 1 else {keys[0]: _nest(keys[1:], value)}


def merge(base: dict[str, Any], update: dict[str, Any], free_sections: Collection[str], prefix: str = "",
          free_form: bool = False) -> None:
    """Update `base` in place. Keys must already exist in `base`, except inside the sections named in
    `free_sections` (at any depth), whose keys are checked later by the object they configure."""
    for key, value in update.items():
        dotted = f"{prefix}{key}"
        if not isinstance(key, str):
            raise ConfigError(f"config key {dotted!r} must be a string")
        if key not in base and not free_form:
            valid = ", ".join(base)
            raise ConfigError(f"unknown config key {dotted!r}; valid keys here: {valid}")
        section_is_free = free_form or key in free_sections
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value, free_sections, prefix=f"{dotted}.", free_form=section_is_free)
        elif isinstance(base.get(key), dict) and not free_form and value is not None:
            raise ConfigError(f"config key {dotted!r} is a section; give it a mapping, not {value!r}")
        else:
            base[key] = value


def build_dataclass(cls: type, data: dict[str, Any], prefix: str) -> Any:
    """Instantiate dataclass `cls` from a dict, checking every key and every value against the field's type."""
    hints = typing.get_type_hints(cls)
    names = [item.name for item in dataclasses.fields(cls) if item.init]
    unknown = [key for key in data if key not in names]
    if unknown:
        raise ConfigError(f"unknown config key {prefix + unknown[0]!r}; valid keys here: {', '.join(names)}")
    kwargs = {}
    for item in dataclasses.fields(cls):
        if item.name not in data:
            continue
        kwargs[item.name] = check_type(data[item.name], hints[item.name], f"{prefix}{item.name}")
    return cls(**kwargs)


def check_type(value: Any, annotation: Any, key: str) -> Any:
    """`value` if it fits `annotation` (ints are accepted as floats; nested dataclasses are built); else a
    ConfigError. Annotations this does not understand accept anything: the object they configure checks.

    >>> check_type("1e-4", float, "solver.learning_rate")  # YAML 1.1 reads `1e-4` as a string
    0.0001
    """
    if dataclasses.is_dataclass(annotation):
        if not isinstance(value, dict):
            raise ConfigError(f"config key {key!r} must be a mapping, got {value!r}")
        return build_dataclass(annotation, value, prefix=f"{key}.")
    if annotation is Any:
        return value
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        number = _read_float(value)
        if float in typing.get_args(annotation) and number is not None and not math.isfinite(number):
            raise ConfigError(f"config key {key!r} must be a finite number, got {value!r}")
        errors = []
        for option in typing.get_args(annotation):
            try:
                return check_type(value, option, key)
            except ConfigError as error:
                errors.append(error)
        raise ConfigError(f"config key {key!r} has the wrong type: got {value!r}, expected {_describe(annotation)}")
    if origin is Literal:
        if value not in typing.get_args(annotation):
            choices = ", ".join(repr(choice) for choice in typing.get_args(annotation))
            raise ConfigError(f"config key {key!r} must be one of {choices}, got {value!r}")
        return value
    expected = origin or annotation
    if annotation is type(None):
        ok = value is None
    elif annotation is float:
        number = _read_float(value)
        if number is not None and not math.isfinite(number):  # .nan, .inf, 1e999: no setting means them
            raise ConfigError(f"config key {key!r} must be a finite number, got {value!r}")
        ok = number is not None
        value = number if ok else value
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(expected, type) and issubclass(expected, Enum):
        ok = isinstance(value, (str, expected))
    elif expected in (bool, str, dict, list, tuple):
        ok = isinstance(value, expected)
    else:
        return value
    if not ok:
        raise ConfigError(f"config key {key!r} has the wrong type: got {value!r}, expected {_describe(annotation)}")
    return value


def _read_float(value: Any) -> float | None:
    """`value` as a float if it is a number, or a string YAML 1.1 left unread (`1e-4`); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an int too large for a float
            return math.inf
    return None


def _describe(annotation: Any) -> str:
    """`int or 'never'`, not `Union[...]`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " or ".join(_describe(option) for option in typing.get_args(annotation))
    if typing.get_origin(annotation) is Literal:
        return " or ".join(repr(value) for value in typing.get_args(annotation))
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


@dataclass(frozen=True)
class Rule:
    """What one config value must be: `words` for the error, `admits` to test it. None passes when `none` is true:
    the type check has already allowed it where the field can hold None (an 'off' or 'the default')."""

    words: str
    admits: Callable[[Any], bool]
    none: bool = True

    def check(self, key: str, value: Any) -> None:
        if value is None and self.none:
            return
        if value is None or not self.admits(value):
            raise ConfigError(f"{key} must be {self.words}, got {value!r}")


def numbers(low: float = -math.inf, high: float = math.inf, *, above: bool = False, below: bool = False,
            literal: str | None = None, none: bool = True) -> Rule:
    """A number from `low` to `high`; `above` and `below` leave that end out; `literal`, a word the field also takes.

    >>> numbers(0, 1, below=True).words, numbers(1, 10, literal="never").words
    ('at least 0 and below 1', "from 1 to 10 or 'never'")
    """
    if math.isfinite(low) and math.isfinite(high) and not (above or below):
        words = f"from {low} to {high}"
    else:
        ends = [f"{'above' if above else 'at least'} {low}" if math.isfinite(low) else "",
                f"{'below' if below else 'at most'} {high}" if math.isfinite(high) else ""]
        words = " and ".join(end for end in ends if end) or "a number"
    if literal is not None:
        words += f" or {literal!r}"

    def admits(value: Any) -> bool:
        if literal is not None and value == literal:
            return True
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        return (low < value if above else low <= value) and (value < high if below else value <= high)

    return Rule(words, admits, none)


def text(what: str = "path") -> Rule:
    """A non-empty string without NUL characters: an empty path would mean the current folder."""
    return Rule(f"a non-empty {what} without NUL characters",
                lambda value: isinstance(value, str) and bool(value.strip()) and "\0" not in value)
