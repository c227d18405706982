"""Files llmcourse did not make: only a regular file is read, and only up to a limit; and the
names of the temporary files it does make, so that it never takes another's for its own.

A path the learner or a folder gives may be a named pipe (reading it waits for a writer that
never comes), a device (`/dev/zero` never ends) or a file far larger than any real one. Each is
refused with an `OSError` whose `strerror` says what it is, so the callers' usual handling of
unreadable files names it in one line. Links are followed: a file linked into a synced folder
is read as any other.
"""

import errno
import os
import stat

MB = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularError(OSError):
    """The path is not a regular file: `kind` says what it is (a named pipe, a device, ...)."""

    def __init__(self, mode: int) -> None:
        self.kind = kind(mode)
        super().__init__(errno.EINVAL, f"it is {self.kind}, not a file")


class TooLargeError(OSError):
    """The file is larger than `limit`, more than any file of its kind that llmcourse writes."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            errno.EFBIG, f"it is larger than {size_words(limit)}, more than any such file"
        )


def refused(err: OSError) -> bool:
    """Whether `err` says the path is not a file to use (a pipe, a folder, a link that loops, or
    too large), rather than that it could not be reached (permissions, a full disk)."""
    return isinstance(err, (NotRegularError, TooLargeError)) or err.errno in (
        errno.ELOOP,
        errno.EISDIR,
    )


MOVE_IT = "Move it out of the way"  # the hint for a refused file


def kind(mode: int) -> str:
    """What a file of this mode is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def size_words(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{limit} bytes"


def open_regular(path: "os.PathLike[str] | str", limit: int, *, pipes: bool = False) -> int:
    """A descriptor open for reading on `path`, checked to be a regular file within `limit`
    (or, with `pipes`, a pipe, read up to `limit`: `import <(ssh laptop llmcourse export)`).

    The open does not block (a named pipe opens at once, then is refused by what `fstat` says
    of the open file itself, so nothing can swap the file between the check and the read).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd)
        if pipes and stat.S_ISFIFO(mode.st_mode):
            if hasattr(os, "set_blocking"):  # POSIX, where the open did not block
                os.set_blocking(fd, True)  # the learner chose to wait for what comes through
            return fd
        if not stat.S_ISREG(mode.st_mode):
            raise NotRegularError(mode.st_mode)
        if mode.st_size > limit:
            raise TooLargeError(limit)
    except BaseException:
        os.close(fd)
        raise
    return fd


def checked(fd: int) -> int:
    """`fd`, when it is open on a regular file; else it is closed and refused. (For a file
    opened without blocking, to be read or written, so that a pipe never stops a command.)"""
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularError(mode)
    return fd


def read(path: "os.PathLike[str] | str", limit: int, *, pipes: bool = False) -> bytes:
    """The bytes of the regular file at `path` (or, with `pipes`, of a pipe), refused when it
    is anything else or larger than `limit` (even if it grows while it is read)."""
    fd = open_regular(path, limit, pipes=pipes)
    try:
        chunks: list[bytes] = []
        left = limit + 1
        # A regular file is read in one piece of its size (and one byte more, to see it grow),
        # which is then the result, uncopied: a 5 MB roadmap file took 6.5 ms in 4 MB pieces
        # joined and 3.1 in one. A pipe's size is 0: it is read a piece at a time.
        size = os.fstat(fd).st_size
        while left > 0:
            chunk = os.read(fd, min(left, size + 1 if size and not chunks else 4 * MB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    if left <= 0:
        raise TooLargeError(limit)
    return b"".join(chunks)


# Every temporary file llmcourse makes is named `.<name>.llmcourse-<pid>-<random>.tmp`, beside
# the file it becomes: the marker and the writer's process tell it apart from anyone else's.
# (A pattern, compiled by the one command that looks for them: a change, or doctor.)
TEMPORARY = r"\.(?P<name>.+)\.llmcourse-(?P<pid>\d+)-[^./\\]*\.tmp"


def temporary_prefix(path: "os.PathLike[str] | str") -> str:
    """How this process's temporary files for `path` are named, up to a random part and
    `.tmp` (as `tempfile.mkstemp` takes a prefix)."""
    return f".{os.path.basename(path)}.llmcourse-{os.getpid()}-"


def temporary_name(path: "os.PathLike[str] | str") -> str:
    """A name for a temporary file of this process, for `path`."""
    return f"{temporary_prefix(path)}{os.urandom(4).hex()}.tmp"
