"""The examples in the docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys

import pytest

import agents
import selfplay
import verifiers


def modules() -> list[str]:
    names = []
    for package in (selfplay, agents, verifiers):
        names.append(package.__name__)
        names += [info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")]
    return names


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


@pytest.mark.parametrize("name", ["default_run", "markers", "oracle_labels"])
def test_benchmark_docstring_examples(name, monkeypatch):
    from importlib.util import module_from_spec, spec_from_file_location
    from pathlib import Path

    spec = spec_from_file_location(f"benchmark_{name}", Path(__file__).parents[1] / "benchmarks" / f"{name}.py")
    module = module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
