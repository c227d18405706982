"""Reading only regular files, and only up to a limit: a pipe, a device or a huge file is refused
at once, with words that say what it is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from llmcourse import regular

posix = pytest.mark.skipif(sys.platform == "win32", reason="named pipes and devices are POSIX")


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert regular.read(path, 100) == b"x" * 100


def test_a_file_over_the_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "f"
    with open(path, "wb") as handle:
        handle.truncate(regular.MB + 1)
    with pytest.raises(regular.TooLargeError) as raised:
        regular.read(path, regular.MB)
    assert raised.value.strerror == "it is larger than 1 MB, more than any such file"


@posix
def test_a_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    with pytest.raises(regular.NotRegularError) as raised:
        regular.read(path, regular.MB)  # without a writer, a blocking open would wait for ever
    assert raised.value.strerror == "it is a named pipe, not a file"


@posix
def test_a_device_that_never_ends_is_refused() -> None:
    with pytest.raises(regular.NotRegularError) as raised:
        regular.read("/dev/zero", regular.MB)
    assert raised.value.strerror == "it is a device, not a file"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OSError) as raised:
        regular.read(tmp_path, regular.MB)
    assert isinstance(raised.value, regular.NotRegularError) or sys.platform == "win32"


@posix
def test_a_link_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"abc")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    assert regular.read(tmp_path / "link", 10) == b"abc"
