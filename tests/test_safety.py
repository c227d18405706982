"""Progress survives what happens around it: parallel writers, links, killed writers, locks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import Run, installed
from llmcourse import store
from llmcourse.errors import LockBusyError, ProgressFileError
from llmcourse.progressfile import Entry

WHEN = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)


def test_parallel_writers_lose_no_update(progress_file: Path) -> None:
    # 10 processes at once, each marking a different topic: every one must be recorded. (More
    # would queue for longer than the lock waits on a loaded 2-core machine.)
    ids = [f"scientist/{section}/{topic}" for section in range(1, 6) for topic in (1, 2)]
    processes = [
        subprocess.Popen(
            [installed(), "done", topic_id, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for topic_id in ids
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    data = tomllib.loads(progress_file.read_text("utf-8"))
    assert len(data["entries"]) == 10
    result = subprocess.run(
        [installed(), "progress", "--json"], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["course"]["done"] == 10
    # Each change has its own number and its own events, and the history is whole.
    history = progress_file.with_name("history.jsonl").read_bytes()
    assert data["revision"] == 10
    assert data["history_size"] == len(history)
    events = [json.loads(line) for line in history.splitlines()]
    assert sorted(e["rev"] for e in events) == list(range(1, 11))
    assert {e["id"] for e in events} == set(data["entries"])


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
    # No process has this number: the writer that made it is gone.
    stale = progress_file.parent / ".progress.toml.llmcourse-1073741823-abc123.tmp"
    stale.write_text("half a file")
    unrelated = progress_file.parent / "notes.tmp"
    unrelated.write_text("mine")
    _save_one(progress_file, "a/b/c")
    assert not stale.exists()
    assert unrelated.read_text() == "mine"


def test_only_temporary_files_llmcourse_provably_made_are_cleared(progress_file: Path) -> None:
    folder = progress_file.parent
    folder.mkdir(parents=True)
    foreign = folder / ".progress.toml.abc123.tmp"  # the old pattern: anyone's
    alive = folder / f".progress.toml.llmcourse-{os.getpid()}-x1.tmp"  # a writer still at work
    linked = folder / ".progress.toml.llmcourse-1073741823-x2.tmp"  # not a file of ours
    elsewhere = progress_file.parent.parent / "keep-me"
    elsewhere.write_text("someone else's")
    for path in (foreign, alive):
        path.write_text("not stale")
    linked.symlink_to(elsewhere)
    old = folder / f".progress.toml.llmcourse-{os.getpid()}-x3.tmp"  # alive, but an hour old
    old.write_text("stale")
    an_hour_ago = time.time() - store.STALE_AFTER_SECONDS - 60
    os.utime(old, (an_hour_ago, an_hour_ago))
    _save_one(progress_file, "a/b/c")
    assert foreign.read_text() == alive.read_text() == "not stale"
    assert linked.is_symlink() and elsewhere.read_text() == "someone else's"
    assert not old.exists()


def test_a_lock_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with (
        pytest.raises(ProgressFileError, match="cannot lock progress file"),
        store.locked(blocker / "progress.toml"),
    ):
        pass


def _check_consistent(progress_file: Path) -> dict[str, str]:
    """The progress file parses, and the history it vouches for says only what it holds."""
    data = tomllib.loads(progress_file.read_text("utf-8"))
    history = progress_file.with_name("history.jsonl")
    content = history.read_bytes() if history.exists() else b""
    assert len(content) >= data["history_size"]
    events = [json.loads(line) for line in content[: data["history_size"]].splitlines()]
    assert len({e["rev"] for e in events}) == data["revision"]
    latest: dict[str, str] = {}
    for event in events:
        latest[event["id"]] = event["new"]
    statuses = {key: value["status"] for key, value in data["entries"].items()}
    assert latest == statuses
    return statuses


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_killed_writer_leaves_the_old_or_the_new_state(progress_file: Path) -> None:
    import random
    import signal
    import time

    subprocess.run([installed(), "done", "tokenization"], check=True, capture_output=True)
    timing = random.Random(20261127)
    kills = 0
    for attempt in range(12):
        process = subprocess.Popen(
            [installed(), "done", "engineer", *(["--undo"] if attempt % 2 else [])],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(timing.uniform(0.05, 0.6))
        if process.poll() is None:
            kills += 1
        process.send_signal(signal.SIGKILL)
        process.wait()
        statuses = _check_consistent(progress_file)
        assert statuses["scientist/architecture/tokenization"] == "done"
        engineer = [v for k, v in statuses.items() if k.startswith("engineer/")]
        assert len(set(engineer)) <= 1  # all of one command's change, or none of it
    assert kills > 0
    result = subprocess.run(
        [installed(), "done", "scientist/1/4"], capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    assert not list(progress_file.parent.glob(".*.tmp"))
    _check_consistent(progress_file)
    doctor = subprocess.run([installed(), "doctor"], capture_output=True, text=True)
    assert doctor.returncode == 0, doctor.stdout


_DIE_BEFORE_PROGRESS = """
import os, signal, sys
from llmcourse import store, cli
def die(progress, content=None):
    os.kill(os.getpid(), signal.SIGKILL)
