"""Progress survives what happens around it: parallel writers, links, killed writers, locks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from llmcourse import store
from llmcourse.errors import LockBusyError, ProgressFileError
from llmcourse.models import Entry

WHEN = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)


def _llmcourse() -> str:
    found = shutil.which("llmcourse", path=str(Path(sys.executable).parent))
    assert found
    return found


def test_parallel_writers_lose_no_update(progress_file: Path) -> None:
    # 16 processes at once, each marking a different topic: every one must be recorded.
    ids = [f"scientist/{section}/{topic}" for section in range(1, 9) for topic in (1, 2)]
    processes = [
        subprocess.Popen(
            [_llmcourse(), "done", topic_id, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for topic_id in ids
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    entries = tomllib.loads(progress_file.read_text("utf-8"))["entries"]
    assert len(entries) == 16
    result = subprocess.run(
        [_llmcourse(), "progress", "--json"], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["course"]["done"] == 16


def test_a_held_lock_gives_a_clear_message(progress_file: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import filelock, sys, time; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); "
            "print('held', flush=True); time.sleep(30)",
            str(progress_file) + ".lock",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    progress_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(LockBusyError, match="another llmcourse") as caught,
            store.locked(progress_file, timeout=0.2),
        ):
            pass
        assert caught.value.exit_code == 1
    finally:
        holder.kill()
        holder.wait()
    with store.locked(progress_file, timeout=5):
        pass


def _save_one(path: Path, key: str) -> None:
    progress = store.load(path, "llm-course")
    progress.data.entries[key] = Entry(status="done", changed=WHEN)
    with store.locked(path):
        store.save(progress)


def test_a_linked_progress_file_stays_a_link(progress_file: Path, tmp_path: Path) -> None:
    synced = tmp_path / "synced" / "my-progress.toml"
    synced.parent.mkdir()
    synced.write_text('schema_version = 1\ncourse = "llm-course"\n', encoding="utf-8")
    progress_file.parent.mkdir(parents=True)
    progress_file.symlink_to(synced)
    _save_one(progress_file, "a/b/c")
    assert progress_file.is_symlink()
    assert "a/b/c" in tomllib.loads(synced.read_text("utf-8"))["entries"]
    assert sorted(p.name for p in synced.parent.iterdir()) == ["my-progress.toml"]


def test_a_dangling_link_is_refused_not_replaced(progress_file: Path, tmp_path: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    missing = tmp_path / "unmounted" / "progress.toml"
    progress_file.symlink_to(missing)
    with pytest.raises(ProgressFileError, match="does not exist"):
        store.load(progress_file, "llm-course")
    assert progress_file.is_symlink()
    assert not missing.parent.exists()


def test_temporary_files_of_a_killed_writer_are_cleared(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    stale = progress_file.parent / ".progress.toml.abc123.tmp"
    stale.write_text("half a file")
    unrelated = progress_file.parent / "notes.tmp"
    unrelated.write_text("mine")
    _save_one(progress_file, "a/b/c")
    assert not stale.exists()
    assert unrelated.read_text() == "mine"


def test_a_lock_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with (
        pytest.raises(ProgressFileError, match="cannot lock progress file"),
        store.locked(blocker / "progress.toml"),
    ):
        pass


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_killed_writer_leaves_the_old_or_the_new_file(progress_file: Path) -> None:
    import signal
    import time

    subprocess.run([_llmcourse(), "done", "tokenization"], check=True, capture_output=True)
    for attempt in range(12):
        process = subprocess.Popen(
            [_llmcourse(), "done", "engineer", "--undo" if attempt % 2 else "--json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.05 + 0.04 * attempt)
        process.send_signal(signal.SIGKILL)
        process.wait()
        data = tomllib.loads(progress_file.read_text("utf-8"))
        entries = data["entries"]
        assert entries["scientist/architecture/tokenization"]["status"] == "done"
        engineer = [v["status"] for k, v in entries.items() if k.startswith("engineer/")]
        assert len(set(engineer)) <= 1  # all of one command's change, or none of it
