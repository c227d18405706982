"""The `llmcourse` app: its group, its options, and its commands, registered.

The group is the one place where a command's result becomes output and every error becomes a
message and an exit code (through `output`). It runs Typer with `standalone_mode=False`, Typer's
documented way to let the caller handle what a command returns and raises, so no command prints
or catches an error itself. The commands are in `llmcourse.commands`, one module per kind.
"""

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.formatting import HelpFormatter as ClickHelpFormatter  # Typer's own click
from typer.core import TyperCommand, TyperGroup

from llmcourse import __version__, output
from llmcourse.commands.options import GroupJsonOption
from llmcourse.errors import LlmCourseError
from llmcourse.results import Version
from llmcourse.session import Session
from llmcourse.text import PROSE, columns, pattern, visible_width, wrap

# Help is prose: as wide as the terminal, up to a measure that still reads well; never so
# narrow that a word of it cannot fit. A pipe or a file gets the common terminal's width.
HELP_NARROWEST = 30
HELP_IN_A_PIPE = 80


# A definition list (options, commands) whose descriptions would get fewer columns than this
# beside their terms puts each description under its term instead.
NARROWEST_DESCRIPTION = 24


def help_width(stream: object) -> int:
    """How wide to format help written to `stream`: `COLUMNS`, else its terminal's width."""
    return max(HELP_NARROWEST, min(columns(stream) or HELP_IN_A_PIPE, PROSE))


# Words learners type for a command by another name, which spelling alone would not find.
MEANT = {
    "status": "progress",
    "stats": "progress",
    "summary": "progress",
    "ls": "list",
    "view": "show",
    "info": "show",
    "find": "search",
    "grep": "search",
    "history": "log",
    "begin": "start",
    "finish": "done",
    "complete": "done",
    "todo": "next",
    "check": "doctor",
    "links": "check-links",
}


class HelpFormatter(ClickHelpFormatter):
    """click's layout of help, but words are never split (click cuts a long word, and breaks
    at hyphens: `my-` / `course.toml`), no line ends in spaces, and on a narrow terminal each
    option's description goes under it rather than into a sliver beside it."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        lines = _paragraphs(text, self.width - self.current_indent)
        self.write("\n".join(indent + line if line else "" for line in lines) + "\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        if not rows:
            return
        first_col = min(max(visible_width(term) for term, _ in rows), col_max) + col_spacing
        beside = self.width - self.current_indent - first_col >= NARROWEST_DESCRIPTION
        under = first_col if beside else 4  # where a description's lines start
        for term, description in rows:
            self.write(" " * self.current_indent + term)
            lines = _paragraphs(description, self.width - self.current_indent - under)
            if not lines:
                self.write("\n")
                continue
            if beside and visible_width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - visible_width(term)) + lines.pop(0))
            self.write("\n")
            for line in lines:
                self.write(" " * (self.current_indent + under) + line + "\n" if line else "\n")

    def getvalue(self) -> str:
        return "\n".join(line.rstrip(" ") for line in super().getvalue().split("\n"))


def _paragraphs(text: str, width: int) -> list[str]:
    """The paragraphs of `text` (apart at blank lines) each wrapped to `width`, a blank line
    between them."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        # Lines joined as click joins them, keeping the two spaces before `[required]`.
        words = " ".join(line.strip() for line in paragraph.splitlines() if line.strip())
        if not words:
            continue
        # An example is a command to copy: a line of its own, under its label where it would
        # not fit beside it (and broken at spaces only where it is longer than a line).
        prose, _, example = words.partition("Example: ")
        shown = wrap(prose.strip(), width, indent=0).split("\n") if prose.strip() else []
        if example:
            beside = f"Example: {example}"
            under = wrap(f"  {example}", width, indent=4).split("\n")
            shown += [beside] if visible_width(beside) <= width else ["Example:", *under]
        lines += ([""] if lines else []) + shown
    return lines


class HelpContext(typer.Context):
    formatter_class = HelpFormatter


