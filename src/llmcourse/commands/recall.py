"""The command that keeps what was studied: review. (It imports its domain modules when it
runs: see `llmcourse.commands`.)"""

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from llmcourse.commands.options import JsonOption, complete_id, session
from llmcourse.results import ReviewCard, ReviewList, ReviewRated, ReviewSession

if TYPE_CHECKING:  # for helpers' annotations, which Typer never reads
    from collections.abc import Callable

    from llmcourse.catalog import Catalog, Node
    from llmcourse.review import Rated, Scheduled
    from llmcourse.session import Session
    from llmcourse.store import Progress
    from llmcourse.tracker import Update


class Rating(StrEnum):
    again = "again"
    hard = "hard"
    good = "good"
    easy = "easy"


# The keys a rating is given by on a terminal: its initial, or its number (as flashcard programs
# number them).
KEYS = {"a": "again", "1": "again", "h": "hard", "2": "hard", "g": "good", "3": "good"}
KEYS |= {"e": "easy", "4": "easy"}
STOP = ("q", "\x1b", "")  # q, Escape, the end of input
RATING_PROMPT = "Recalled it? a again · h hard · g good · e easy · q stop:"


def review(
    ctx: typer.Context,
    id_: Annotated[
        str | None,
        typer.Argument(
            metavar="ID",
            autocompletion=complete_id,
            help="A topic done: only this one.",
            show_default=False,
        ),
    ] = None,
    rate: Annotated[
        Rating | None,
        typer.Option(
            "--rate",
            help="Rate how well you recalled ID, without asking.",
            show_default=False,
        ),
    ] = None,
    early: Annotated[
        bool, typer.Option("--early", help="Rate ID although it is not due yet.")
    ] = False,
    as_json: JsonOption = False,
) -> ReviewList | ReviewRated | ReviewSession:
    """Review the topics you have done, as each falls due, so that you keep what you learned.

    On a terminal, shows each topic due today (its summary, your notes, its references) and asks
    how well you recalled it: a key for again, hard, good or easy; q stops. Otherwise, or with
    --json, lists what is due and what comes next. Each rating sets the next review: sooner for
    again, later for easy. Example: llmcourse review tokenization --rate good
    """
    from llmcourse import review as reviews
    from llmcourse.errors import BadValueError

    run = session(ctx)
    catalog = run.course()
    node = catalog.resolve(id_) if id_ is not None else None
    if rate is not None:
        if node is None:
            raise BadValueError(
                "--rate needs the id of the topic to rate",
                "For example: llmcourse review tokenization --rate good",
            )
        rating = rate.value
        rated = run.change(
            lambda p: reviews.rate(
                catalog, p.data, node, rating, run.now(), early=early, fuzz=run.fuzz
            )
        )
        return ReviewRated(catalog, rated, run.program)
    progress = run.progress().data
    now = run.now()
    due, upcoming = reviews.agenda(catalog, progress, now)
    if node is not None:  # only this topic: due (or asked for early), or coming up
        reviews.done_topic(progress, node)
        mine = [s for s in reviews.scheduled(catalog, progress) if s.node.id == node.id]
        due = [s for s in mine if early or reviews.is_due(s.schedule, now)]
        upcoming = [s for s in mine if s not in due]
    if as_json or not _on_terminal() or not due:  # nothing to ask about: what comes next
        standing = reviews.outlook(catalog, progress, now)
        return ReviewList(catalog, due, upcoming, standing, now, run.program, node)
    run.progress(to_change=True)  # a file this version cannot write: refused before a topic
    return _walk(run, catalog, due, early)


def _on_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _walk(run: "Session", catalog: "Catalog", due: "list[Scheduled]", early: bool) -> ReviewSession:
    """Each topic due in turn: shown, rated with a key, its next review said. Each rating is a
    change of its own, recorded as it is given, so stopping keeps what was rated."""
    from llmcourse import output
    from llmcourse import review as reviews
    from llmcourse.keys import Keys

    rated: list[Rated] = []
    stopped = False
    with Keys() as keys:
        for number, item in enumerate(due, start=1):
            progress = run.progress().data
            schedule = reviews.still_due(progress, item.node, run.now(), early=early)
            if schedule is None:  # rated, reset or skipped by another command since
                continue
            card = ReviewCard(catalog, progress, item.node, schedule, number, len(due))
            output.emit(card, _taken(run), False)
            rating = keys.ask(RATING_PROMPT, KEYS, STOP)
            if rating is None:
                stopped = True
                break
            rated.append(run.change(_rating(catalog, item.node, rating, run, early)))
            output.emit(ReviewRated(catalog, rated[-1], run.program, True), _taken(run), False)
    now = run.now()
    standing = reviews.outlook(catalog, run.progress().data, now)
    return ReviewSession(catalog, rated, standing, stopped, now, run.program)


def _rating(
    catalog: "Catalog", node: "Node", rating: str, run: "Session", early: bool
) -> "Callable[[Progress], Update[Rated]]":
    """The change that records one rating."""
    from llmcourse import review as reviews

    def apply(progress: "Progress") -> "Update[Rated]":
        return reviews.rate(
            catalog, progress.data, node, rating, run.now(), early=early, fuzz=run.fuzz
        )

    return apply


def _taken(run: "Session") -> list[str]:
    """The notes gathered so far, to be shown now and not again."""
    notes = list(run.notices)
    run.notices.clear()
    return notes
