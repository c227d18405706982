"""A writer killed at every step of its work leaves the old state or the new one, never less.

Each command runs in a real process that SIGKILLs itself at its Nth file-system call once it
holds the lock, for N = 1, 2, ... until a run gets to the end: every moment a crash can fall
between two steps is tried.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Run
from llmcourse.cli import app

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

Invoke = Callable[..., Run]

_KILL_AT_STEP = """
import os, signal, sys
from llmcourse import cli, store

target = int(os.environ["KILL_AT_STEP"])
state = {"armed": False, "steps": 0}

def step():
    if state["armed"]:
        state["steps"] += 1
        if state["steps"] == target:
            os.kill(os.getpid(), signal.SIGKILL)

for name in ("replace", "fsync", "write", "ftruncate", "link", "unlink", "open", "rename"):
    def make(real):
        def wrapped(*args, **kwargs):
            step()
            return real(*args, **kwargs)
        return wrapped
    setattr(os, name, make(getattr(os, name)))

real_acquire = store._acquire
def acquire(*args):
    release = real_acquire(*args)
    state["armed"] = True
    return release
store._acquire = acquire
sys.argv = ["llmcourse", *sys.argv[1:]]
cli.main()
"""


def _statuses(folder: Path) -> dict[str, str]:
    """The statuses the progress file holds, checked against the history it vouches for."""
    data = tomllib.loads((folder / "progress.toml").read_text("utf-8"))
    history = folder / "history.jsonl"
    content = history.read_bytes() if history.exists() else b""
    vouched = content[: data["history_size"]]
    assert vouched == b"" or vouched.endswith(b"\n")
    events = [json.loads(line) for line in vouched.splitlines()]
    assert len({e["rev"] for e in events}) == data["revision"]
    # Events imported from another machine's history are records of it, not changes here.
    latest = {e["id"]: e["new"] for e in events if not e.get("imported")}
    statuses = {key: value["status"] for key, value in data["entries"].items()}
    assert latest == statuses
    return statuses


def _kill_at_every_step(
    template: Path, work: Path, args: list[str], check: Callable[[Path], None]
) -> int:
    for step in range(1, 200):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(template, work, symlinks=True)
        result = subprocess.run(
            [sys.executable, "-c", _KILL_AT_STEP, *args],
            env=os.environ | {"LLMCOURSE_DATA_DIR": str(work), "KILL_AT_STEP": str(step)},
            capture_output=True,
            text=True,
        )
        check(work)
        if result.returncode != -9:
            assert result.returncode in (0, 1), result.stderr
            return step
    raise AssertionError("the command never got to its end")


def _then_works(folder: Path) -> None:
    """After the crash, the next change works and the doctor finds nothing wrong."""
    runner = CliRunner()
    env = {"LLMCOURSE_DATA_DIR": str(folder)}
    done = runner.invoke(app, ["done", "engineer/1/1"], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    _statuses(folder)
    doctor = runner.invoke(app, ["doctor"], env=env, catch_exceptions=False)
    assert doctor.exit_code == 0, doctor.stdout


PRE_TRAINING = {
    f"scientist/pre-training/{topic}"
    for topic in ("data-preparation", "distributed-training", "training-optimization", "monitoring")
}


def test_done_killed_at_every_step(run: Invoke, data_dir: Path, tmp_path: Path) -> None:
    run("done", "tokenization")
    before = _statuses(data_dir)
    after = before | dict.fromkeys(PRE_TRAINING, "done")

    def check(folder: Path) -> None:
        assert _statuses(folder) in (before, after)
        _then_works_copy(folder)

    assert _kill_at_every_step(data_dir, tmp_path / "work", ["done", "scientist/2"], check) > 5


def _then_works_copy(folder: Path) -> None:
    copy = folder.with_name(folder.name + "-next")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy)
    _then_works(copy)


def test_undo_killed_at_every_step(run: Invoke, data_dir: Path, tmp_path: Path) -> None:
    run("done", "tokenization")
    run("done", "scientist/2")
    before = _statuses(data_dir)
    undone = before | {k: "not-started" for k in before if "/pre-training/" in k}

    def check(folder: Path) -> None:
        assert _statuses(folder) in (before, undone)
        _then_works_copy(folder)

    assert _kill_at_every_step(data_dir, tmp_path / "work", ["undo"], check) > 5


def test_doctor_fix_killed_at_every_step(run: Invoke, data_dir: Path, tmp_path: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    bad = (data_dir / "progress.toml").read_bytes() + b"x = [\n"
    (data_dir / "progress.toml").write_bytes(bad)
    backup = (data_dir / "progress.toml.bak").read_bytes()

    def check(folder: Path) -> None:
        # There is always a progress file: the bad one, untouched, or the backup restored
        # with the bad one kept beside it.
        current = (folder / "progress.toml").read_bytes()
        assert current in (bad, backup)
        if current == backup:
            kept = [p.read_bytes() for p in folder.glob("progress.broken-*.toml")]
            assert kept == [bad]
            _then_works_copy(folder)

    assert _kill_at_every_step(data_dir, tmp_path / "work", ["doctor", "--fix"], check) > 2


def test_import_killed_at_every_step(
    run: Invoke, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = tmp_path / "laptop"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(laptop))
    run("done", "scientist/2")
    run("export", "-o", str(tmp_path / "laptop.json"))
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(data_dir))
    run("done", "tokenization")
    before = _statuses(data_dir)
    after = before | dict.fromkeys(PRE_TRAINING, "done")

    def check(folder: Path) -> None:
        assert _statuses(folder) in (before, after)
        _then_works_copy(folder)

    args = ["import", str(tmp_path / "laptop.json")]
    assert _kill_at_every_step(data_dir, tmp_path / "work", args, check) > 5
