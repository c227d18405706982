"""Code paths for Windows and macOS, run here with the platform checks patched."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from llmcourse import store
from llmcourse.errors import ProgressFileError


def _sharing_violation() -> PermissionError:
    return PermissionError(13, "The process cannot access the file because it is being used")


def test_windows_retries_a_replace_while_the_file_is_open_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(store, "REPLACE_FIRST_WAIT", 0.001)
    real_replace = os.replace
    failures = iter([_sharing_violation(), _sharing_violation(), None])

    def busy_twice(source: str, target: Path) -> None:
        failure = next(failures)
        if failure is not None:
            raise failure
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", busy_twice)
    target = tmp_path / "progress.toml"
    store.write_atomic(target, b"schema_version = 2\n")
    assert target.read_bytes() == b"schema_version = 2\n"
    assert next(failures, "spent") == "spent"


def test_windows_gives_up_after_a_while_and_leaves_the_old_file(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress = store.load(progress_file, "llm-course")
    store.save(progress)
    before = progress_file.read_bytes()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(store, "REPLACE_FIRST_WAIT", 0.001)
    calls: list[str] = []

    def always_busy(source: str, target: Path) -> None:
        calls.append(Path(target).name)
        raise _sharing_violation()

    monkeypatch.setattr(os, "replace", always_busy)
    with pytest.raises(ProgressFileError, match="being used"):
        store.save(store.load(progress_file, "llm-course"))
    # The replace is tried for a while; the backup is not touched before it succeeds.
    assert calls == ["progress.toml"] * store.REPLACE_ATTEMPTS
    assert progress_file.read_bytes() == before
    assert sorted(p.name for p in progress_file.parent.iterdir()) == ["progress.toml"]


def test_elsewhere_a_refused_replace_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    calls: list[str] = []

    def refused(source: str, target: Path) -> None:
        calls.append(source)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(PermissionError):
        store.write_atomic(tmp_path / "progress.toml", b"x")
    assert len(calls) == 1


def test_windows_does_not_sync_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    opened: list[object] = []
    real_open = os.open

    def watch(path: object, flags: int, *args: int) -> int:
        opened.append(path)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", watch)
    store.write_atomic(tmp_path / "progress.toml", b"x")
    assert tmp_path not in opened


def test_linux_syncs_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    store.write_atomic(tmp_path / "progress.toml", b"x")
    assert len(synced) == 2  # the file, then its folder


@pytest.mark.skipif(os.name != "posix", reason="fcntl is POSIX")
def test_macos_asks_the_drive_itself_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(fcntl, "F_FULLFSYNC", 51, raising=False)
    asked: list[int] = []
    plain: list[int] = []
    monkeypatch.setattr(fcntl, "fcntl", lambda fd, op, *_: asked.append(op) or 0)
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: plain.append(fd) or real_fsync(fd))
    store.write_atomic(tmp_path / "progress.toml", b"x")
    assert asked == [51]
    assert len(plain) == 1  # only the folder, which F_FULLFSYNC does not apply to


@pytest.mark.skipif(os.name != "posix", reason="fcntl is POSIX")
def test_macos_falls_back_where_full_sync_is_unsupported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(fcntl, "F_FULLFSYNC", 51, raising=False)

    def unsupported(*_: object) -> int:
        raise OSError(45, "Operation not supported")

    monkeypatch.setattr(fcntl, "fcntl", unsupported)
    plain: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: plain.append(fd) or real_fsync(fd))
    store.write_atomic(tmp_path / "progress.toml", b"x")
    assert len(plain) == 2


def test_the_history_is_synced_the_same_way(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(store, "_fsync", lambda fd: calls.append(fd) or os.fsync(fd))
    progress = store.load(progress_file, "llm-course")
    store.commit(progress, progress.data, [])
    assert len(calls) == 2  # the history, then the progress file
