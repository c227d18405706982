"""Spaced review of the topics done: when each is next due, and what a rating does to it.

The scheduler is FSRS, from the `fsrs` package: it schedules each topic from its own history of
ratings. Its settings suit course topics rather than flashcards: no learning steps of minutes (a
topic done counts as a first review rated good, at the time it was done), and the longest gap a
year, so that nothing studied is left unseen for longer.

A topic's schedule lives in the progress file (`ProgressFile.reviews`) for as long as it is
done: marking it anything else drops the schedule, and the change's event keeps what was
dropped, so that undo brings it back. Pure, like `tracker`: the progress and the clock are given.
`fsrs` is imported only where a schedule is worked out; counting what is due reads the dates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from llmcourse.catalog import Catalog, Node
from llmcourse.errors import NotDoneError, NotDueError, WrongKindError
from llmcourse.progressfile import MAX_STABILITY, RATINGS, Event, ProgressFile, Schedule
from llmcourse.tracker import Update, status_of

if TYPE_CHECKING:
    import fsrs

MAX_INTERVAL_DAYS = 365
# The latest time a review can be worked out at: its next review, up to a year later (and the
# day's margin a time read from a file must keep), is still a time Python can hold. Only a
# file's far-future time (a topic marked done in the year 9999) comes near it.
LATEST_REVIEW = datetime.max.replace(tzinfo=UTC) - timedelta(days=MAX_INTERVAL_DAYS + 7)
DESIRED_RETENTION = 0.9  # the scheduler's default: the chance of recall when a review falls due


def card_id(topic_id: str) -> int:
    """The scheduler's id for a topic: the same on every run and every machine. (Only a label:
    no schedule depends on it. zlib's CRC, which every command has loaded, where hashlib would
    load OpenSSL for it.)"""
    import zlib

    return zlib.crc32(topic_id.encode("utf-8")) or 1


@cache
def _scheduler(fuzz: bool) -> fsrs.Scheduler:
    import fsrs

    return fsrs.Scheduler(
        desired_retention=DESIRED_RETENTION,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=MAX_INTERVAL_DAYS,
        enable_fuzzing=fuzz,
    )


def reviewed(
    topic_id: str, schedule: Schedule | None, rating: str, when: datetime, *, fuzz: bool = True
) -> Schedule:
    """The schedule after rating a topic's recall at `when` (a first review with None).

    Fuzz moves a gap of three days or more by a few percent, so that topics done on the same
    evening do not all fall due on the same day. The scheduler draws it from Python's shared
    random numbers; seeded here from the topic and its schedule, the same reviews give the
    same dates on every run and machine (what the README shows, what two machines agree on).
    """
    import random

    import fsrs

    moment = min(when.astimezone(UTC), LATEST_REVIEW)
    if schedule is None:
        card = fsrs.Card(card_id=card_id(topic_id), due=moment)
    else:
        step = schedule.step
        if step is None and schedule.state != "review":
            step = 0  # the scheduler counts the steps of these states; a file may leave it out
        card = fsrs.Card(
            card_id=card_id(topic_id),
            state=fsrs.State[schedule.state.capitalize()],
            step=step,
            stability=schedule.stability,
            difficulty=schedule.difficulty,
            due=schedule.due.astimezone(UTC),
            last_review=schedule.last_review.astimezone(UTC),
        )
    elapsed = (moment - card.last_review).days if card.last_review is not None else None
    saved = random.getstate()
    random.seed(f"{topic_id}|{card.stability!r}|{card.difficulty!r}|{rating}|{elapsed}")
    try:
        card, _ = _scheduler(fuzz).review_card(card, fsrs.Rating[rating.capitalize()], moment)
    finally:
        random.setstate(saved)
    assert card.stability is not None and card.difficulty is not None
    return Schedule(
        due=card.due.replace(microsecond=0),
        last_review=moment.replace(microsecond=0),
        # The scheduler sets no bound of its own: a review long after the last (a date edited
        # into the past) can multiply the stability beyond what a file may hold.
        stability=min(round(card.stability, 4), MAX_STABILITY),
        difficulty=round(card.difficulty, 4),
        state=card.state.name.lower(),
        step=card.step,
        extra=schedule.extra if schedule is not None else None,
    )


def without_schedule(catalog: Catalog, progress: ProgressFile) -> list[str]:
    """The topics done that have no review schedule yet (done before reviews existed, or brought
    in from a file that had none)."""
    nodes = catalog.nodes
    return [
        entry_id
        for entry_id, entry in progress.entries.items()
        if entry.status == "done"
        and entry_id not in progress.reviews
        and (node := nodes.get(entry_id)) is not None
        and node.kind == "topic"
    ]


def settle(catalog: Catalog, progress: ProgressFile, *, fuzz: bool = True) -> ProgressFile:
    """The progress with a schedule for every topic done: a first review, as if rated good at
    the time it was done, for each that has none."""
    missing = without_schedule(catalog, progress)
    if not missing:
        return progress
    settled = progress.copy()
    for entry_id in missing:
        when = progress.entries[entry_id].changed
        settled.reviews[entry_id] = reviewed(entry_id, None, "good", when, fuzz=fuzz)
    return settled


def day_end(now: datetime) -> datetime:
    """The end of the learner's day (midnight on their clock): what is due by then is due
    today."""
    # Tomorrow's midnight, placed on the local clock by its own offset: on a day that changes
    # to or from summer time, today's offset would move the end of the day by an hour.
    tomorrow = now.astimezone().date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day).astimezone()


class Scheduled(NamedTuple):
    node: Node
    schedule: Schedule


def scheduled(catalog: Catalog, progress: ProgressFile) -> list[Scheduled]:
    """Every topic done with its schedule, soonest due first (then in the course's order)."""
    nodes = catalog.nodes
    found = [
        Scheduled(node, schedule)
        for entry_id, schedule in progress.reviews.items()
        if (node := nodes.get(entry_id)) is not None
        and node.kind == "topic"
        and status_of(progress, entry_id) == "done"
    ]
    order = {node_id: number for number, node_id in enumerate(nodes)}
    found.sort(key=lambda s: (s.schedule.due, order[s.node.id]))
    return found


class Outlook(NamedTuple):
    """How the learner's reviews stand: how many topics are due today, how many have a
    schedule, and when the soonest not due today falls due."""

    due: int
    scheduled: int
    next_due: datetime | None
    now: datetime  # the time it was worked out at


def outlook(catalog: Catalog, progress: ProgressFile, now: datetime) -> Outlook:
    """How the reviews stand, read from the dates alone, without the scheduler: the first
    screen, `progress` and `next` pay nothing for it."""
    end = day_end(now)
    nodes = catalog.nodes
    due = scheduled = 0
    soonest: datetime | None = None
    for entry_id, schedule in progress.reviews.items():
        node = nodes.get(entry_id)
        if node is None or node.kind != "topic" or status_of(progress, entry_id) != "done":
            continue
        scheduled += 1
        if schedule.due < end:
            due += 1
        elif soonest is None or schedule.due < soonest:
            soonest = schedule.due
    return Outlook(due, scheduled, soonest, now)


def agenda(
    catalog: Catalog, progress: ProgressFile, now: datetime, upcoming: int = 5
) -> tuple[list[Scheduled], list[Scheduled]]:
    """The topics due today, most overdue first, and the next `upcoming` to fall due."""
    end = day_end(now)
    everything = scheduled(catalog, progress)
    due = [s for s in everything if s.schedule.due < end]
    return due, everything[len(due) : len(due) + upcoming]


def is_due(schedule: Schedule, now: datetime) -> bool:
    return schedule.due < day_end(now)


class Rated(NamedTuple):
    """A review recorded: the topic, the rating, its schedule before and after, and how the
    reviews stand after it."""

    node: Node
    rating: str
    before: Schedule | None
    after: Schedule
    early: bool  # rated before it was due
    outlook: Outlook


def rate(
    catalog: Catalog,
    progress: ProgressFile,
    node: Node,
    rating: str,
    now: datetime,
    *,
    early: bool = False,
    fuzz: bool = True,
) -> Update[Rated]:
    """Record how well the learner recalled a topic done, as one change (command `review`)."""
    if rating not in RATINGS:
        raise ValueError(rating)
    before = reviewable(progress, node, now, early=early)
    after = reviewed(node.id, before, rating, now, fuzz=fuzz)
    updated = progress.copy()
    updated.reviews[node.id] = after
    updated.revision += 1
    event = Event(updated.revision, now, "review", node.id, "done", "done")
    event = event._replace(rating=rating, before=before, after=after)
    ahead = before is not None and not is_due(before, now)
    standing = outlook(catalog, updated, now)
    return Update(updated, [event], Rated(node, rating, before, after, ahead, standing))


def done_topic(progress: ProgressFile, node: Node) -> None:
    """Refuse what is not a topic done: only those have reviews."""
    if node.kind != "topic":
        raise WrongKindError(
            f"'{node.id}' is a {node.kind}; review takes one topic at a time",
            "Run 'llmcourse review' for the topics due",
        )
    if status_of(progress, node.id) != "done":
        raise NotDoneError(
            f"'{node.id}' is not done; a topic is reviewed once it is done",
            f"Mark it with 'llmcourse done {node.id}' when you have studied it",
        )


def reviewable(
    progress: ProgressFile, node: Node, now: datetime, *, early: bool = False
) -> Schedule | None:
    """A topic's schedule, where it may be rated now: a topic done, and due (or `early`)."""
    done_topic(progress, node)
    schedule = progress.reviews.get(node.id)
    if schedule is not None and not is_due(schedule, now) and not early:
        raise NotDueError(
            f"'{node.id}' is not due for review until {_local_date(schedule.due)}",
            "Review it then, or now with --early",
        )
    return schedule


def still_due(
    progress: ProgressFile, node: Node, now: datetime, *, early: bool = False
) -> Schedule | None:
    """A topic's schedule where it may still be rated now; None where another command has
    rated, reset or skipped it since it was listed as due."""
    try:
        return reviewable(progress, node, now, early=early)
    except (NotDueError, NotDoneError):
        return None


def _local_date(moment: datetime) -> str:
    return moment.astimezone().date().isoformat()