class Command(TyperCommand):
    """An llmcourse command: its help is laid out to fit the terminal."""

    context_class = HelpContext

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, whole, whatever `limit` says: click would cut it
        with `...` to fit a line, where `--help` wraps it (and the docs have room for it)."""
        return super().get_short_help_str(limit=1_000)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """`[OPTIONS] ID...`, as click writes usage, not Typer's `{ID}...`."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """Arguments and options by what is typed (`ID...`, `--since DATE`), not by Python
        types (`ID <list[str]>`, `--since <str>`), and limits in words, not as `x>=1`."""
        args: list[tuple[str, str]] = []
        opts: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            term, text = record
            if param.param_type_name == "argument":
                args.append((_argument_name(param), _without_ranges(text)))
            else:
                opts.append((_TYPE_LABEL().sub(_option_value(param), term), _without_ranges(text)))
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


# Typer's label of a parameter's Python type in help, such as ` <list[str]>` or ` <int range>`.
_TYPE_LABEL = pattern(r" <[^<>]*>(\.\.\.)?")
# A number's range as click words it, such as `x>=1` or `0<=x<=10`.
_RANGE = pattern(r"^[\d.]*(<=?)?x([<>]=?[\d.]+)?$")


def _option_value(param: Any) -> Any:
    """What an option takes, in its help: its metavariable, else its choices as click shows
    them (`[json|markdown|csv]`), else its name in capitals."""

    def value(match: re.Match[str]) -> str:
        label = match.group()[2:].split(">")[0]
        if param.metavar:
            return f" {param.metavar}"
        if "|" in label and "[" not in label:
            return f" [{label}]"
        return f" {str(param.name).upper()}"

    return value


def _argument_name(param: Any) -> str:
    name = str(param.metavar or param.name or "").upper()
    return name + "..." if param.nargs != 1 else name


def _without_ranges(text: str) -> str:
    """Help text without click's `x>=1` in its bracketed notes (the help says it in words)."""

    def notes(match: re.Match[str]) -> str:
        kept = [note for note in match.group(1).split("; ") if not _RANGE().match(note)]
        return f"[{'; '.join(kept)}]" if kept else ""

    return re.sub(r"\[([^\[\]]*)\]$", notes, text).rstrip()


