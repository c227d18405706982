"""The `llmcourse` command: parse arguments, call the domain, hand results to a renderer."""

import contextlib
import functools
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from llmcourse import __version__
from llmcourse.errors import LlmCourseError
from llmcourse.text import escape_controls

if TYPE_CHECKING:  # only for helpers' annotations, which Typer never reads
    from pathlib import Path

    from llmcourse.catalog import Catalog
    from llmcourse.course import Status
    from llmcourse.store import Progress
    from llmcourse.tracker import CourseSummary, Momentum

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


def _completion_course(ctx: typer.Context) -> "Catalog | None":
    """The course a command being completed works on, or None when it cannot be loaded."""
    from pathlib import Path

    from llmcourse import catalog

    # The group's callback does not run while completing: read its option from the context.
    roadmaps = ctx.find_root().params.get("roadmaps")
    try:
        if roadmaps:
            return catalog.load_file(Path(roadmaps).expanduser())
        return catalog.load_bundled()
    except LlmCourseError:
        return None


def _complete_id(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Ids that go on from what is typed, one path level at a time, with their titles."""
    course = _completion_course(ctx)
    if course is None:
        return []
    return [(value, _help_text(title)) for value, title in course.complete(incomplete)]


def _complete_roadmap(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    course = _completion_course(ctx)
    if course is None:
        return []
    wanted = incomplete.lower()
    return [(r.id, _help_text(r.title)) for r in course.roadmaps if r.id.startswith(wanted)]


def _help_text(title: str) -> str:
    """A title as completion help: Typer shows it through rich markup, so brackets are escaped
    (as rich's own `escape` would, without importing rich for every Tab)."""
    return escape_controls(title).replace("\\", "\\\\").replace("[", "\\[")


class StatusChoice(StrEnum):
    not_started = "not-started"
    in_progress = "in-progress"
    done = "done"
    skipped = "skipped"


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]
RoadmapArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="ROADMAP",
        autocompletion=_complete_roadmap,
        help="A roadmap id (fundamentals, scientist, engineer); all when left out.",
        show_default=False,
    ),
]


def fail(err: LlmCourseError, as_json: bool) -> NoReturn:
    """The one way out for a known failure: a line on stderr, JSON if asked, the exit code."""
    if as_json:
        from llmcourse import jsonout

        jsonout.error(err)
    sys.stderr.write(f"error: {escape_controls(str(err))}\n")
    raise typer.Exit(err.exit_code)


@contextlib.contextmanager
def handled(as_json: bool) -> Iterator[None]:
    try:
        yield
    except LlmCourseError as err:
        fail(err, as_json)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"llmcourse {__version__}\n")
        raise typer.Exit()


class _Settings:
    """What the options before the command chose, for this run."""

    roadmaps: "Path | None" = None


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


def _course() -> "Catalog":
    """The course this run works on: the bundled one, or the roadmap file chosen."""
    from llmcourse import catalog

    if _Settings.roadmaps is not None:
        return catalog.load_file(_Settings.roadmaps)
    return catalog.load_bundled()


def _note(message: str) -> None:
    sys.stderr.write(f"note: {escape_controls(message)}\n")


def _kept(paths: "list[Path]") -> None:
    for path in paths:
        _note(f"history lines that your progress file does not hold were kept in {path}")


def _progress(
    catalog: "Catalog", path: "Path | None" = None, *, reading: bool = True
) -> "Progress":
    """The learner's progress, with entries under former ids carried over to today's ids."""
    from llmcourse import store, tracker

    progress = store.load(path or store.progress_path(catalog.course.id), catalog.course.id)
    progress.data, _ = tracker.carry_over(catalog, progress.data)
    if progress.read_only and reading:
        _note(f"{progress.read_only}. Upgrade llmcourse to change it")
    if not progress.exists and store.backup_path(progress.path).exists():
        _note(
            f"{progress.path} does not exist, but its backup does; "
            "'llmcourse doctor --fix' restores it"
        )
    return progress


