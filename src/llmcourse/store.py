"""The progress file: where it lives, reading it strictly, and changing it without loss.

A change holds the lock, appends its events to the history, keeps the previous file as a
backup, and replaces the progress file atomically.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from llmcourse import history, progressfile, regular
from llmcourse.errors import ImportFileError, LockBusyError, ProgressFileError
from llmcourse.history import History
from llmcourse.models import BUNDLED_COURSE_ID, is_course_id
from llmcourse.progressfile import SCHEMA_VERSION, Event, ProgressFile

DATA_DIR_ENV = "LLMCOURSE_DATA_DIR"
PROGRESS_NAME = "progress.toml"
BACKUP_SUFFIX = ".bak"


def data_dir() -> Path:
    """The folder that holds the learner's progress (`LLMCOURSE_DATA_DIR` overrides it)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("llmcourse", appauthor=False))


# The bundled course's progress lives at the top of the data folder, as it always has; every
# other course (a roadmap file of one's own) has a folder of its own, so none is ever mixed.
def progress_path(course_id: str = BUNDLED_COURSE_ID) -> Path:
    """Where the progress on a course is kept.

    The course id becomes a folder's name, so it is checked here, where it is used, and not
    only when its roadmap file was validated: nothing may lead the store out of the data folder.
    """
    if course_id == BUNDLED_COURSE_ID:
        return data_dir() / PROGRESS_NAME
    if not is_course_id(course_id):
        raise ProgressFileError(
            f"the course id {course_id!r} cannot name a folder of progress",
            "Run 'llmcourse validate' on the roadmap file; nothing was read or changed",
        )
    return data_dir() / "courses" / course_id / PROGRESS_NAME


class Progress:
    """A progress file as read: its content, its bytes on disk, and whether it may be changed.

    (A plain class, as `history.History` is, for what it costs to define.)
    """

    def __init__(
        self,
        path: Path,
        data: ProgressFile,
        exists: bool,
        raw: bytes | None = None,
        read_only: str | None = None,
    ) -> None:
        self.path = path
        self.data = data
        self.exists = exists
        self.raw = raw  # the bytes read, which become the backup when the file is replaced
        self.read_only = read_only  # why it must not be written, when it must not

    @property
    def history_path(self) -> Path:
        return history.history_path(self.path)

    def read_history(self) -> History:
        """The part of the history this progress file vouches for."""
        return history.read(self.history_path, self.data.history_size, self.data.revision)

    def stream_history(self) -> history.Stream:
        """The part of the history this progress file vouches for, read as it is iterated."""
        return history.Stream(self.history_path, self.data.history_size)

    def trusted_history(self) -> list[Event]:
        """The history's events, for a command that acts on them to change the progress
        (undo, import).

        A history that does not belong to this progress file, or has lines that cannot be
        read, is refused: acting on it could revert or merge the wrong things. So is a progress
        file this version cannot write.
        """
        ensure_writable(self)
        found = self.read_history()
        if found.mismatch or found.problems:
            line, reason = found.problems[0] if found.problems else (0, "")
            raise ProgressFileError(
                f"history file {found.path} does not match the progress file: one of them "
                "was restored or copied without the other"
                if found.mismatch
                else f"history file {found.path}, line {line}: {reason}",
                "Run 'llmcourse doctor' to see what is wrong; nothing was changed",
            )
        return found.events


