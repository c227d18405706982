"""Commands about your progress over time: progress, log. (Each imports its domain modules
when it runs: see `llmcourse.commands`.)"""

from typing import TYPE_CHECKING, Annotated

import typer

from llmcourse.commands.options import JsonOption, RoadmapArgument, complete_id, session
from llmcourse.results import Calendar, Dashboard, Log, ProgressReport

if TYPE_CHECKING:
    from llmcourse.timeline import Momentum


def progress(
    ctx: typer.Context,
    roadmap: RoadmapArgument = None,
    activity: Annotated[
        bool,
        typer.Option(
            "--activity", help="End with the last 12 weeks as a calendar (as log --chart)."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> ProgressReport:
    """Show your progress: overall, per roadmap and per section, your streak, and where it is kept.

    Example: llmcourse progress scientist
    """
    from llmcourse import review, tracker

    run = session(ctx)
    catalog = run.course()
    only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
    current = run.progress()
    summary = tracker.summarize(catalog, current.data, only)
    now = run.now()
    today = now.astimezone().date()  # on the learner's calendar

    def momentum() -> "Momentum":
        from llmcourse import historyindex, timeline

        data = current.data
        with historyindex.open_index(
            current.history_path, data.history_size, data.revision
        ) as found:
            return timeline.indexed_momentum(found, today, progress=data)

    return ProgressReport(
        catalog,
        current.data,
        summary,
        current.path,
        current.exists,
        today,
        momentum,
        activity,
        review.outlook(catalog, current.data, now),
    )


def dashboard(ctx: typer.Context) -> Dashboard:
    """Bare `llmcourse`: where you stand, and what to study next."""
    from llmcourse import review, tracker

    run = session(ctx)
    catalog = run.course()
    current = run.progress()
    summary = tracker.summarize(catalog, current.data, None)
    streak = None
    now = run.now()
    if current.data.history_size:  # something recorded: read how the learner has been going
        from llmcourse import historyindex, timeline

        data = current.data
        with historyindex.open_index(
            current.history_path, data.history_size, data.revision
        ) as found:
            streak = timeline.indexed_momentum(found, now.astimezone().date(), recent=0).streak
    up = tracker.next_topic(catalog, current.data)
    reviews = review.outlook(catalog, current.data, now)
    return Dashboard(catalog, current.data, summary, up, streak, run.program, reviews)


def log(
    ctx: typer.Context,
    id_: Annotated[
        str | None,
        typer.Argument(
            metavar="ID",
            autocompletion=complete_id,
            help="Only events of this roadmap, section, topic or reference (and below it).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Only events from this date or time on (2026-11-01, 7d, today)."
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Only events up to this date (inclusive) or time."),
    ] = None,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", metavar="N", min=0, help="Show at most N events; 0 for all."),
    ] = 20,
    chart: Annotated[
        bool,
        typer.Option(
            "--chart", help="Draw the last 12 weeks as a calendar, a cell a day, instead."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> Log:
    """List your history of changes, newest first (or, with --chart, as a calendar).

    Example: llmcourse log scientist --since 7d
    """
    from llmcourse import historyindex, timeline

    run = session(ctx)
    catalog = run.course()
    now = run.now()
    start = timeline.parse_when(since, "--since", now) if since is not None else None
    stop = timeline.parse_when(until, "--until", now, end=True) if until is not None else None
    current = run.progress()
    data = current.data
    with historyindex.open_index(current.history_path, data.history_size, data.revision) as found:
        for warning in timeline.warnings(found):
            run.note(warning)
        prefix = timeline.history_prefix(catalog, id_, found.newest()) if id_ is not None else None
        page = timeline.indexed_page(catalog, found, prefix, start, stop, limit)
        drawn = None
        if chart:
            today = now.astimezone().date()
            filtered = prefix is not None or start is not None or stop is not None
            days = None if filtered else found.days()
            if days is None:  # the calendar of what matches, or of a zone off the quarter hours
                everything = timeline.indexed_page(catalog, found, prefix, start, stop, 0)
                days = timeline.momentum(everything.events, today).days
            drawn = Calendar(days, today)
    return Log(catalog, page, current.history_path, drawn)