def _summarized(roadmap: str | None) -> "tuple[Catalog, Progress, CourseSummary]":
    """The course, the learner's progress, and its counts (for one roadmap, if named)."""
    from llmcourse import tracker

    catalog = _course()
    only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
    progress = _progress(catalog)
    return catalog, progress, tracker.summarize(catalog, progress.data, only)


@app.command("list")
def list_(
    roadmap: RoadmapArgument = None,
    topics: Annotated[
        bool, typer.Option("--topics", "-t", help="Add every topic with its status.")
    ] = False,
    status: Annotated[
        StatusChoice | None,
        typer.Option(
            "--status", "-s", help="Add only the topics with this status.", show_default=False
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the roadmaps and their sections, with how much of each is done.

    Example: llmcourse list scientist --topics
    """
    with handled(as_json):
        catalog, progress, summary = _summarized(roadmap)
        topics_shown: bool | str = status.value if status is not None else topics
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.listing(catalog, progress.data, summary, topics_shown))
            return
        from llmcourse import render

        render.listing(render.console(), catalog, progress.data, summary, topics_shown)


@app.command()
def show(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="A roadmap, section, topic or reference: a full id (scientist/architecture), "
            "its tail (architecture) or its number (scientist/1, scientist/1/2).",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a roadmap, a section (summary, topics, references), a topic or a reference.

    Example: llmcourse show scientist/1
    """

    with handled(as_json):
        catalog = _course()
        node = catalog.resolve(id_)
        progress = _progress(catalog)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.show(catalog, progress.data, node))
            return
        from llmcourse import render

        render.show(render.console(), catalog, progress.data, node)


IdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID",
        autocompletion=_complete_id,
        help="Topics or references; a section or roadmap stands for all its topics.",
    ),
]


def _mark(
    ids: list[str], status: "Status", command: str, as_json: bool, undo: bool = False
) -> None:
    """Set the status of what the ids name, as one change, and say what changed."""
    from llmcourse import store, tracker

    with handled(as_json):
        catalog = _course()
        nodes = [catalog.resolve(raw) for raw in ids]
        path = store.progress_path(catalog.course.id)
        now = _now()
        with store.locked(path):
            progress = _progress(catalog, path, reading=False)
            updated, result = tracker.mark(catalog, progress.data, nodes, status, now)
            if result.changed:
                revision = progress.data.revision + 1
                progress.data = updated
                _kept(
                    store.commit(progress, tracker.events(result.changed, revision, now, command))
                )
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.marked(result, progress.path))
            return
        from llmcourse import lines

        lines.marked(lines.Lines(), result, undo=undo)


