"""What the commands share: options, completion, loading the course and the progress, the
one way out for errors, and the clock."""

import contextlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from llmcourse.errors import LlmCourseError
from llmcourse.text import escape_controls

if TYPE_CHECKING:  # only for helpers' annotations, which Typer never reads
    from pathlib import Path

    from llmcourse.catalog import Catalog
    from llmcourse.store import Progress
    from llmcourse.tracker import CourseSummary


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


class _Settings:
    """What the options before the command chose, for this run."""

    roadmaps: "Path | None" = None


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


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
