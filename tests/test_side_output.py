"""Standard output that cannot take what a command writes: a full disk or a closed descriptor.

The installed `llmcourse` runs in a real process, as a learner runs it, so that what Python does
with its own streams (and its last flush as it ends) is part of what is checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import installed

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full here")
needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="closes a descriptor as sh does")


def _to_full(*args: str, buffered: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    with FULL.open("w") as full:
        return subprocess.run(
            [installed(), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )


def _closed(*args: str) -> subprocess.CompletedProcess[str]:
    # As `llmcourse ... >&-` in a shell: the process starts with no descriptor 1.
    return subprocess.run(
        [installed(), *args],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        pass_fds=(),
        preexec_fn=lambda: os.close(1),
    )


def _status(data_dir: Path, entry: str) -> str | None:
    path = data_dir / "progress.toml"
    if not path.exists():
        return None
    entries = tomllib.loads(path.read_text("utf-8")).get("entries", {})
    found = entries.get(entry)
    return found.get("status") if isinstance(found, dict) else None


TOKENIZATION = "scientist/architecture/tokenization"

# A change in each view: plain lines, JSON, and (for `undo`) rich.
CHANGES = [["done", "scientist/1/2"], ["done", "scientist/1/2", "--json"]]
# Reading commands in each view: rich tables, plain lines, JSON, help.
READS = [["progress"], ["list"], ["list", "--json"], ["progress", "--json"], ["--help"], ["help"]]


@needs_dev_full
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("args", CHANGES, ids=" ".join)
def test_a_change_whose_output_meets_a_full_disk_says_it_was_recorded(
    data_dir: Path, args: list[str], buffered: bool
) -> None:
    result = _to_full(*args, buffered=buffered)
    assert result.stderr == (
        "error: cannot write the output: No space left on device; your change was recorded\n"
    )
    assert result.returncode == 3
    assert _status(data_dir, TOKENIZATION) == "done"


@needs_dev_full
@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_output_that_meets_a_full_disk_is_one_line(args: list[str]) -> None:
    result = _to_full(*args)
    # One line: the flush as the process ends adds no second error, nor a traceback.
    assert result.stderr == "error: cannot write the output: No space left on device\n"
    assert result.returncode == 3


@needs_dev_full
def test_a_change_to_a_full_disk_in_a_rich_view_says_it_was_recorded(data_dir: Path) -> None:
    assert _to_full("done", "scientist/1/2").returncode == 3
    result = _to_full("undo")  # shown with rich
    assert result.stderr.endswith("; your change was recorded\n"), result.stderr
    assert result.stderr.count("\n") == 1
    assert result.returncode == 3
    assert _status(data_dir, TOKENIZATION) == "not-started"


@needs_dev_full
def test_an_error_to_a_full_disk_keeps_its_own_line_and_code() -> None:
    # The JSON error cannot be written; the line on stderr still says what went wrong.
    result = _to_full("show", "no-such-id", "--json")
    assert result.stderr.startswith("error: no roadmap, section, topic or reference has the id")
    assert result.stderr.count("\n") == 1
    assert result.returncode == 2


@needs_posix
@pytest.mark.parametrize("args", CHANGES, ids=" ".join)
def test_a_change_with_stdout_closed_says_it_was_recorded(data_dir: Path, args: list[str]) -> None:
    result = _closed(*args)
    assert result.stderr == (
        "error: cannot write the output: standard output is closed; your change was recorded\n"
    )
    assert result.returncode == 3
    assert _status(data_dir, TOKENIZATION) == "done"


@needs_posix
@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_output_with_stdout_closed_is_one_line(args: list[str]) -> None:
    result = _closed(*args)
    assert result.stderr == "error: cannot write the output: standard output is closed\n"
    assert result.returncode == 3


@needs_posix
def test_a_closed_stdout_is_not_handed_to_a_file(data_dir: Path) -> None:
    # Descriptor 1 is held, so the progress file written in the run cannot take its number
    # and receive the command's output.
    assert _closed("done", "scientist/1/2").returncode == 3
    text = (data_dir / "progress.toml").read_text("utf-8")
    assert "Tokenization" not in text
    assert _status(data_dir, TOKENIZATION) == "done"