@app.command()
def done(
    ids: IdsArgument,
    undo: Annotated[
        bool, typer.Option("--undo", help="Set them back to not started instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Mark topics or references done (or, with --undo, not started).

    Example: llmcourse done scientist/1/2 tokenization
    """
    _mark(ids, "not-started" if undo else "done", "done --undo" if undo else "done", as_json, undo)


@app.command()
def start(ids: IdsArgument, as_json: JsonOption = False) -> None:
    """Mark topics or references as in progress: what you are studying now.

    Example: llmcourse start scientist/1/3
    """
    _mark(ids, "in-progress", "start", as_json)


@app.command()
def skip(ids: IdsArgument, as_json: JsonOption = False) -> None:
    """Skip topics or references: they leave the totals, so progress shows what you chose.

    Example: llmcourse skip fundamentals/mathematics
    """
    _mark(ids, "skipped", "skip", as_json)


@app.command()
def reset(ids: IdsArgument, as_json: JsonOption = False) -> None:
    """Set topics or references back to not started, whatever they were.

    Example: llmcourse reset scientist/quantization
    """
    _mark(ids, "not-started", "reset", as_json)


@app.command()
def progress(
    roadmap: RoadmapArgument = None,
    activity: Annotated[
        bool,
        typer.Option(
            "--activity", help="End with the last 12 weeks as a calendar (as log --chart)."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show your progress: overall, per roadmap and per section, your streak, and where it is kept.

    Example: llmcourse progress scientist
    """
    with handled(as_json):
        catalog, current, summary = _summarized(roadmap)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.progress_report(catalog, current.data, summary, current.path))
            return
        from llmcourse import render

        render.progress_report(
            render.console(),
            summary,
            current.path,
            current.exists,
            going := _momentum(current) if current.data.history_size else None,
            catalog,
        )
        if activity:
            render.activity(
                render.console(), going.days if going else {}, _now().astimezone().date()
            )


def _momentum(progress: "Progress") -> "Momentum":
    """Streaks and recent work from the history, by the learner's own calendar."""
    from llmcourse import history, tracker

    found = history.read(progress.history_path, progress.data.history_size, progress.data.revision)
    today = _now().astimezone().date()
    return tracker.momentum(found.events, today, progress=progress.data)


@app.command()
def undo(
    count: Annotated[
        int,
        typer.Argument(metavar="N", min=1, help="How many changes to revert (default 1)."),
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Revert your last N changes; one command's change (a whole section, say) counts as one.

    Each undo is itself recorded in the history; running undo again goes one change further
    back. Example: llmcourse undo
    """
    from llmcourse import history, store, tracker
    from llmcourse.errors import ProgressFileError

    with handled(as_json):
        catalog = _course()
        path = store.progress_path(catalog.course.id)
        now = _now()
        with store.locked(path):
            progress = _progress(catalog, path, reading=False)
            store.ensure_writable(progress)
            found = history.read(
                progress.history_path, progress.data.history_size, progress.data.revision
            )
            if found.mismatch or found.problems:
                line, reason = found.problems[0] if found.problems else (0, "")
                raise ProgressFileError(
                    f"history file {found.path} does not match the progress file: one of them "
                    "was restored or copied without the other"
                    if found.mismatch
                    else f"history file {found.path}, line {line}: {reason}",
                    "Run 'llmcourse doctor' to see what is wrong; nothing was changed",
                )
            updated, result = tracker.undo(catalog, progress.data, found.events, count, now)
            if result.reverted:
                revision = progress.data.revision + 1
                progress.data = updated
                _kept(store.commit(progress, tracker.undo_events(result, revision, now)))
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.undone(result, count, progress.path))
            return
        from llmcourse import lines

        lines.undone(lines.Lines(), result, count)


def _when(raw: str | None, option: str, *, end: bool = False) -> datetime | None:
    """A date or time a user typed: 2026-11-27, 2026-11-27T18:00, today, yesterday, 7d, 2w."""
    if raw is None:
        return None
    from llmcourse.errors import BadValueError

    try:
        return _parse_when(raw.strip().lower(), end)
    except (ValueError, OverflowError):
        raise BadValueError(
            f"{option} '{raw}' is not a date or time llmcourse can use",
            "Use a date such as 2026-11-27, a time such as 2026-11-27T18:00, "
            "today, yesterday, or a span such as 7d or 2w",
        ) from None


def _parse_when(text: str, end: bool) -> datetime:
    from datetime import timedelta

    today = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    days = {"today": 0, "yesterday": 1}
    if text in days:
        start = today - timedelta(days=days[text])
        return start + timedelta(days=1) if end else start
    if text[:-1].isdigit() and text[-1:] in ("d", "w"):
        return _now() - timedelta(days=int(text[:-1]) * (7 if text[-1] == "w" else 1))
    moment = datetime.fromisoformat(text.upper() if "t" in text else text)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the learner's own clock
    if end and len(text) == 10:  # a whole day: up to its end
        moment += timedelta(days=1)
    # Compared with event times, which are UTC: a moment that cannot be one is no date.
    moment.astimezone(UTC)
    return moment


@app.command()
def log(
    id_: Annotated[
        str | None,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="Only changes to this roadmap, section, topic or reference (and below it).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Only changes from this date or time on (2026-11-01, 7d, today)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only changes up to this date (inclusive) or time.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, help="Show at most this many; 0 for all.")
    ] = 20,
    chart: Annotated[
        bool,
        typer.Option(
            "--chart", help="Draw the last 12 weeks as a calendar, a cell a day, instead."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List your history of changes, newest first (or, with --chart, as a calendar).

    Example: llmcourse log scientist --since 7d
    """
    from llmcourse import history, tracker

    with handled(as_json):
        catalog = _course()
        start, stop = _when(since, "--since"), _when(until, "--until", end=True)
        progress = _progress(catalog)
        found = history.read(
            progress.history_path, progress.data.history_size, progress.data.revision
        )
        if found.mismatch:
            _note(
                f"history file {found.path} does not match the progress file, so it may not "
                "tell what your progress holds. Run 'llmcourse doctor'"
            )
        prefix = tracker.history_prefix(catalog, id_, found.events) if id_ is not None else None
        if found.problems and not found.mismatch:
            line, reason = found.problems[0]
            more = len(found.problems) - 1
            _note(
                f"history file {found.path}, line {line}: {reason}"
                + (f" (and {more} more)" if more else "")
                + "; those lines are left out. Run 'llmcourse doctor'"
            )
        page = tracker.history_page(catalog, found.events, prefix, start, stop, limit)
        if chart and not as_json:
            from llmcourse import render

            today = _now().astimezone().date()
            everything = tracker.history_page(catalog, found.events, prefix, start, stop, 0)
            days = tracker.momentum(everything.events, today).days
            render.activity(render.console(), days, today)
            return
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.log(catalog, page, progress.history_path))
            return
        from llmcourse import render

        render.log(render.console(), catalog, page)


@app.command()
def doctor(
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Set a bad progress file (or history) aside under a timestamped name and "
            "restore the backup, or start afresh when there is none.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check your progress file, its history and backup; say what is wrong and where.

    Exits 1 while a problem remains. Example: llmcourse doctor --fix
    """
    from llmcourse import doctor as checks
    from llmcourse import store

    with handled(as_json):
        catalog = _course()
        path = store.progress_path(catalog.course.id)
        if fix:
            with store.locked(path):
                report = checks.fix(catalog, path)
        else:
            report = checks.examine(catalog, path)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.doctor(report))
        else:
            from llmcourse import render

            render.doctor(render.console(), report, fix)
        if report.problems:
            raise typer.Exit(1)


@app.command()
def validate(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The roadmap file to check.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Check a roadmap file of your own and report every problem, with where it is.

    Exits 1 when there is any. The format is described in docs/roadmaps.md.
    Example: llmcourse validate my-course.toml
    """
    from pathlib import Path

    from llmcourse import catalog
    from llmcourse.errors import RoadmapFileError

    with handled(as_json):
        path = Path(file).expanduser()
        try:
            content = path.read_bytes()
        except OSError as err:
            raise RoadmapFileError(
                f"cannot read roadmap file {path}: {err.strerror or err}",
                "Check the path and its permissions",
            ) from None
        course, found = catalog.problems(content)
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.validated(path, course, found))
    else:
        from llmcourse import lines

        lines.validated(lines.Lines(), path, course, found)
    if found:
        raise typer.Exit(1)


class ExportFormat(StrEnum):
    json = "json"
    markdown = "markdown"
    csv = "csv"


@app.command()
def export(
    format_: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json: everything (progress, unknown keys, history), for 'llmcourse import'; "
            "markdown: the course as a checklist; csv: a row per topic and reference.",
        ),
    ] = ExportFormat.json,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        ),
    ] = None,
) -> None:
    """Export your progress as JSON, as a Markdown checklist of the course, or as CSV.

    Example: llmcourse export --format markdown -o llm-course.md
    """
    from llmcourse import export as exporting

    with handled(False):
        catalog = _course()
        progress = _progress(catalog)
        if format_ is ExportFormat.json:
            from llmcourse import history

            found = history.read(
                progress.history_path, progress.data.history_size, progress.data.revision
            )
            if found.problems:
                _note(
                    f"{len(found.problems)} line(s) of {found.path} cannot be read and are not "
                    "in the export. Run 'llmcourse doctor'"
                )
            text = exporting.as_json(catalog, progress.data, found.events, _now())
        elif format_ is ExportFormat.markdown:
            text = exporting.as_markdown(catalog, progress.data)
        else:
            text = exporting.as_csv(catalog, progress.data)
        if output is None:
            sys.stdout.write(text)
            return
        _write_output(output, text)


