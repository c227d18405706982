"""docs/cli.md is generated from the app itself, and stays current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
REGENERATE = "python -m typer llmcourse.cli utils docs --name llmcourse --output docs/cli.md"


def test_the_cli_reference_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "cli.md"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "typer",
            "llmcourse.cli",
            "utils",
            "docs",
            "--name",
            "llmcourse",
            "--output",
            str(fresh),
        ],
        check=True,
        capture_output=True,
    )
    assert fresh.read_text("utf-8") == (DOCS / "cli.md").read_text("utf-8"), (
        f"docs/cli.md is out of date: run {REGENERATE}"
    )


def test_every_command_shows_an_example_in_its_help() -> None:
    text = (DOCS / "cli.md").read_text("utf-8")
    commands = text.split("\n## `llmcourse ")[1:]
    assert len(commands) >= 8
    for section in commands:
        name = section.split("`", 1)[0]
        assert f"Example: llmcourse {name}" in section, name