def backup_path(path: Path) -> Path:
    """Where the previous version of the progress file is kept."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def load(path: Path, course_id: str) -> Progress:
    """Read the progress file; a missing file is an empty progress, a bad one an error."""
    try:
        content = read_file(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise ProgressFileError(
                f"progress file {path} is a link to {os.readlink(path)}, which does not exist",
                "Restore or mount its target, or remove the link to start afresh",
            ) from None
        return Progress(path, progressfile.empty(course_id), exists=False)
    except OSError as err:
        raise ProgressFileError(
            f"cannot read progress file {path}: {err.strerror or err}",
            f"{regular.MOVE_IT}; nothing was changed"
            if regular.refused(err)
            else f"Check the path, its permissions and {DATA_DIR_ENV}; nothing was changed",
        ) from None
    reading = progressfile.read(content)
    data = _readable(reading, path)
    if reading.newer is not None:
        return Progress(path, data, True, content, newer_schema_message(path, reading.newer))
    if data.course is not None and data.course != course_id:
        raise ProgressFileError(
            f"progress file {path} belongs to the course '{data.course}', not '{course_id}'",
            f"Point {DATA_DIR_ENV} at another folder; the file was left as it is",
        )
    if data.course is None:
        data.course = course_id  # written down with the next change
    return Progress(path, data, exists=True, raw=content)


def read_file(path: Path) -> bytes:
    """The bytes of a progress file (or its backup): only a regular file, up to the limit."""
    return regular.read(path, progressfile.MAX_PROGRESS_BYTES)


def newer_schema_message(path: Path, version: int) -> str:
    return (
        f"progress file {path} has schema_version {version}, newer than this llmcourse "
        f"understands ({SCHEMA_VERSION}); it can be read but not changed"
    )


def parse(content: bytes, path: Path) -> ProgressFile:
    """Read a progress file strictly: any problem is an error naming the file and where.

    A file of a newer schema is read as far as it is understood (its `schema_version` says so).
    """
    return _readable(progressfile.read(content), path)


def _readable(reading: progressfile.Reading, path: Path) -> ProgressFile:
    """The progress a file holds, or an error naming the file and its first problem."""
    if reading.data is None:
        raise ProgressFileError(
            reading.problems[0].describe(f"progress file {path}"),
            "Fix or move the file; llmcourse leaves it as it is",
        )
    return reading.data


LOCK_TIMEOUT_SECONDS = 5.0


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the lock on a progress file for a whole read-modify-write.

    The lock lives in its own file beside the progress file, since the progress file itself
    is replaced on every write and so cannot carry a lock.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        release = _acquire(lock_path, timeout)
    except TimeoutError:
        raise LockBusyError(
            f"another llmcourse has been changing {path} for over {timeout:g} seconds "
            f"(lock file {lock_path})",
            "Try again when it has finished; nothing was changed",
        ) from None
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.EMLINK) or isinstance(err, regular.NotRegularError):
            what = err.kind if isinstance(err, regular.NotRegularError) else "a link"
            raise ProgressFileError(
                f"cannot lock progress file {path}: the lock file {lock_path} is {what}",
                "Remove it: llmcourse makes its own; nothing was changed",
            ) from None
        raise ProgressFileError(
            f"cannot lock progress file {path}: {err.strerror or err}",
            f"Check that the folder is writable, or set {DATA_DIR_ENV} to one that is; "
            "nothing was changed",
        ) from None
    try:
        yield
    finally:
        release()


def _acquire(lock_path: Path, timeout: float) -> Callable[[], None]:
    """Take the lock file's lock, waiting up to `timeout` seconds; return how to release it.

    On POSIX this is `flock` on the lock file, exactly what filelock does there, made here
    because importing filelock costs a command like `done` about 20 ms, most of what it may
    spend above Typer's own start-up. The two take the same lock, so they exclude each other.
    Windows keeps filelock and its tested `msvcrt` locking.
    """
    if sys.platform == "win32":
        import filelock

        lock = filelock.FileLock(lock_path, timeout=timeout)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise TimeoutError from None
        return lock.release
    import fcntl

    # The lock file is llmcourse's own: a link in its place is not followed (it would create or
    # lock whatever it points to), and a pipe is refused by the regular-file check.
    fd = regular.checked(
        os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    )
    deadline = time.monotonic() + timeout
    wait = 0.002
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError from None
                time.sleep(wait)
                wait = min(wait * 2, 0.05)
    except BaseException:
        os.close(fd)
        raise

    def release() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return release


def commit(progress: Progress, data: ProgressFile, events: list[Event]) -> list[Path]:
    """Record one change: its events go to the history, then `data` replaces the progress file.

    Call it under `locked`, with `progress` as read there and `data` what it becomes: its
    `revision` counts this change, whose number the `events` carry (it stays the same for a
    change that is not a change of status, such as a note). Returns the files moved out of the
    way, whole: a history that did not belong to the progress file, or events past its end that
    the progress file does not hold.
    """
    ensure_writable(progress)
    read = progress.data
    path = progress.history_path
    lines = progressfile.encode_events(events)
    # Everything that could refuse the change is found out before the history is touched: a
    # progress or a history past its limits, or a folder where files cannot be replaced.
    expected = read.history_size + len(lines)
    if expected > progressfile.MAX_HISTORY_BYTES:
        raise ProgressFileError(
            f"cannot change progress file {progress.path}: its history would be larger than "
            f"{regular.size_words(progressfile.MAX_HISTORY_BYTES)}, more than llmcourse reads",
            "Nothing was changed",
        )
    content = _encoded(progress.path, data.replace(history_size=expected))
    try:
        _probe_writable(path.parent)
    except OSError as err:
        raise _write_error("in the data folder", path.parent, err) from None
    try:
        size, kept = history.append(
            path, read.history_size, read.revision, lines, _fsync, set_aside
        )
    except OSError as err:
        raise _write_error("history file", path, err) from None
    progress.data = data.replace(history_size=size)
    try:
        # The history was started anew (the old one set aside): the header says so.
        save(progress, content if size == expected else None)
    except ProgressFileError:
        # The progress file could not be written (a full disk, a size limit): the events just
        # appended are of a change that did not happen, so the history is cut back to where
        # it was, rather than left for the next change to set aside as unrecorded.
        if size == expected:
            with contextlib.suppress(OSError):
                os.truncate(path, read.history_size)
        progress.data = read
        raise
    except BaseException:
        progress.data = read
        raise
    return kept


# An export holds the progress file and the history, as JSON.
MAX_EXPORT_BYTES = 2 * (progressfile.MAX_PROGRESS_BYTES + progressfile.MAX_HISTORY_BYTES)


def read_export(path: Path) -> bytes:
    """The content of a file the learner asked to import: a regular file or a pipe (it is read
    before the lock is taken), up to a limit; a device would be read for ever."""
    try:
        return regular.read(path, MAX_EXPORT_BYTES, pipes=True)
    except OSError as err:
        raise ImportFileError(
            f"cannot read {path}: {err.strerror or err}", "Check the path and its permissions"
        ) from None


def write_output(path: Path, content: bytes | Iterator[bytes]) -> None:
    """Write an export where the learner said: a file is replaced whole, anything else
    (a named pipe, /dev/stdout, a terminal) is written into, and a link writes its target.

    `content` may come in pieces, written as they come (a large export is never held whole);
    a file is replaced only once the last piece is on the disk."""
    try:
        target = Path(os.path.realpath(path))
        kind = target.stat().st_mode if target.exists() else None
        if kind is not None and not stat.S_ISREG(kind):
            with open(target, "wb") as stream:
                _write_pieces(stream.write, content)
        elif not target.parent.is_dir():
            raise FileNotFoundError(2, f"the folder {target.parent} does not exist")
        else:
            write_atomic(target, content)
            if kind is None:  # a new file: readable as the learner's other files are
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(target, 0o666 & ~umask)
    except OSError as err:
        raise ProgressFileError(
            f"cannot write {path}: {err.strerror or err}", "Check the path and its permissions"
        ) from None


def _probe_writable(folder: Path) -> None:
    import tempfile  # with random, which it needs: only commands that write import them

    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=regular.temporary_prefix(folder / "probe"), suffix=".tmp", dir=folder
    )
    os.close(fd)
    os.unlink(name)


def ensure_writable(progress: Progress) -> None:
    """Refuse to change a file this version cannot write in full (one of a newer schema)."""
    if progress.read_only:
        raise ProgressFileError(
            progress.read_only,
            "Upgrade llmcourse (for example 'pipx upgrade llmcourse') to change it; "
            "nothing was changed",
        )


def _write_error(what: str, path: Path, err: OSError) -> ProgressFileError:
    return ProgressFileError(
        f"cannot write {what} {path}: {err.strerror or err}",
        f"{regular.MOVE_IT}; nothing was changed"
        if regular.refused(err)
        else f"Check that the folder is writable and the disk not full, or set {DATA_DIR_ENV} "
        "to another folder; nothing was changed",
    )


def save(progress: Progress, content: bytes | None = None) -> None:
    """Write the progress file atomically, keeping the previous version as a backup.

    `content` is the file's bytes when they are known already (`commit` encodes and checks
    them before it touches the history).

    An older file is migrated by the write, and its original kept under its version's name.
    Call it under `locked`: it also clears temporary files that a killed writer left behind.

    The backup changes only once the new file is durable, and never shares its inode with the
    live file: the previous file is linked under a temporary name, the new one replaces it,
    and only then does the link become the backup. A write that fails at any step leaves the
    progress file and its backup as they were.
    """
    ensure_writable(progress)
    data = progress.data
    if content is None:
        content = _encoded(progress.path, data)
    # A progress file that is a link (say, into a synced folder) stays a link: write its target.
    target = Path(os.path.realpath(progress.path))
    backup = backup_path(progress.path)
    try:
        _remove_stale_temporaries(progress.path)
        if target.parent != progress.path.parent:  # a link into another folder
            _remove_stale_temporaries(target)
        if progress.raw is None and os.path.lexists(backup):
            # A backup without its progress file: keep it from being replaced by the next one.
            set_aside(backup, label="earlier")
        if progress.raw is not None:
            read_version = progress.data.schema_version
            if read_version < SCHEMA_VERSION:
                write_atomic(_unused(original_path(progress.path, read_version)), progress.raw)
        new = _durable_temporary(target, content)
        previous = None
        try:
            if progress.raw is not None:
                previous = _hold_previous(target, backup)
            _replace(new, target)
        except BaseException:
            for name in (new, previous):
                if name is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(name)
            raise
        _fsync_dir(target.parent)
    except OSError as err:
        raise _write_error("progress file", progress.path, err) from None
    if progress.raw is not None:
        _keep_backup(previous, backup, progress.raw)
    progress.data = data.replace(schema_version=SCHEMA_VERSION)
    progress.exists = True
    progress.raw = content


def _encoded(path: Path, data: ProgressFile) -> bytes:
    """The progress file's bytes, refused when the reader would refuse them (past a limit):
    a file no command could read again."""
    too_many = progressfile.limit_problem(data.entries, data.notes)
    if too_many is not None:
        raise ProgressFileError(
            f"cannot change progress file {path}: {too_many}", "Nothing was changed"
        )
    content = progressfile.encode(data)
    if len(content) > progressfile.MAX_PROGRESS_BYTES:
        raise ProgressFileError(
            f"cannot change progress file {path}: it would be larger than "
            f"{regular.size_words(progressfile.MAX_PROGRESS_BYTES)}, more than llmcourse reads",
            "Nothing was changed",
        )
    return content


def _hold_previous(current: Path, backup: Path) -> str | None:
    """A second name, beside the backup, for the file about to be replaced; None where links
    cannot be made (another file system, some network and FAT drives).

    A hard link keeps the previous file without copying a byte; once the new file has replaced
    it, the link is the old file's only name.
    """
    held = backup.with_name(regular.temporary_name(backup))
    try:
        os.link(current, held)
    except OSError:
        return None
    return str(held)


def _keep_backup(held: str | None, backup: Path, content: bytes) -> None:
    """Make the previous file the backup, now that the new one is durable.

    The change is made by then, so a backup that cannot be kept leaves the older backup as it
    was rather than failing the command.
    """
    try:
        if held is not None:
            _replace(held, backup)
            _fsync_dir(backup.parent)
        else:
            write_atomic(backup, content)
    except OSError:
        if held is not None:
            with contextlib.suppress(OSError):
                os.unlink(held)


def original_path(path: Path, version: int) -> Path:
    """Where a file of an older schema is kept when a write migrates it."""
    return path.with_name(f"{path.stem}.v{version}{path.suffix}")


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _unused(path: Path) -> Path:
    """`path`, or, when something is there already, the same name with a timestamp."""
    if not path.exists():
        return path
    return path.with_name(f"{path.stem}.{timestamp()}{path.suffix}")


def set_aside(path: Path, like: Path | None = None, label: str = "set-aside") -> Path:
    """Move `path` out of the way under a timestamped name made from `like` (or `path`).

    `progress.toml` becomes `progress.broken-20261127T231500Z.toml`, and so on. A file already
    there is never replaced: the name then gets a counter.
    """
    like = like or path
    stamp = timestamp()
    for attempt in itertools.count(1):
        counter = f"-{attempt}" if attempt > 1 else ""
        aside = like.with_name(f"{like.stem}.{label}-{stamp}{counter}{like.suffix}")
        try:
            os.link(path, aside, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:  # no hard links here: check, then rename
            if os.path.lexists(aside):
                continue
            os.replace(path, aside)
        else:
            os.unlink(path)
        _fsync_dir(like.parent)
        return aside
    raise AssertionError("unreachable")


def keep_copy(path: Path, label: str) -> Path:
    """Keep `path` as it is now under a timestamped name, leaving it in place."""
    stamp = timestamp()
    for attempt in itertools.count(1):
        counter = f"-{attempt}" if attempt > 1 else ""
        copy = path.with_name(f"{path.stem}.{label}-{stamp}{counter}{path.suffix}")
        if os.path.lexists(copy):
            continue
        try:
            os.link(path, copy)
        except FileExistsError:
            continue
        except OSError:
            write_atomic(copy, path.read_bytes())
        _fsync_dir(path.parent)
        return copy
    raise AssertionError("unreachable")


# Only a temporary file named as llmcourse names its own (`regular.TEMPORARY`) is ever cleared,
# and only under the progress lock, when it has the same owner and its writer is gone: no
# process of its number runs on this machine, or (where that cannot be told: Windows) an hour
# has passed. A synced folder's file from another machine counts as its writer gone: the lock
# does not cross machines, so a folder shared that way is not supported while both write.
STALE_AFTER_SECONDS = 3600.0


def _remove_stale_temporaries(path: Path) -> None:
    for stale in stale_temporaries(path):
        with contextlib.suppress(OSError):
            stale.unlink()


def stale_temporaries(path: Path) -> list[Path]:
    """Temporary files that llmcourse made beside `path` and that a killed writer left behind
    (cleared by the next change)."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    import re

    ours = re.compile(regular.TEMPORARY)
    now = time.time()
    found: list[Path] = []
    for name in names:
        match = ours.fullmatch(name)
        if match is None:
            continue
        candidate = path.parent / name
        try:
            info = candidate.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_uid != _uid():
            continue
        if now - info.st_mtime > STALE_AFTER_SECONDS or not _running(int(match["pid"])):
            found.append(candidate)
    return sorted(found)


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else 0  # Windows reports 0 for every file