def _write_output(output: str, text: str) -> None:
    """Write an export where the learner said: a file is replaced whole, anything else
    (a named pipe, /dev/stdout, a terminal) is written into, and a link writes its target."""
    import os
    import stat
    from pathlib import Path

    from llmcourse import store
    from llmcourse.errors import ProgressFileError

    path = Path(output).expanduser()
    content = text.encode("utf-8")
    try:
        target = Path(os.path.realpath(path))
        kind = target.stat().st_mode if target.exists() else None
        if kind is not None and not stat.S_ISREG(kind):
            with open(target, "wb") as stream:
                stream.write(content)
        elif not target.parent.is_dir():
            raise FileNotFoundError(2, f"the folder {target.parent} does not exist")
        else:
            store.write_atomic(target, content)
            if kind is None:  # a new file: readable as the learner's other files are
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(target, 0o666 & ~umask)
    except OSError as err:
        raise ProgressFileError(
            f"cannot write {path}: {err.strerror or err}", "Check the path and its permissions"
        ) from None
    _note(f"written to {path}")


@app.command("import")
def import_(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A file written by 'llmcourse export'.", show_default=False
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change, and change nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Merge progress exported on another machine: per item, the more recent change wins.

    The other history's events are added without duplicates; importing twice changes
    nothing, and 'llmcourse undo' reverts an import. Example: llmcourse import laptop.json
    """
    from pathlib import Path

    from llmcourse import export, history, store, tracker
    from llmcourse.errors import ImportFileError, ProgressFileError

    with handled(as_json):
        catalog = _course()
        path = Path(file).expanduser()
        try:
            content = path.read_bytes()
        except OSError as err:
            raise ImportFileError(
                f"cannot read {path}: {err.strerror or err}", "Check the path and its permissions"
            ) from None
        theirs = export.parse_export(content, str(path))
        if theirs.course_id != catalog.course.id:
            raise ImportFileError(
                f"{path} holds progress on the course '{theirs.course_id}', not "
                f"'{catalog.course.id}'",
                "Import it with --roadmaps naming that course's roadmap file; nothing was changed",
            )
        target = store.progress_path(catalog.course.id)
        lock = contextlib.nullcontext() if dry_run else store.locked(target)
        now = _now()
        with lock:
            progress = _progress(catalog, target, reading=False)
            store.ensure_writable(progress)
            found = history.read(
                progress.history_path, progress.data.history_size, progress.data.revision
            )
            if found.mismatch or found.problems:
                raise ProgressFileError(
                    f"history file {found.path} cannot be merged into as it is",
                    "Run 'llmcourse doctor' to see what is wrong; nothing was changed",
                )
            updated, result = tracker.merge(
                catalog,
                progress.data,
                found.events,
                theirs.entries,
                theirs.extra,
                theirs.history,
                theirs.notes,
            )
            changes = result.changed or result.updated or result.foreign or result.notes_added
            if not dry_run and changes:
                progress.data = updated
                if result.adopted:
                    last = theirs.history[-1].rev if theirs.history else theirs.revision
                    progress.data.revision = 0
                    _kept(store.commit(progress, theirs.history, revision=last))
                else:
                    revision = progress.data.revision + 1
                    records = tracker.merge_events(result, revision, now)
                    _kept(store.commit(progress, records, revision if records else None))
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.merged(result, path, dry_run))
        return
    from llmcourse import lines

    lines.merged(lines.Lines(), result, path, dry_run)


@app.command()
def note(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="A topic, section or reference.",
            show_default=False,
        ),
    ],
    text: Annotated[
        list[str] | None,
        typer.Argument(metavar="TEXT", help="The note to add; leave out to list the notes."),
    ] = None,
    edit: Annotated[
        bool,
        typer.Option("--edit", "-e", help="Edit the item's notes in $VISUAL or $EDITOR."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Add a note of your own to a topic, section or reference, or list or edit its notes.

    Notes are kept with your progress. Example: llmcourse note tokenization "BPE vs WordPiece"
    """
    from llmcourse import store, tracker

    with handled(as_json):
        catalog = _course()
        node = catalog.resolve(id_)
        path = store.progress_path(catalog.course.id)
        if edit:
            current = _progress(catalog, path, reading=False)
            texts = _edit_notes(node.id, node.title, current.data.notes.get(node.id, []))
        if edit or text:
            with store.locked(path):
                progress = _progress(catalog, path, reading=False)
                if edit:
                    progress.data = tracker.replace_notes(progress.data, node, texts, _now())
                else:
                    progress.data = tracker.add_note(
                        progress.data, node, _note_text(" ".join(text or [])), _now()
                    )
                _kept(store.commit(progress, []))
        else:
            progress = _progress(catalog, path)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit({"id": node.id, "notes": jsonout.notes(progress.data, node.id)})
            return
        from llmcourse import render

        render.notes(render.console(), progress.data, node, say_none=True)


NOTE_MARK = "%% note"


def _note_text(text: str) -> str:
    """A note as typed, refused when it is blank or not text a file can hold."""
    from llmcourse.errors import BadValueError

    if not text.strip():
        raise BadValueError("a note needs some text", "Nothing was changed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadValueError(
            "the note holds bytes that are not UTF-8 text", "Nothing was changed"
        ) from None
    return text


def _edit_notes(node_id: str, title: str, notes: "list[Any]") -> list[str]:
    """The texts of an item's notes after the learner has edited them in their editor.

    Lines of the file's own start with `%%`; a note's line that does is written with a `\\`
    before it, and read back without. A file left empty, or without its first line, is taken
    as a change of mind: nothing changes.
    """
    import os
    import shlex
    import subprocess
    import tempfile

    from llmcourse.errors import BadValueError

    header = [
        f"%% Notes on {escape_controls(node_id)} ({escape_controls(title)}).",
        f"%% Each note follows a line '{NOTE_MARK}'. Add, change or delete notes; keep this",
        "%% header. To change nothing, quit without saving or empty the file.",
    ]
    lines = list(header)
    for item in notes:
        lines.append(NOTE_MARK)
        lines.extend(
            "\\" + line if line.startswith(("%%", "\\")) else line for line in item.text.split("\n")
        )
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    editor = editor or ("notepad" if sys.platform == "win32" else "vi")
    fd, name = tempfile.mkstemp(prefix="llmcourse-notes-", suffix=".txt")
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write("\n".join(lines) + "\n")
        try:
            finished = subprocess.run([*shlex.split(editor), name], check=False)
        except OSError as err:
            raise BadValueError(
                f"cannot start the editor '{editor}': {err.strerror or err}",
                "Set VISUAL or EDITOR to an editor you have; nothing was changed",
            ) from None
        if finished.returncode != 0:
            raise BadValueError(
                f"the editor '{editor}' exited with {finished.returncode}",
                "Nothing was changed",
            )
        with open(name, encoding="utf-8", errors="replace") as handle:
            edited = handle.read().splitlines()
    finally:
        os.unlink(name)
    if not edited or edited[0] != header[0]:
        raise BadValueError(
            "the notes file came back empty or without its header",
            "Nothing was changed; to delete notes, delete them and keep the header",
        )
    texts: list[list[str]] = []
    for line in edited:
        if line == NOTE_MARK:
            texts.append([])
        elif line.startswith("%%"):
            continue
        elif texts:
            texts[-1].append(line[1:] if line.startswith("\\") else line)
        elif line.strip():  # written above the first mark: a note all the same
            texts.append([line])
    return ["\n".join(block).strip("\n") for block in texts if "\n".join(block).strip()]


@app.command("next")
def next_(
    roadmap: Annotated[
        str | None,
        typer.Option(
            "--roadmap",
            "-r",
            autocompletion=_complete_roadmap,
            help="Only this roadmap (fundamentals, scientist, engineer).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What to study now: the topic in progress, else the first not started, in course order.

    Shows its summary and its section's references you have not read yet. LLM Fundamentals is
    suggested only once you have started it. Example: llmcourse next --roadmap engineer
    """
    from llmcourse import tracker

    with handled(as_json):
        catalog = _course()
        only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
        progress = _progress(catalog)
        up = tracker.next_topic(catalog, progress.data, only)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.next_up(catalog, progress.data, up))
            return
        from llmcourse import render

        render.next_up(render.console(), catalog, progress.data, up)


@app.command()
def search(
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="WORDS",
            help="What to look for; every word must be found (in any case).",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Find where the course covers something: titles, summaries, authors and links.

    Title matches come first. Example: llmcourse search flash attention
    """
    from llmcourse import tracker

    with handled(as_json):
        catalog = _course()
        text = " ".join(query)
        hits = tracker.search(catalog, text)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.search(text, hits))
            return
        from llmcourse import render

        render.search(render.console(), catalog, text, hits)


@app.command("open")
def open_(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="A reference; or a topic or section, for its section's first unread reference.",
            show_default=False,
        ),
    ],
    ref: Annotated[
        int | None,
        typer.Option(
            "--ref",
            "-r",
            min=1,
            help="For a topic or section: open its section's Nth reference instead.",
        ),
    ] = None,
    print_only: Annotated[
        bool, typer.Option("--print", "-p", help="Print the URL instead of opening it.")
    ] = False,
) -> None:
    """Open a reference in your browser (only http and https addresses are ever opened).

    Example: llmcourse open scientist/1 --ref 3
    """
    from llmcourse import tracker

    with handled(False):
        catalog = _course()
        node = catalog.resolve(id_)
        progress = _progress(catalog) if node.kind != "reference" and ref is None else None
        target = tracker.reference_to_open(catalog, node, progress.data if progress else None, ref)
        assert target.item is not None
        url = getattr(target.item, "url", "")
        if print_only:
            sys.stdout.write(f"{escape_controls(url)}\n")
            return
        _open_in_browser(url, target.title)


def _open_in_browser(url: str, title: str) -> None:
    import webbrowser
    from urllib.parse import urlsplit

    from llmcourse.errors import RoadmapFileError

    if urlsplit(url).scheme not in ("http", "https"):  # checked when loaded; checked again
        raise RoadmapFileError(f"'{url}' is not an http or https address; it was not opened")
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if opened:
        sys.stderr.write(f"opened {escape_controls(title)}: {escape_controls(url)}\n")
    else:
        _note("no browser could be started here; the address is on standard output")
        sys.stdout.write(f"{escape_controls(url)}\n")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def main() -> None:
    """Console-script entry point."""
    # A reader that goes away (`llmcourse list | head -1`) is handled by click and rich:
    # no traceback, exit 1.
    app(prog_name="llmcourse")
