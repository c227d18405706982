"""What the commands share: the session a command runs in, the options and arguments several
take, and completing ids in the shell."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmcourse.errors import LlmCourseError
from llmcourse.session import Session
from llmcourse.text import escape_controls

if TYPE_CHECKING:  # for a helper's annotation, which Typer never reads
    from llmcourse.catalog import Catalog


def session(ctx: typer.Context) -> Session:
    """The session this command runs in (the group makes it; see `cli.Group`)."""
    return ctx.ensure_object(Session)


def _completion_course(ctx: typer.Context) -> "Catalog | None":
    """The course a command being completed works on, or None when it cannot be loaded."""
    from llmcourse import catalog, idlist  # see llmcourse.commands: not loaded by every run

    # The group's callback does not run while completing: read its option from the context.
    roadmaps = ctx.find_root().params.get("roadmaps")
    try:
        if roadmaps:
            path = Path(roadmaps).expanduser()
            course, source, read = catalog.load_file(path), str(path), path
        else:
            course, source, read = catalog.load_bundled(), catalog.BUNDLED_NAME, None
    except LlmCourseError:
        return None
    # The completion scripts ask llmcourse when the course's id list is missing or older than
    # its roadmap file: write it, so that the next Tab needs no Python.
    idlist.refresh(course, source, read)
    return course


def complete_id(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Ids that go on from what is typed, one path level at a time, with their titles."""
    course = _completion_course(ctx)
    if course is None:
        return []
    return [(value, _help_text(title)) for value, title in course.complete(incomplete)]


def complete_roadmap(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
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


def _record_json(ctx: typer.Context, value: bool) -> bool:
    """Tell the group whether to answer in JSON (it reads the session once the command ends).

    A `--json` given before the command (the group's) stands for the command's too.
    """
    run = session(ctx)
    run.wants_json = value or run.wants_json is True
    return value


def _record_group_json(ctx: typer.Context, value: bool) -> bool:
    if value:
        session(ctx).wants_json = True
    return value


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        callback=_record_json,
        help="Print one JSON document on stdout instead of tables.",
    ),
]

GroupJsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        callback=_record_group_json,
        help="Print one JSON document on stdout: of --version, of the first screen (llmcourse "
        "alone), or of the command that follows.",
    ),
]


RoadmapArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="ROADMAP",
        autocompletion=complete_roadmap,
        help="A roadmap id (fundamentals, scientist, engineer); all when left out.",
        show_default=False,
    ),
]
