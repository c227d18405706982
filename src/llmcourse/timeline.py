"""The learner's history as a timeline: the log's pages, streaks and the calendar, and the dates
a learner types to pick a stretch of it. Pure: the clock and the history are given."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from llmcourse.catalog import Catalog
from llmcourse.errors import BadValueError, UnknownIdError
from llmcourse.history import History
from llmcourse.progressfile import Event, ProgressFile
from llmcourse.tracker import status_of

if TYPE_CHECKING:
    from llmcourse.historyindex import Index


def history_prefix(catalog: Catalog, raw: str, history: Iterable[Event]) -> str:
    """The id whose changes `log ID` shows: a node of the course, or an id only history has."""
    try:
        return catalog.resolve(raw).id
    except UnknownIdError:
        wanted = raw.strip().strip("/").lower()
        if any(_under(event.id, wanted) for event in history):
            return wanted  # from an earlier version of the course
        raise


def _under(entry_id: str, prefix: str) -> bool:
    return entry_id == prefix or entry_id.startswith(prefix + "/")


class LogPage(NamedTuple):
    events: list[Event]  # newest first
    matching: int  # how many events matched, before the limit
    undone_by: dict[int, int]  # change -> the undo that reverted it
    recorded: int = 0  # the events in the history, matching or not


def history_page(
    catalog: Catalog,
    history: list[Event],
    prefix: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> LogPage:
    """The events `log` shows, newest first: under `prefix`, from `since`, before `until`."""
    matching = _matching(catalog, history, prefix, since, until)
    undone_by = {
        event.undoes: event.rev
        for event in history
        if event.undoes is not None and not event.imported
    }
    return LogPage(matching[:limit] if limit else matching, len(matching), undone_by, len(history))


def _matching(
    catalog: Catalog,
    history: list[Event],
    prefix: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[Event]:
    return [
        event
        for event in reversed(history)
        if (
            prefix is None
            or _under(event.id, prefix)
            or _under(catalog.former.get(event.id, ""), prefix)
        )
        and (since is None or event.time >= since)
        and (until is None or event.time < until)
    ]


def indexed_page(
    catalog: Catalog,
    index: "Index",
    prefix: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> LogPage:
    """`history_page` of the history `index` opens, reading only what the page needs: the
    newest `limit` events, or the events from the last mark before `since`."""
    if prefix is None and since is None and until is None and limit:
        from itertools import islice

        newest = list(islice(index.newest(), limit))
        return LogPage(newest, index.count, index.undone_by, index.count)
    matching = _matching(catalog, index.oldest_from(since), prefix, since, until)
    return LogPage(
        matching[:limit] if limit else matching, len(matching), index.undone_by, index.count
    )


class Momentum(NamedTuple):
    """How the learner has been going: recent completions, streaks, changes per day."""

    recent: list[Event]  # the last things done, newest first
    streak: int  # days in a row, up to today (or yesterday: today is not over), with a change
    longest: int
    days: dict[date, int]  # changes per local calendar day


def momentum(
    history: list[Event],
    today: date,
    zone: tzinfo | None = None,
    recent: int = 3,
    progress: ProgressFile | None = None,
) -> Momentum:
    """Streaks count the learner's own calendar days: each event's time on their clock.

    With no `zone`, each moment is placed by the system's own rules for its date (daylight
    saving time included), as the learner's calendar had it then.
    """
    days: dict[date, int] = {}
    for event in history:
        day = event.time.astimezone(zone).date()
        days[day] = days.get(day, 0) + 1
    undone = {event.undoes for event in history if event.undoes is not None}
    done = _recent(reversed(history), undone, recent, progress)
    return Momentum(done, *_streaks(days, today), days)


def indexed_momentum(
    index: "Index", today: date, recent: int = 3, progress: ProgressFile | None = None
) -> Momentum:
    """`momentum` of the history `index` opens, on the system's calendar: from its days and
    the newest events, without reading the rest."""
    days = index.days()
    if days is None:  # a time zone off the quarter hours: the calendar needs every event
        return momentum(index.everything().events, today, recent=recent, progress=progress)
    done = _recent(index.newest(), index.undoes, recent, progress)
    return Momentum(done, *_streaks(days, today), days)


def _recent(
    newest: Iterable[Event], undone: set[int], recent: int, progress: ProgressFile | None
) -> list[Event]:
    """The last `recent` topics done, newest first, from events newest first."""
    done: list[Event] = []
    done_ids: set[str] = set()  # those of `done`: a search of the list grew with its square
    # No more can be found than the progress holds done: then the older events need no reading.
    most = recent
    if progress is not None:
        most = min(recent, sum(entry.status == "done" for entry in progress.entries.values()))
    for event in newest:
        if len(done) >= most:
            break
        if event.new != "done" or event.old == "done" or event.undoes is not None:
            continue  # not a topic done (a review keeps it done)
        if event.rev in undone:
            continue
        if event.id in done_ids:
            continue
        if progress is not None and status_of(progress, event.id) != "done":
            continue
        done.append(event)
        done_ids.add(event.id)
    return done


def _streaks(days: dict[date, int], today: date) -> tuple[int, int]:
    """The streak up to today (or yesterday), and the longest."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    streak = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak, longest


def parse_when(raw: str, option: str, now: datetime, *, end: bool = False) -> datetime:
    """A date or time a learner typed (2026-11-27, 2026-11-27T18:00, today, yesterday, 7d, 2w)
    as a moment: with `end`, a whole day counts up to its end. `option` names it in errors."""
    try:
        return _parse_when(raw.strip().lower(), now, end)
    except (ValueError, OverflowError):
        raise BadValueError(
            f"{option} '{raw}' is not a date or time llmcourse can use",
            "Use a date such as 2026-11-27, a time such as 2026-11-27T18:00, "
            "today, yesterday, or a span such as 7d or 2w",
        ) from None


def _parse_when(text: str, now: datetime, end: bool) -> datetime:
    today = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    days = {"today": 0, "yesterday": 1}
    if text in days:
        start = today - timedelta(days=days[text])
        return start + timedelta(days=1) if end else start
    if text[:-1].isdigit() and text[-1:] in ("d", "w"):
        return now - timedelta(days=int(text[:-1]) * (7 if text[-1] == "w" else 1))
    moment = datetime.fromisoformat(text.upper() if "t" in text else text)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the learner's own clock
    if end and len(text) == 10:  # a whole day: up to its end
        moment += timedelta(days=1)
    # Compared with event times, which are UTC: a moment that cannot be one is no date.
    moment.astimezone(UTC)
    return moment


def warnings(found: "History | Index") -> list[str]:
    """What the learner should know about a history before reading it as the log."""
    if found.mismatch:
        return [
            f"history file {found.path} does not match the progress file, so it may not "
            "tell what your progress holds. Run 'llmcourse doctor'"
        ]
    if found.problems:
        line, reason = found.problems[0]
        more = found.problem_count - 1
        return [
            f"history file {found.path}, line {line}: {reason}"
            + (f" (and {more} more)" if more else "")
            + "; those lines are left out. Run 'llmcourse doctor'"
        ]
    return []
