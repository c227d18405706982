"""The progress file: where it lives, reading it strictly, and replacing it atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from llmcourse.catalog import location
from llmcourse.errors import LockBusyError, ProgressFileError
from llmcourse.models import PROGRESS_SCHEMA_VERSION, ProgressFile

DATA_DIR_ENV = "LLMCOURSE_DATA_DIR"
PROGRESS_NAME = "progress.toml"


def data_dir() -> Path:
    """The folder that holds the learner's progress (`LLMCOURSE_DATA_DIR` overrides it)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("llmcourse", appauthor=False))


def progress_path() -> Path:
    return data_dir() / PROGRESS_NAME


@dataclass
class Progress:
    """A progress file as read, and whether it exists on disk yet."""

    path: Path
    data: ProgressFile
    exists: bool


def new_progress_file(course_id: str) -> ProgressFile:
    return ProgressFile(schema_version=PROGRESS_SCHEMA_VERSION, course=course_id)


def load(path: Path, course_id: str) -> Progress:
    """Read the progress file; a missing file is an empty progress, a bad one an error."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        if path.is_symlink():
            raise ProgressFileError(
                f"progress file {path} is a link to {os.readlink(path)}, which does not exist",
                "Restore or mount its target, or remove the link to start afresh",
            ) from None
        return Progress(path, new_progress_file(course_id), exists=False)
    except OSError as err:
        raise ProgressFileError(
            f"cannot read progress file {path}: {err.strerror or err}",
            f"Check the path, its permissions and {DATA_DIR_ENV}; nothing was changed",
        ) from None
    data = parse(content, path)
    if data.schema_version > PROGRESS_SCHEMA_VERSION:
        raise ProgressFileError(
            f"progress file {path} has schema_version {data.schema_version}, newer than this "
            f"llmcourse understands ({PROGRESS_SCHEMA_VERSION})",
            "Upgrade llmcourse; the file was left as it is",
        )
    if data.course is not None and data.course != course_id:
        raise ProgressFileError(
            f"progress file {path} belongs to the course '{data.course}', not '{course_id}'",
            f"Point {DATA_DIR_ENV} at another folder; the file was left as it is",
        )
    if data.course is None:
        data.course = course_id  # written down with the next change
    return Progress(path, data, exists=True)


_LEAVE_IT = "Fix or move the file; llmcourse leaves it as it is"


def parse(content: bytes, path: Path) -> ProgressFile:
    try:
        raw = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ProgressFileError(
            f"progress file {path} is not UTF-8 text (byte {err.start})", _LEAVE_IT
        ) from None
    except tomllib.TOMLDecodeError as err:
        raise ProgressFileError(
            f"progress file {path} is not valid TOML: {err}", _LEAVE_IT
        ) from None
    try:
        return ProgressFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = location(raw, first["loc"])
        raise ProgressFileError(
            f"progress file {path}: {where}: {first['msg']}", _LEAVE_IT
        ) from None


LOCK_TIMEOUT_SECONDS = 10.0


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the lock on a progress file for a whole read-modify-write.

    The lock lives in its own file beside the progress file, since the progress file itself
    is replaced on every write and so cannot carry a lock.
    """
    import filelock

    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(lock_path, timeout=timeout):
            yield
    except filelock.Timeout:
        raise LockBusyError(
            f"another llmcourse has been changing {path} for over {timeout:g} seconds "
            f"(lock file {lock_path})",
            "Try again when it has finished; nothing was changed",
        ) from None
    except OSError as err:
        raise ProgressFileError(
            f"cannot lock progress file {path}: {err.strerror or err}",
            f"Check that the folder is writable, or set {DATA_DIR_ENV} to one that is; "
            "nothing was changed",
        ) from None


def save(progress: Progress) -> None:
    """Write the progress file atomically; on any failure the old file is left intact.

    Call it under `locked`: it also clears temporary files that a killed writer left behind.
    """
    import tomli_w

    content = tomli_w.dumps(progress.data.to_toml_data()).encode("utf-8")
    # A progress file that is a link (say, into a synced folder) stays a link: write its target.
    target = Path(os.path.realpath(progress.path))
    try:
        _remove_stale_temporaries(target)
        write_atomic(target, content)
    except OSError as err:
        raise ProgressFileError(
            f"cannot write progress file {progress.path}: {err.strerror or err}",
            f"Check that the folder is writable, or set {DATA_DIR_ENV} to one that is; "
            "nothing was changed",
        ) from None
    progress.exists = True


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_stale_temporaries(path: Path) -> None:
    if not path.parent.is_dir():
        return
    for stale in path.parent.glob(_temporary_prefix(path) + "*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` with `content` so that a crash leaves the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp_name, path.stat().st_mode & 0o777)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable, where the platform and file system allow it.

    The new file is in place by now, so a folder that cannot be synced (Windows, some network
    file systems) is no reason to report the write as failed.
    """
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
