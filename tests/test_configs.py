"""Every shipped config loads and validates; configs/default.yaml is the embedded default, written out."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfplay.config import load_config

CONFIGS = sorted((Path(__file__).parents[1] / "configs").glob("*.yaml"))


def test_configs_are_shipped():
    assert {p.name for p in CONFIGS} >= {"default.yaml", "arithmetic_majority.yaml", "arithmetic_none.yaml"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_loads(path):
    load_config(path)


def test_default_yaml_is_the_embedded_default():
    assert load_config(CONFIGS[[p.name for p in CONFIGS].index("default.yaml")]).to_dict() == load_config().to_dict()


@pytest.mark.parametrize("name, verifier", [("arithmetic_majority.yaml", "majority"), ("arithmetic_none.yaml", "none")])
def test_verifier_configs_change_only_the_verifier(name, verifier):
    config = load_config(next(p for p in CONFIGS if p.name == name)).to_dict()
    default = load_config().to_dict()
    assert config["verifier"]["name"] == verifier
    config.pop("verifier"), default.pop("verifier")
    assert config == default