store.save = die
sys.argv = ["llmcourse", *sys.argv[1:]]
cli.main()
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_writer_killed_between_history_and_progress_leaves_no_false_history(
    progress_file: Path,
) -> None:
    subprocess.run([installed(), "done", "tokenization"], check=True, capture_output=True)
    before = progress_file.read_bytes()
    killed = subprocess.run(
        [sys.executable, "-c", _DIE_BEFORE_PROGRESS, "done", "scientist/2"], capture_output=True
    )
    assert killed.returncode == -9
    assert progress_file.read_bytes() == before
    history = progress_file.with_name("history.jsonl")
    assert b"pre-training" in history.read_bytes()  # the events were written, then the kill
    log = subprocess.run([installed(), "log", "--json"], capture_output=True, text=True, check=True)
    assert [e["rev"] for e in json.loads(log.stdout)["events"]] == [1]
    undo = subprocess.run([installed(), "undo", "--json"], capture_output=True, text=True)
    assert [r["undoes"] for r in json.loads(undo.stdout)["reverted"]] == [1]
    assert _check_consistent(progress_file) == {
        "scientist/architecture/tokenization": "not-started"
    }
    assert b"pre-training" not in history.read_bytes()


@pytest.mark.usefixtures("piped")
def test_a_full_disk_changes_nothing(
    run: Callable[..., Run], progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("done", "tokenization")
    before = progress_file.read_bytes()
    history = progress_file.with_name("history.jsonl")
    history_before = history.read_bytes()
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        if os.fstat(fd).st_size > 0:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", full)
        result = run("done", "scientist/2")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write history file")
    assert "No space left on device" in result.stderr
    assert result.stderr.count("\n") == 1
    assert progress_file.read_bytes() == before
    assert history.read_bytes() == history_before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_folder_changes_nothing(run: Callable[..., Run], progress_file: Path) -> None:
    run("done", "tokenization")
    before = progress_file.read_bytes()
    folder = progress_file.parent
    folder.chmod(0o555)
    try:
        result = run("done", "scientist/2")
        assert result.exit_code == 1
        assert result.stderr.startswith("error: cannot ")
        assert "writable" in result.stderr
        assert progress_file.read_bytes() == before
    finally:
        folder.chmod(0o755)


def test_the_lock_excludes_a_second_holder_and_is_released(progress_file: Path) -> None:
    with (
        store.locked(progress_file),
        pytest.raises(LockBusyError),
        store.locked(progress_file, timeout=0.1),
    ):
        pass
    with store.locked(progress_file, timeout=0.1):
        pass


def test_an_error_inside_the_lock_is_not_called_a_lock_error(progress_file: Path) -> None:
    with pytest.raises(FileNotFoundError, match="inside"), store.locked(progress_file):
        raise FileNotFoundError("inside")
    with store.locked(progress_file, timeout=0.1):
        pass  # and the lock was released


def test_windows_takes_the_lock_through_filelock(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import filelock

    taken: list[str] = []
    real = filelock.FileLock

    def recording(path: str, **options: object) -> filelock.BaseFileLock:
        taken.append(str(path))
        return real(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(filelock, "FileLock", recording)
    with (
        store.locked(progress_file),
        pytest.raises(LockBusyError),
        store.locked(progress_file, timeout=0.1),
    ):
        pass
    assert taken == [str(progress_file) + ".lock"] * 2


def test_the_backup_is_copied_where_links_cannot_be_made(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save_one(progress_file, "a/b/c")
    first = progress_file.read_bytes()

    def no_links(*_: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    _save_one(progress_file, "d/e/f")
    backup = progress_file.with_name("progress.toml.bak")
    assert backup.read_bytes() == first
    assert backup.stat().st_ino != progress_file.stat().st_ino
    assert not list(progress_file.parent.glob(".*.tmp"))


@pytest.mark.parametrize("step", ["write", "replace"])
def test_a_failed_write_leaves_the_backup_as_it_was(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    _save_one(progress_file, "a/b/c")
    _save_one(progress_file, "d/e/f")  # the backup now holds the file with a/b/c alone
    backup = progress_file.with_name("progress.toml.bak")
    kept, live = backup.read_bytes(), progress_file.read_bytes()
    full = OSError(28, "No space left on device")
    if step == "write":  # the disk fills as the new file is written (or `ulimit -f` stops it)
        real_fsync = store._fsync

        def fsync(fd: int) -> None:
            if os.fstat(fd).st_size > 200:
                raise full
            real_fsync(fd)

        monkeypatch.setattr(store, "_fsync", fsync)
    else:
        real_replace = os.replace

        def replace(source: str, target: Path) -> None:
            if Path(target).name == "progress.toml":
                raise full
            real_replace(source, target)

        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ProgressFileError, match="nothing was changed"):
        _save_one(progress_file, "g/h/i")
    assert backup.read_bytes() == kept
    assert progress_file.read_bytes() == live
    assert backup.stat().st_ino != progress_file.stat().st_ino
    assert backup.stat().st_nlink == progress_file.stat().st_nlink == 1
    assert not list(progress_file.parent.glob(".*.tmp"))