class Group(TyperGroup):
    """The llmcourse command group: it runs a command and shows what comes of it."""

    context_class = HelpContext

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command the first word names; a word that names none, but means one (`status`
        for `progress`), is refused with the command it means."""
        name = args[0] if args else ""
        meant = MEANT.get(name.lower())
        if meant is not None and self.get_command(ctx, name) is None:
            ctx.fail(f"No such command '{name}'. Did you mean '{meant}'?")
        return super().resolve_command(ctx, args)

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        # Help fits the terminal it goes to. A command's context inherits the width. (Left to
        # itself, click formats help at least 50 columns wide, whatever the terminal.)
        extra.setdefault("terminal_width", help_width(sys.stdout))
        return super().make_context(info_name, args, parent, **extra)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        # A caller may hand in the session (a test, with a clock of its own); else a new one.
        given = extra.pop("obj", None)
        session = given if isinstance(given, Session) else Session()
        _usable_local_time(session)
        words = list(sys.argv[1:] if args is None else args)
        extra |= {"prog_name": prog_name, "complete_var": complete_var}
        extra["windows_expand_args"] = windows_expand_args
        try:
            code = self._run(session, words, args, extra)
        except BrokenPipeError:  # the reader went away (`llmcourse list | head -1`)
            output.quiet_stdout()
            code = 1
        except OSError as err:  # Typer's own --help written to a full disk or a closed stdout
            if not output.unwritable(err):
                raise
            code = output.write_failure(err, recorded=False)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(
        self, session: Session, words: list[str], args: Sequence[str] | None, extra: dict[str, Any]
    ) -> int:
        """Run the command the words name, and show its result or its error; the exit code.

        A result is shown in JSON when the command read its `--json`; a mistake in the words
        found before that, when they hold `--json` for a command that takes it.
        """
        notices = session.notices
        try:
            result = super().main(args, standalone_mode=False, obj=session, **extra)
            if isinstance(result, int) and session.group_result is not None:  # --version
                return output.emit(session.group_result, notices, self._json_in(words))
            if isinstance(result, int):  # --help, an interrupt: its own exit code
                return output.finish(result, notices)
            return output.emit(result, notices, bool(session.wants_json))
        except typer.TyperException as err:  # a mistake in the words: usage errors and the like
            context = getattr(err, "ctx", None)
            command = context.command_path if context is not None else "llmcourse"
            as_json = session.wants_json
            if as_json is None:
                as_json = self._json_in(words)
            output.usage_error(err.format_message(), command, notices, as_json)
            return err.exit_code
        except LlmCourseError as err:  # raised by a command, or by its view reading a file
            return output.failure(err, notices, bool(session.wants_json))
        except typer.Abort:
            return output.aborted(notices)

    def _json_in(self, words: list[str]) -> bool:
        """Whether the words ask a command that takes `--json` for it (before any `--`)."""
        rest = list(words)
        while rest and rest[0].startswith("-"):  # the group's own options come first
            option = rest.pop(0)
            if option == "--json":
                return True  # the group's own, for --version and for the command that follows
            if option == "--roadmaps" and rest:
                rest.pop(0)  # its value
            elif option.split("=", 1)[0] not in ("--roadmaps", "--version", "-h", "--help"):
                return False  # not an option of the group: no command was reached
        command = self.commands.get(rest[0]) if rest else None
        after = rest[1 : rest.index("--")] if "--" in rest else rest[1:]
        return command is not None and _takes_json(command) and "--json" in after


def _usable_local_time(session: Session) -> None:
    """Work in UTC when the learner's clock is a day or more from it, and say so.

    The C library takes such a zone (`TZ=UTC+24`, or a daylight saving time past 24 hours),
    but a Python time's offset must be under a day, so every local time and date of the run
    (the log, streaks, the calendar, an export's dates) would fail. Setting the zone here, once,
    covers all of them.
    """
    import time

    if not hasattr(time, "tzset"):  # Windows: its zones are all well within a day
        return
    day = 24 * 60 * 60
    if max(abs(time.timezone), abs(time.altzone), abs(time.localtime().tm_gmtoff)) < day:
        return
    zone = os.environ.get("TZ", "")
    os.environ["TZ"] = "UTC"
    time.tzset()
    session.note(
        f"the time zone TZ={zone!r} is a day or more from UTC, which llmcourse cannot use; "
        "times and days are shown in UTC"
    )


_app = typer.Typer(
    name="llmcourse",
    cls=Group,
    help="Track your way through The LLM Course: browse its roadmaps, mark topics done, "
    "watch your progress grow.",
    invoke_without_command=True,  # alone, llmcourse shows where you stand (see `_main`)
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(ctx: typer.Context, value: bool) -> None:
    """Eager, as --help is: the version is found before any other option is read, and the
    group shows it (as JSON after --json)."""
    if value:
        from llmcourse import catalog

        ctx.ensure_object(Session).group_result = Version(
            __version__, catalog.load_bundled().course
        )
        raise typer.Exit()


@_app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print llmcourse's version and the version of the course it carries.",
        ),
    ] = False,
    roadmaps: Annotated[
        str | None,
        typer.Option(
            "--roadmaps",
            metavar="FILE",
            envvar="LLMCOURSE_ROADMAPS",
            help="Use the course in this roadmap file instead of The LLM Course; progress on "
            "it is kept apart, by the file's course id. Its format: llmcourse help roadmaps.",
            show_default=False,
        ),
    ] = None,
    as_json: GroupJsonOption = False,
) -> object:
    """Track your way through The LLM Course."""
    ctx.ensure_object(Session).roadmaps = Path(roadmaps).expanduser() if roadmaps else None
    name = ctx.invoked_subcommand
    if name is None:  # `llmcourse` alone: the first screen, as the group's own result
        from llmcourse.commands.activity import dashboard

        return dashboard(ctx)
    group = ctx.command
    command = group.get_command(ctx, name) if name and isinstance(group, TyperGroup) else None
    if as_json and command is not None and not _takes_json(command):
        ctx.fail(f"'{name}' has no JSON output: leave out --json")
    return None  # the command that follows makes the result


def _takes_json(command: Any) -> bool:
    """Whether a command has a `--json` option (a click command: its parameters' `opts`)."""
    return any("--json" in getattr(param, "opts", ()) for param in command.params)


def main() -> None:
    """Console-script entry point."""
    import os

    if "_LLMCOURSE_COMPLETE" in os.environ:  # completion asks about every command
        application()(prog_name="llmcourse")
    else:
        application(needed(sys.argv[1:]))(prog_name="llmcourse")


# The commands, in the order `--help` lists them: each one's name, the module of
# `llmcourse.commands` that holds it, and its function there. (The command modules never import
# this one, which Typer's docs command loads as a module of its own.)
COMMANDS = (
    ("list", "browse", "list_"),
    ("show", "browse", "show"),
    ("notebooks", "browse", "notebooks"),
    ("done", "marking", "done"),
    ("start", "marking", "start"),
    ("skip", "marking", "skip"),
    ("reset", "marking", "reset"),
    ("progress", "activity", "progress"),
    ("undo", "marking", "undo"),
    ("redo", "marking", "redo"),
    ("log", "activity", "log"),
    ("note", "marking", "note"),
    ("next", "browse", "next_"),
    ("review", "recall", "review"),
    ("search", "browse", "search"),
    ("open", "browse", "open_"),
    ("doctor", "files", "doctor"),
    ("validate", "files", "validate"),
    ("check-links", "links", "check_links"),
    ("export", "files", "export"),
    ("import", "files", "import_"),
    ("sync", "files", "sync"),
    ("help", "about", "help_"),
)
NAMES = tuple(name for name, _, _ in COMMANDS)
_registered: dict[str, Any] = {}  # name: its Typer CommandInfo, once its module is imported


def application(names: Sequence[str] = NAMES) -> typer.Typer:
    """The app with these commands registered, in the order of `COMMANDS`.

    Typer makes a click command of every registered command on every run, and each costs about
    1% of a short command's start-up (in instructions, measured), its module's import more: a
    run registers, and imports, only the one it runs. With every command, the app also writes
    llmcourse's own completion scripts for --install-completion and --show-completion.
    """
    import importlib

    for name, module, function in COMMANDS:
        if name in names and name not in _registered:
            callback = getattr(importlib.import_module(f"llmcourse.commands.{module}"), function)
            _app.command(name, cls=Command)(callback)
            _registered[name] = _app.registered_commands.pop()
    _app.registered_commands = [_registered[name] for name in NAMES if name in names]
    if set(names) >= set(NAMES):
        from llmcourse import completion

        completion.take_over_scripts()
    return _app


def __getattr__(name: str) -> typer.Typer:
    """`app`: the app with every command, as tests and Typer's docs command load it."""
    if name == "app":
        return application()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*globals(), "app"]  # where Typer's docs command looks for an app


# The group's own options before the command, and what needs every command: help and
# completion (`help` lists them, `--help` too).
_GROUP_VALUE_OPTIONS = ("--roadmaps",)
_EVERY_COMMAND = ("-h", "--help", "--install-completion", "--show-completion")


def needed(words: list[str]) -> Sequence[str]:
    """The commands a run with these words needs: the one it names, none for `llmcourse`
    alone or `--version`, all of them where in doubt (help, a word that names no command)."""
    taking_value = False
    for word in words:
        if taking_value:
            taking_value = False
        elif word in _GROUP_VALUE_OPTIONS:
            taking_value = True
        elif word in _EVERY_COMMAND or word == "--":
            return NAMES
        elif not word.startswith("-"):
            return (word,) if word in NAMES and word != "help" else NAMES
    return ()
