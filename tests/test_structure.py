"""The shape of the house: commands return results, one emitter shows them, one group turns
errors into messages and exit codes."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from llmcourse import jsonout, lines, render, results
from llmcourse.cli import app

Invoke = Callable[..., Run]

# The modules that hold commands. (Completion is not a command: it must never fail, so its helper
# in commands/options.py turns a course that cannot be loaded into no completions.)
COMMAND_MODULES = sorted(
    {info.callback.__module__ for info in app.registered_commands if info.callback}
)


def _result_types() -> list[type]:
    return [
        kind
        for _, kind in inspect.getmembers(results, inspect.isclass)
        if kind.__module__ == results.__name__
    ]


# What a command prints without a --json option: the address `open` prints, the export itself,
# where it was written, help, and the calendar (which `log --chart` draws and JSON leaves out).
# A review card is shown only on a terminal, never under --json.
NO_JSON = {"Opened", "Exported", "Written", "Calendar", "HelpText", "ReviewCard"}


@pytest.mark.parametrize("kind", _result_types(), ids=lambda kind: kind.__name__)
def test_every_result_has_its_views(kind: type) -> None:
    human = [view for view in (lines.write, render.draw) if kind in view.registry]
    assert len(human) == 1, f"{kind.__name__} needs exactly one view for people"
    if kind.__name__ not in NO_JSON:
        assert kind in jsonout.document.registry, f"{kind.__name__} needs a JSON view"


def test_every_command_returns_a_result() -> None:
    kinds = set(_result_types())
    for info in app.registered_commands:
        returned = inspect.signature(info.callback, eval_str=True).return_annotation
        options = set(getattr(returned, "__args__", (returned,)))
        assert options and options <= kinds, f"{info.name} returns {returned}"


def _calls(tree: ast.AST) -> list[str]:
    return [ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)]


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_commands_neither_print_nor_handle_errors(name: str) -> None:
    module = Path(importlib.import_module(name).__file__ or "")
    tree = ast.parse(module.read_text("utf-8"))
    writes = [c for c in _calls(tree) if c in ("print", "sys.stdout.write", "sys.stderr.write")]
    assert writes == [], f"{module.name} writes output itself: {writes}"
    handlers = [
        ast.unparse(handler.type)
        for node in ast.walk(tree)
        if isinstance(node, ast.Try)
        for handler in node.handlers
        if handler.type is not None
    ]
    assert handlers == [], f"{module.name} catches {handlers}: errors are the group's"


def test_the_json_flag_is_read_as_the_command_reads_it(run: Invoke) -> None:
    # `--json` here is the value of --since, so the answer is the usual line, not JSON.
    as_value = run("log", "--since", "--json")
    assert as_value.exit_code == 2 and as_value.stdout == ""
    assert as_value.stderr.startswith("error: --since '--json' is not a date")
    # A mistake found before --json is read still answers in JSON.
    early = run("log", "--limit", "many", "--json")
    assert early.json()["error"]["code"] == "usage"
    # After `--`, `--json` is a word to search for, not an option.
    words = run("search", "--", "--json")
    assert words.exit_code == 0 and not words.stdout.startswith("{")


@pytest.mark.usefixtures("piped")
def test_a_view_that_cannot_read_a_file_fails_like_a_command(run: Invoke, data_dir: Path) -> None:
    # `progress` leaves reading the history to its view; an unreadable history is still one
    # error line and exit 1, not a traceback.
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    history.unlink()
    history.mkdir()
    result = run("progress")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot read history file {history}")
    assert result.stderr.count("\n") == 1


def test_a_command_without_json_never_answers_in_json(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = run("export", "-o", "--json")  # a file named --json
    assert written.exit_code == 0 and written.stdout == ""
    assert written.stderr == "note: written to --json\n"
    assert (tmp_path / "--json").is_file()
    missing = run("--roadmaps", str(tmp_path / "nowhere.toml"), "export", "-o", "--json")
    assert missing.exit_code == 1 and missing.stdout == ""
    assert missing.stderr.startswith("error: cannot read roadmap file")


def test_a_session_with_its_own_clock_can_be_handed_in(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from llmcourse.session import Session

    moment = datetime(2025, 5, 17, 12, 0, tzinfo=UTC)
    runner = CliRunner()
    done = runner.invoke(app, ["done", "tokenization"], obj=Session(clock=lambda: moment))
    assert done.exit_code == 0, done.stderr
    shown = runner.invoke(app, ["show", "tokenization", "--json"])
    assert shown.exit_code == 0
    assert shown.stdout and '"changed": "2025-05-17T12:00:00+00:00"' in shown.stdout
