"""Every failure the user can cause or meet, each with a stable code and exit code."""

from __future__ import annotations

EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3  # the command did its work, but its output could not be written


class LlmCourseError(Exception):
    """Base of the errors `cli` turns into a message and an exit code."""

    code = "error"
    exit_code = EXIT_DATA

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        stop = "" if self.message.endswith((".", "?", "!")) else "."  # never "way?." or "end.."
        return f"{self.message}{stop} {self.hint}"


class UnknownIdError(LlmCourseError):
    code = "unknown-id"
    exit_code = EXIT_USAGE


class AmbiguousIdError(LlmCourseError):
    code = "ambiguous-id"
    exit_code = EXIT_USAGE


class WrongKindError(LlmCourseError):
    code = "wrong-kind"
    exit_code = EXIT_USAGE


class ProgressFileError(LlmCourseError):
    code = "progress-file"


class LockBusyError(LlmCourseError):
    code = "lock-busy"


class RoadmapFileError(LlmCourseError):
    code = "roadmap-file"


class BadValueError(LlmCourseError):
    code = "bad-value"
    exit_code = EXIT_USAGE


class ImportFileError(LlmCourseError):
    code = "import-file"


class ConfigFileError(LlmCourseError):
    code = "config-file"


class SyncFolderError(LlmCourseError):
    code = "sync-folder"


class NotDoneError(LlmCourseError):
    """A review of a topic that is not done: only topics done have a review schedule."""

    code = "not-done"


class NotDueError(LlmCourseError):
    """A rating of a topic whose review is not due yet (without --early)."""

    code = "not-due"


class OutputError(LlmCourseError):
    """Standard output could not be written; whatever the command did is done."""

    code = "output"
    exit_code = EXIT_OUTPUT
