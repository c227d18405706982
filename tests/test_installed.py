"""The installed `llmcourse` command, run the way a learner runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmcourse import __version__


def _command() -> list[str]:
    found = shutil.which("llmcourse", path=str(Path(sys.executable).parent))
    assert found, "the llmcourse console script is not installed beside this Python"
    return [found]


def _run(
    *args: str, command: list[str] | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(command or _command()), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env if env is not None else os.environ.copy(),
        timeout=60,
        check=False,
    )


def test_the_first_evening(progress_file: Path) -> None:
    marked = _run("done", "scientist/1/2")
    assert marked.returncode == 0, marked.stderr
    assert "Tokenization" in marked.stdout
    report = _run("progress")
    assert report.returncode == 0
    assert "1 of 62 topics done" in report.stdout  # Fundamentals is optional, not started
    doc = json.loads(_run("progress", "--json").stdout)
    scientist = doc["course"]["roadmaps"][1]
    assert (scientist["done"], scientist["total"]) == (1, 32)
    assert (scientist["sections"][0]["done"], scientist["sections"][0]["total"]) == (1, 4)
    assert progress_file.exists()


def test_python_dash_m_works_too() -> None:
    result = _run("--version", command=[sys.executable, "-m", "llmcourse"])
    assert result.returncode == 0
    assert result.stdout.startswith(f"llmcourse {__version__}\nThe LLM Course, revision ")


def _colour_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return env | settings


def test_piped_output_has_no_escape_codes() -> None:
    result = _run("show", "architecture", env=_colour_env(TERM="xterm-256color"))
    assert result.returncode == 0
    assert "Tokenization" in result.stdout
    assert "\x1b" not in result.stdout


def test_force_color_colours_even_a_pipe() -> None:
    result = _run("show", "architecture", env=_colour_env(FORCE_COLOR="1", TERM="xterm-256color"))
    assert "\x1b[" in result.stdout


@pytest.mark.parametrize("setting", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals_win_over_force_color(setting: dict[str, str]) -> None:
    result = _run("show", "architecture", env=_colour_env(FORCE_COLOR="1", **setting))
    assert "Tokenization" in result.stdout
    # No colour codes (30-39, 90-97, 38;...); bold and dim are not colour and may remain.
    codes = [
        code for sgr in re.findall(r"\x1b\[([0-9;]*)m", result.stdout) for code in sgr.split(";")
    ]
    assert not [code for code in codes if code.startswith(("3", "9")) and code != "3"]


def test_tables_follow_columns() -> None:
    narrow = _run("list", env=_colour_env(COLUMNS="70"))
    wide = _run("list", env=_colour_env(COLUMNS="140"))
    assert max(map(len, narrow.stdout.splitlines())) <= 70
    assert max(map(len, wide.stdout.splitlines())) > 70


@pytest.mark.usefixtures("piped")
def test_a_corrupt_file_gives_one_line_and_no_traceback(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(b"schema_version = 1\nentries = {\n")
    result = _run("done", "tokenization")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: progress file ")
    assert progress_file.read_bytes() == b"schema_version = 1\nentries = {\n"


@pytest.mark.parametrize("args", [["--help"], ["list", "--help"], ["done", "--help"]])
def test_help_is_there(args: list[str]) -> None:
    result = _run(*args)
    assert result.returncode == 0
    assert "Usage" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--topics"],
        ["list", "--json"],
        ["--version"],
        ["show", "no-such-id", "--json"],  # an error, as JSON
        ["log", "--limit", "many", "--json"],  # a usage mistake, as JSON
    ],
)
def test_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    # As in `llmcourse list | head -1`: the reader is gone before llmcourse writes.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [*_command(), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 1


def test_piped_tables_do_not_follow_a_terminal_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import os

    from llmcourse import render

    monkeypatch.delenv("COLUMNS", raising=False)
    # A wide terminal on stderr, as when `llmcourse list | less` runs in one.
    monkeypatch.setattr(os, "get_terminal_size", lambda *_: os.terminal_size((200, 50)))
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert render.console().width == render.UNLIMITED  # in a pipe, no wrapping at all
    monkeypatch.setenv("COLUMNS", "132")
    assert render.console().width == 132


def test_a_reader_that_stops_early_meets_a_finished_writer(tmp_path: Path) -> None:
    """The plain views write their lines at once, so `llmcourse --version | grep -q ...`
    succeeds under `set -o pipefail` even with unbuffered output (PYTHONUNBUFFERED=1): a
    line-by-line writer would still be writing when grep has gone, and end with a broken pipe."""
    import subprocess

    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LLMCOURSE_DATA_DIR": str(tmp_path)}
    # grep stops at the first line, while a line-by-line writer still has two to write.
    script = f"set -o pipefail; {_command()[0]} --version | grep -q '^llmcourse '"
    for _ in range(20):  # a race, lost about one time in four: twenty runs catch it
        assert subprocess.run(["bash", "-c", script], env=env, check=False).returncode == 0


@pytest.mark.parametrize(
    ("words", "names"),
    [
        ([], []),
        (["--version"], []),
        (["--json"], []),
        (["review", "--json"], ["review"]),
        (["--roadmaps", "list", "show", "x"], ["show"]),  # `list` is the file's name here
        (["--roadmaps=f.toml", "--json", "done", "x"], ["done"]),
        (["help", "review"], None),
        (["--help"], None),
        (["-h", "list"], None),
        (["--show-completion", "bash"], None),
        (["--", "list"], None),
        (["status"], None),  # names no command: all of them, for the error to say so
    ],
)
def test_a_run_builds_only_the_command_it_runs(words: list[str], names: list[str] | None) -> None:
    from llmcourse.cli import NAMES, needed

    assert list(needed(words)) == (list(NAMES) if names is None else names)


@pytest.mark.parametrize(
    ("args", "modules"),
    [
        (["progress", "--json"], ["activity"]),
        (["show", "scientist/architecture"], ["browse"]),
        (["done", "scientist/1/1"], ["marking"]),
        (["--version"], []),
    ],
)
def test_a_run_imports_only_its_command_and_not_pydantic(
    progress_file: Path, args: list[str], modules: list[str]
) -> None:
    script = (
        "import sys; from llmcourse.start import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "found = (m for m in sys.modules if m.startswith(('llmcourse.commands.', 'pydantic')))\n"
        "print(*sorted(found), file=sys.stderr)"
    )
    _run("list")  # the first run validates the course, with pydantic, and caches it
    result = _run("-c", script, *args, command=[sys.executable])
    assert result.returncode == 0, result.stderr
    imported = result.stderr.strip().splitlines()[-1].split() if result.stderr.strip() else []
    # commands.options holds the options every command shares; Typer reads no pydantic.
    assert imported == sorted(f"llmcourse.commands.{name}" for name in ["options", *modules])


def test_every_command_is_listed_and_runs_from_the_installed_command(progress_file: Path) -> None:
    from llmcourse.cli import app

    listed = _run("--help").stdout
    for info in app.registered_commands:
        assert re.search(rf"^  {re.escape(str(info.name))}\b", listed, re.M), info.name
    assert _run("help", "review").stdout.startswith("Usage: llmcourse review")
    assert "Did you mean 'progress'?" in _run("status").stderr
    assert json.loads(_run("--json", "review").stdout)["due"] == []
