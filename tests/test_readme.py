"""The README's examples are real: each `console` block is replayed, in order, and compared.

Run with LLMCOURSE_UPDATE_README=1 to rewrite the blocks from a fresh run instead.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
SHOWN_DATA_DIR = "~/.local/share/llmcourse"
LOCAL_TIME = re.compile(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?")  # dates, with or without a time


def _examples(text: str) -> list[tuple[str, str]]:
    """(command, output) pairs, in README order."""
    pairs: list[tuple[str, str]] = []
    for block in BLOCK.findall(text):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            if chunk.strip():
                command, _, output = chunk.partition("\n")
                pairs.append((command.removeprefix("$ "), output.rstrip("\n")))
    return pairs


def _normal(text: str) -> str:
    return LOCAL_TIME.sub("<time>", "\n".join(line.rstrip() for line in text.splitlines()))


def test_the_readme_examples_are_what_llmcourse_prints(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # the common terminal
    monkeypatch.chdir(README.parent)  # the examples name files relative to the checkout
    text = README.read_text("utf-8")
    examples = _examples(text)
    assert len(examples) >= 10
    updated = text
    for command, shown in examples:
        args = shlex.split(command)
        assert args[0] == "llmcourse", command
        result = run(*args[1:])
        actual = (result.stdout + result.stderr).replace(str(data_dir), SHOWN_DATA_DIR)
        actual = "\n".join(line.rstrip() for line in actual.rstrip("\n").splitlines())
        if os.environ.get("LLMCOURSE_UPDATE_README"):
            updated = updated.replace(f"$ {command}\n{shown}\n", f"$ {command}\n{actual}\n", 1)
            continue
        assert _normal(actual) == _normal(shown), f"README example differs: {command}"
    if updated != text:
        README.write_text(updated, encoding="utf-8")
