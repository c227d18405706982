"""The `llmcourse` command: parse arguments, call the domain, hand results to a renderer."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from llmcourse import __version__
from llmcourse.errors import LlmCourseError
from llmcourse.text import escape_controls

if TYPE_CHECKING:  # only for helpers' annotations, which Typer never reads
    from llmcourse.catalog import Catalog
    from llmcourse.store import Progress
    from llmcourse.tracker import CourseSummary

# The course, its models and rich are imported inside the commands that use them, so that
# --version, --help and the JSON paths pay only for what they need.

# click's UsageError, whether Typer vendors click or uses it directly.
_UsageError: type[Exception] = next(
    kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "UsageError"
)


def _show_usage_error(err: Any, file: object = None) -> None:
    command = err.ctx.command_path if err.ctx is not None else "llmcourse"
    message = escape_controls(err.format_message()).rstrip(".")
    sys.stderr.write(f"error: {message}. Run '{command} --help' for usage\n")


@contextlib.contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    """Report a wrong option or a missing argument as one `error:` line, like every error."""
    try:
        yield
    except _UsageError as err:
        if type(err).__name__ != "NoArgsIsHelpError":  # plain `llmcourse` shows its help
            err.show = functools.partial(_show_usage_error, err)  # type: ignore[attr-defined]
        raise


class _Group(TyperGroup):
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_usage_errors():
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

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]
RoadmapArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="ROADMAP",
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


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Track your way through The LLM Course."""


def _summarized(roadmap: str | None) -> tuple[Catalog, Progress, CourseSummary]:
    """The course, the learner's progress, and its counts (for one roadmap, if named)."""
    from llmcourse import store, tracker
    from llmcourse.catalog import load_bundled

    catalog = load_bundled()
    only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
    progress = store.load(store.progress_path(), catalog.course.id)
    return catalog, progress, tracker.summarize(catalog, progress.data, only)


@app.command("list")
def list_(
    roadmap: RoadmapArgument = None,
    topics: Annotated[
        bool, typer.Option("--topics", "-t", help="Add every topic with its status.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the roadmaps and their sections, with how much of each is done.

    Example: llmcourse list scientist --topics
    """
    with handled(as_json):
        catalog, progress, summary = _summarized(roadmap)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.listing(catalog, progress.data, summary, topics))
            return
        from llmcourse import render

        render.listing(render.console(), catalog, progress.data, summary, topics)


@app.command()
def show(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A roadmap, section, topic or reference: a full id (scientist/architecture), "
            "its tail (architecture) or its number (scientist/1, scientist/1/2).",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a roadmap, a section (summary, topics, references), a topic or a reference.

    Example: llmcourse show scientist/1
    """
    from llmcourse import store
    from llmcourse.catalog import load_bundled

    with handled(as_json):
        catalog = load_bundled()
        node = catalog.resolve(id_)
        progress = store.load(store.progress_path(), catalog.course.id)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.show(catalog, progress.data, node))
            return
        from llmcourse import render

        render.show(render.console(), catalog, progress.data, node)


@app.command()
def done(
    ids: Annotated[
        list[str],
        typer.Argument(
            metavar="ID",
            help="Topics or references to mark; a section or roadmap marks all its topics.",
        ),
    ],
    undo: Annotated[
        bool, typer.Option("--undo", help="Set them back to not done instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Mark topics or references done (or, with --undo, not done).

    Example: llmcourse done scientist/1/2 tokenization
    """
    from llmcourse import store, tracker
    from llmcourse.catalog import load_bundled
    from llmcourse.models import Status

    with handled(as_json):
        catalog = load_bundled()
        nodes = [catalog.resolve(raw) for raw in ids]
        status: Status = "not-started" if undo else "done"
        path = store.progress_path()
        with store.locked(path):
            progress = store.load(path, catalog.course.id)
            updated, result = tracker.mark(catalog, progress.data, nodes, status, _now())
            if result.changed:
                progress.data = updated
                store.save(progress)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.marked(result, progress.path))
            return
        from llmcourse import render

        render.marked(render.console(), catalog, result)


@app.command()
def progress(roadmap: RoadmapArgument = None, as_json: JsonOption = False) -> None:
    """Show your progress: overall, per roadmap and per section, and where it is kept.

    Example: llmcourse progress scientist
    """
    with handled(as_json):
        catalog, current, summary = _summarized(roadmap)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.progress_report(catalog, current.data, summary, current.path))
            return
        from llmcourse import render

        render.progress_report(render.console(), summary, current.path, current.exists)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def main() -> None:
    """Console-script entry point."""
    # A reader that goes away (`llmcourse list | head -1`) is handled by click and rich:
    # no traceback, exit 1.
    app(prog_name="llmcourse")
