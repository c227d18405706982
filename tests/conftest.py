"""Every test runs with its own data folder and home, so none can touch a learner's real files."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llmcourse.cli import app

# One cache of validated roadmap files for the whole run, made before any test module loads the
# course, so that not even collection touches the real cache folder. Tests of the cache itself
# point LLMCOURSE_CACHE_DIR elsewhere.
_CACHE = tempfile.mkdtemp(prefix="llmcourse-test-cache-")
os.environ["LLMCOURSE_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for name, sub in [
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
        ("APPDATA", "AppData/Roaming"),
        ("LOCALAPPDATA", "AppData/Local"),
    ]:
        monkeypatch.setenv(name, str(home / sub))
    folder = tmp_path / "data"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(folder))
    monkeypatch.setenv("LLMCOURSE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("LLMCOURSE_MACHINE", raising=False)
    # Output that does not depend on the terminal the tests happen to run in.
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return folder


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `COLUMNS`: output goes to a pipe, as a script reads it, where no line is wrapped and
    a message is one line however long the paths in it are."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def progress_file(data_dir: Path) -> Path:
    return data_dir / "progress.toml"


class Run:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run() -> Callable[..., Run]:
    """Invoke the CLI in-process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def invoke(*args: str) -> Run:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


def installed() -> str:
    """The installed `llmcourse` command, as a learner runs it."""
    import shutil
    import sys

    found = shutil.which("llmcourse", path=str(Path(sys.executable).parent))
    assert found
    return found
