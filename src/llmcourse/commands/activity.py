"""Commands about your progress over time: progress, log."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from llmcourse.commands import common
from llmcourse.commands.common import (
    JsonOption,
    RoadmapArgument,
    _complete_id,
    _course,
    _note,
    _progress,
    _summarized,
    handled,
)

if TYPE_CHECKING:
    from llmcourse.store import Progress
    from llmcourse.tracker import Momentum


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
                render.console(), going.days if going else {}, common._now().astimezone().date()
            )


def _momentum(progress: "Progress") -> "Momentum":
    """Streaks and recent work from the history, by the learner's own calendar."""
    from llmcourse import tracker

    found = progress.read_history()
    today = common._now().astimezone().date()
    return tracker.momentum(found.events, today, progress=progress.data)


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
        return common._now() - timedelta(days=int(text[:-1]) * (7 if text[-1] == "w" else 1))
    moment = datetime.fromisoformat(text.upper() if "t" in text else text)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the learner's own clock
    if end and len(text) == 10:  # a whole day: up to its end
        moment += timedelta(days=1)
    # Compared with event times, which are UTC: a moment that cannot be one is no date.
    moment.astimezone(UTC)
    return moment


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
    from llmcourse import tracker

    with handled(as_json):
        catalog = _course()
        start, stop = _when(since, "--since"), _when(until, "--until", end=True)
        progress = _progress(catalog)
        found = progress.read_history()
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

            today = common._now().astimezone().date()
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
