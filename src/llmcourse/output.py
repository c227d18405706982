"""The one emitter: what a command returns (and `--version`), the notes gathered on the way, and
every error a run meets become output here. (Typer writes its own `--help`.)

Data goes to standard output, notes and errors to standard error. Under `--json` a result is one
JSON document (`jsonout`); otherwise it is plain lines where the plain view has a way for it
(`lines`: no rich to import) and rich tables for the rest (`render`). Each view is imported only
by the runs that use it.
"""

import sys

from llmcourse.errors import LlmCourseError
from llmcourse.text import escape_controls


def emit(result: object, notices: list[str], as_json: bool) -> int:
    """Show a command's result after its notes; the exit code it calls for."""
    _notices(notices)
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.document(result))
    else:
        from llmcourse import lines

        if lines.writes(result):
            lines.write(result, lines.Lines())
        else:
            from llmcourse import render

            render.draw(result, render.console())
    code = getattr(result, "exit_code", 0)
    assert isinstance(code, int)
    return code


def failure(err: LlmCourseError, notices: list[str], as_json: bool) -> int:
    """A known failure: one line on standard error (and a JSON error if asked); its exit code."""
    _notices(notices)
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.error(err))
    sys.stderr.write(f"error: {escape_controls(str(err))}\n")
    return err.exit_code


def usage_error(message: str, command: str, notices: list[str], as_json: bool) -> None:
    """A mistake in the command's words: one line, saying where to find how it goes."""
    _notices(notices)
    message = escape_controls(message).rstrip(".").replace("Value error, ", "")
    hint = f"Run '{command} --help' for usage"
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.usage_error(message, hint))
    stop = "" if message.endswith(("?", "!")) else "."  # "Did you mean 'open'?" ends itself
    sys.stderr.write(f"error: {message}{stop} {hint}\n")


def finish(code: int, notices: list[str]) -> int:
    """A run that ended with an exit code of its own (help, version, an interrupt)."""
    _notices(notices)
    return code


def help_text(text: str, code: int, notices: list[str]) -> int:
    """How to use llmcourse, for a run that said nothing: on standard error, as a usage error."""
    _notices(notices)
    sys.stderr.write(text.rstrip("\n") + "\n")
    return code


def aborted(notices: list[str]) -> int:
    """The learner stopped the command at a prompt (end of input)."""
    _notices(notices)
    sys.stderr.write("Aborted!\n")
    return 1


def _notices(notices: list[str]) -> None:
    if notices:
        from llmcourse.lines import notice

        for message in notices:
            notice(message)