def _running(pid: int) -> bool:
    """Whether a process of this number runs on this machine (True where that cannot be told:
    then only age makes a temporary file stale)."""
    if sys.platform == "win32" or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's process, or a number no process has
        pass
    return True


def write_atomic(path: Path, content: bytes | Iterator[bytes]) -> None:
    """Replace `path` with `content` so that a crash leaves the old file or the new, never half."""
    temporary = _durable_temporary(path, content)
    try:
        _replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_dir(path.parent)


def _durable_temporary(path: Path, content: bytes | Iterator[bytes]) -> str:
    """A temporary file beside `path`, holding `content` (whole, or its pieces one after the
    other) on the disk, with `path`'s mode."""
    import tempfile  # with random, which it needs: only commands that write import them

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(
        prefix=regular.temporary_prefix(path), suffix=".tmp", dir=path.parent
    )
    try:
        with open(fd, "wb") as handle:
            _write_pieces(handle.write, content)
            handle.flush()
            _fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp_name, path.stat().st_mode & 0o777)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return temp_name


def _write_pieces(write: Callable[[bytes], object], content: bytes | Iterator[bytes]) -> None:
    if isinstance(content, bytes):
        write(content)
        return
    for piece in content:
        write(piece)


def _fsync(fd: int) -> None:
    """Flush a file to the disk itself.

    On macOS `fsync` only reaches the drive's cache; `F_FULLFSYNC` asks the drive to write it
    out. File systems that do not support it (some network ones) get a plain `fsync`.
    """
    if sys.platform == "darwin":
        import fcntl

        full_fsync = getattr(fcntl, "F_FULLFSYNC", None)
        if full_fsync is not None:
            try:
                fcntl.fcntl(fd, full_fsync)
                return
            except OSError:
                pass
    os.fsync(fd)


REPLACE_ATTEMPTS = 10
REPLACE_FIRST_WAIT = 0.01


def _replace(source: str, target: Path) -> None:
    """`os.replace`, retried briefly on Windows while another program has the target open.

    There an editor, a virus scanner, an indexer or a second llmcourse reading the file makes
    the rename fail with a sharing violation for a moment; about 1.5 s of retries rides it out.
    """
    wait = REPLACE_FIRST_WAIT
    for attempt in range(REPLACE_ATTEMPTS):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if sys.platform != "win32" or attempt == REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(wait)
            wait = min(wait * 2, 0.25)


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
