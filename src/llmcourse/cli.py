"""The `llmcourse` app: its options, one-line usage errors, and its commands, registered.

The commands themselves are in `llmcourse.commands`, one module per kind, with what they
share in `commands.common`.
"""

import contextlib
import functools
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from llmcourse import __version__
from llmcourse.commands.common import _Settings
from llmcourse.text import escape_controls

# The course, its models and rich are imported inside the commands that use them, so that
# --version, --help and the JSON paths pay only for what they need.

# click's UsageError, whether Typer vendors click or uses it directly.
_UsageError: type[Exception] = next(
    kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "UsageError"
)


def _show_usage_error(err: Any, as_json: bool, file: object = None) -> None:
    command = err.ctx.command_path if err.ctx is not None else "llmcourse"
    message = escape_controls(err.format_message()).rstrip(".").replace("Value error, ", "")
    hint = f"Run '{command} --help' for usage"
    if as_json:
        from llmcourse import jsonout

        jsonout.emit({"error": {"code": "usage", "message": message, "hint": hint}})
    sys.stderr.write(f"error: {message}. {hint}\n")


@contextlib.contextmanager
def _one_line_usage_errors(words: Any) -> Iterator[None]:
    """Report a wrong option or a missing argument as one `error:` line, like every error.

    Under --json (among `words`, the arguments being parsed) it is also a JSON error object.
    """
    try:
        yield
    except _UsageError as err:
        if type(err).__name__ != "NoArgsIsHelpError":  # plain `llmcourse` shows its help
            as_json = "--json" in list(words or ())
            err.show = functools.partial(_show_usage_error, err, as_json)  # type: ignore[attr-defined]
        raise


class _Group(TyperGroup):
    def make_context(self, info_name: Any, args: Any, *rest: Any, **kwargs: Any) -> Any:
        with _one_line_usage_errors(args):
            return super().make_context(info_name, args, *rest, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        # The words left for the command: where a --json would be.
        words = [*getattr(ctx, "protected_args", ()), *ctx.args]
        with _one_line_usage_errors(words):
            return super().invoke(ctx)


app = typer.Typer(
    name="llmcourse",
    cls=_Group,
    help="Track your way through The LLM Course: browse its roadmaps, mark topics done, "
    "watch your progress grow.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"llmcourse {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    roadmaps: Annotated[
        str | None,
        typer.Option(
            "--roadmaps",
            metavar="FILE",
            envvar="LLMCOURSE_ROADMAPS",
            help="Use the course in this roadmap file instead of The LLM Course; progress on "
            "it is kept apart, by the file's course id. See docs/roadmaps.md.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Track your way through The LLM Course."""
    from pathlib import Path

    _Settings.roadmaps = Path(roadmaps).expanduser() if roadmaps else None


def main() -> None:
    """Console-script entry point."""
    # A reader that goes away (`llmcourse list | head -1`) is handled by click and rich:
    # no traceback, exit 1.
    app(prog_name="llmcourse")


# The commands live in llmcourse.commands, one module per kind, and are registered here, in
# the order `--help` lists them. (They use the helpers above, so this comes last.)
from llmcourse.commands import activity, browse, files, marking  # noqa: E402

for _name, _command in (
    ("list", browse.list_),
    ("show", browse.show),
    ("done", marking.done),
    ("start", marking.start),
    ("skip", marking.skip),
    ("reset", marking.reset),
    ("progress", activity.progress),
    ("undo", marking.undo),
    ("log", activity.log),
    ("note", marking.note),
    ("next", browse.next_),
    ("search", browse.search),
    ("open", browse.open_),
    ("doctor", files.doctor),
    ("validate", files.validate),
    ("export", files.export),
    ("import", files.import_),
):
    app.command(_name)(_command)
