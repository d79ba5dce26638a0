"""The README's promises: its verifier example works as printed; `agents` and `verifiers` are this project's."""

from __future__ import annotations

import importlib
import io
import json
import re
import sys
from pathlib import Path

from selfplay.cli import main

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def test_agents_and_verifiers_resolve_to_this_project():
    for name in ("agents", "verifiers"):
        module = importlib.import_module(name)
        assert Path(module.__file__).resolve().parent == ROOT / name, module.__file__
    assert "openai-agents" in README and "Prime Intellect" in README


def test_readme_verifier_example_runs_as_printed(tmp_path, monkeypatch, capsys):
    code = re.search(r"```python\n# my_verifiers.py\n(.*?)```", README, re.DOTALL)[1]
    (tmp_path / "my_verifiers.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"problem": "400+3", "answers": ["403", "404", "406"]})))
    assert main(["verify", "--verifier", "my_verifiers:CloseEnough", "verifier.options.tolerance=1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rewards"] == [1.0, 1.0, 0.0] and result["label"] == "403"
    sys.modules.pop("my_verifiers", None)


def test_readme_commands_match_ci():
    ci = (ROOT / ".ci" / "run").read_text()
    install_and_test = re.findall(r"pip install torch==2\.13\.0 -e \"\.\[test\]\" && (HF_HUB_OFFLINE=1 python -m pytest)",
                                  README)
    assert install_and_test, "README lost its test command"
    assert 'pip install torch==2.13.0 -e ".[test]"' in ci and install_and_test[0] in ci
