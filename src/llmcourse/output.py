"""The one emitter: what a command returns (and `--version`), the notes gathered on the way, and
every error a run meets become output here. (Typer writes its own `--help`.)

Data goes to standard output, notes and errors to standard error. Under `--json` a result is one
JSON document (`jsonout`); otherwise it is plain lines where the plain view has a way for it
(`lines`: no rich to import) and rich tables for the rest (`render`). Each view is imported only
by the runs that use it.
"""

import sys

from llmcourse.errors import LlmCourseError, OutputError
from llmcourse.text import columns, escape_controls, pattern, wrap


def emit(result: object, notices: list[str], as_json: bool) -> int:
    """Show a command's result after its notes; the exit code it calls for.

    Output that cannot be written (a full disk, a closed stdout) is one line on standard error
    that says whether the command's change was recorded all the same, and exit code 3.
    """
    _notices(notices)
    try:
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.document(result))
        else:
            from llmcourse import lines

            if lines.writes(result):
                out = lines.Lines()
                lines.write(result, out)
                out.send()
            else:
                from llmcourse import render

                render.write(result)
        sys.stdout.flush()  # a write that fails fails here, not as the process ends
    except OSError as err:
        if not unwritable(err):
            raise
        return write_failure(err, recorded=bool(getattr(result, "recorded", False)))
    code = getattr(result, "exit_code", 0)
    assert isinstance(code, int)
    return code


def failure(err: LlmCourseError, notices: list[str], as_json: bool) -> int:
    """A known failure: one line on standard error (and a JSON error if asked); its exit code."""
    _notices(notices)
    if as_json:
        from llmcourse import jsonout

        _json_beside_the_line(jsonout.error(err))
    say(f"error: {escape_controls(str(err))}\n")
    return err.exit_code


def usage_error(message: str, command: str, notices: list[str], as_json: bool) -> None:
    """A mistake in the command's words: one line, saying where to find how it goes."""
    _notices(notices)
    message = _in_words(escape_controls(message).rstrip("."))
    if message.startswith("No such command"):
        hint = "Run 'llmcourse help' for the commands"
    else:
        hint = f"Run '{command} --help' for usage"
    if as_json:
        from llmcourse import jsonout

        _json_beside_the_line(jsonout.usage_error(message, hint))
    stop = "" if message.endswith(("?", "!")) else "."  # "Did you mean 'open'?" ends itself
    say(f"error: {message}{stop} {hint}\n")


# What click says of a number it refuses, and what a learner reads instead.
_WHERE = r"(?P<where>Invalid value for '[^']*'(?: / '[^']*')*: )"
_NOT_A_NUMBER = pattern(_WHERE + r".* is not a valid (?P<kind>int|float)[a-z ]*$")
_OUT_OF_RANGE = pattern(_WHERE + r"(?P<value>\S+) is not in the range (?P<range>\S+)$")
_RANGE_BOUNDS = pattern(r"^(?:(?P<low>[-\d.]+)<=?)?x(?:(?P<op>[<>]=?)(?P<bound>[-\d.]+))?$")


def _in_words(message: str) -> str:
    """A usage error as people say it: not `0 is not in the range x>=1` but `give a whole
    number of 1 or more`."""
    if found := _NOT_A_NUMBER().match(message):
        said = "a whole number, such as 3" if found["kind"] == "int" else "a number, such as 2.5"
        return f"{found['where']}give {said}"
    found = _OUT_OF_RANGE().match(message)
    bounds = _RANGE_BOUNDS().match(found["range"]) if found else None
    if found is None or bounds is None:
        return message
    number = "a number" if "." in found["value"] else "a whole number"
    if bounds["low"] is not None and bounds["bound"] is not None:
        wanted = f"from {bounds['low']} to {bounds['bound']}"
    elif bounds["bound"] is not None:
        wanted = f"of {bounds['bound']} or {'more' if bounds['op'][0] == '>' else 'less'}"
    else:  # `1<=x`: click writes a lower bound alone as `x>=1`, but in case
        wanted = f"of {bounds['low']} or more"
    return f"{found['where']}give {number} {wanted}"


def finish(code: int, notices: list[str]) -> int:
    """A run that ended with an exit code of its own (help, version, an interrupt)."""
    _notices(notices)
    return code


def aborted(notices: list[str]) -> int:
    """The learner stopped the command at a prompt (end of input)."""
    _notices(notices)
    say("Aborted!\n")
    return 1


def write_failure(err: OSError, *, recorded: bool) -> int:
    """Standard output could not be written: one line saying so, and whether the command's
    change was recorded all the same; exit code 3. Nothing more is written to it."""
    import errno

    quiet_stdout()
    reason = "standard output is closed" if err.errno == errno.EBADF else err.strerror or err
    kept = "; your change was recorded" if recorded else ""
    return failure(OutputError(f"cannot write the output: {reason}{kept}"), [], as_json=False)


def unwritable(err: OSError) -> bool:
    """Whether `err` is standard output failing to take what was written to it.

    A reader that went away (`| head`) is not: that run ends quietly. The views read files only
    through modules that turn such errors into `LlmCourseError`s, and an error opening a file
    names it, so this is the errors of writing: a full disk, a closed stdout, a failing device.
    """
    import errno

    if isinstance(err, BrokenPipeError) or err.filename is not None:
        return False
    names = ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EBADF", "EAGAIN")
    if err.errno in {getattr(errno, name, None) for name in names}:
        return True
    try:  # any other error of the stream's own: a write that failed stays in its buffer
        sys.stdout.flush()
    except BrokenPipeError:
        return False
    except (OSError, ValueError):  # ValueError: a stream already closed
        return True
    return False


def quiet_stdout() -> None:
    """Let the process end without a second error from flushing output nobody can read."""
    _quiet(sys.stdout)


def _quiet(stream: object) -> None:
    """Point a standard stream's descriptor at the null device: what is left in its buffer is
    flushed there as the process ends, instead of failing again (which would change the exit
    code)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[attr-defined]
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's buffer)
        pass


def _json_beside_the_line(doc: dict[str, object]) -> None:
    """An error as JSON on standard output; if that cannot be written, the line on standard
    error that follows still says what went wrong, with the error's own exit code."""
    from llmcourse import jsonout

    try:
        jsonout.emit(doc)
        sys.stdout.flush()
    except OSError as err:
        if not unwritable(err):
            raise
        quiet_stdout()


def say(text: str, *, indent: int | None = 2) -> None:
    """Write to standard error, each line broken at spaces to fit its width, continuations
    `indent` cells in (None: as it is); a message that cannot be written (a full disk, a
    closed stream) is lost rather than turned into another error: the command's own output and
    exit code stand."""
    try:
        if indent is not None:
            text = wrap(text, columns(sys.stderr), indent)
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # AttributeError: no stream at all
        _quiet(sys.stderr)


def _notices(notices: list[str]) -> None:
    if notices:
        from llmcourse.lines import notice

        for message in notices:
            notice(message)
