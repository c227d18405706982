"""The plain view: what the commands that change files print, as styled lines, without rich.

`done`, `undo`, `import`, `sync`, `validate`, `open`, `export`, `help` and `--version` print a few
short lines (or text as it is); importing rich to style them would cost more than everything
else they do. `write` shows a result that
this view has a way for (see `output`).

Colour follows the rules rich follows elsewhere in llmcourse: off under `NO_COLOR` or
`TERM=dumb`, on under `FORCE_COLOR`, else on for a terminal. On Windows, whose console shows
escape sequences only when asked to, colour needs `FORCE_COLOR`.
Untrusted text goes through `escape_controls`, so no control character reaches the terminal.
A line longer than the terminal is wide is broken at spaces, its continuations indented to
where they read as part of it (`text.wrap`); in a pipe or a file each line is left whole.
"""

import functools
import os
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from llmcourse.catalog import Catalog, warnings
from llmcourse.models import is_web_url
from llmcourse.results import (
    Dashboard,
    Exported,
    HelpText,
    Imported,
    Marked,
    Opened,
    ReviewList,
    ReviewRated,
    ReviewSession,
    Synced,
    Undone,
    Validated,
    Version,
    Written,
)
from llmcourse.text import (
    PROSE,
    batched,
    columns,
    escape_controls,
    visible_width,
    wrap,
    wrap_markdown,
)
from llmcourse.wording import (
    SYMBOLS,
    counts,
    filled,
    glyphs,
    local_time,
    status_word,
    typed_id,
    when_due,
)

if TYPE_CHECKING:
    from datetime import datetime

    from llmcourse.exchange import MergeResult
    from llmcourse.review import Outlook, Scheduled
    from llmcourse.tracker import StatusChange

_CODES = {
    "bold": "1",
    "dim": "2",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def colour_wanted(stream: TextIO) -> bool:
    """Whether to colour, decided as rich decides it for the table views."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    if sys.platform == "win32" and os.environ.get("FORCE_COLOR", "") == "":
        return False
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Lines:
    """Writes lines to a stream, styled when colour is wanted, fitted to its width."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.colour = colour_wanted(self.stream)
        self.width = columns(self.stream)
        encoding = (getattr(self.stream, "encoding", None) or "utf-8").lower()
        self.glyphs = glyphs(encoding)
        self.written: list[str] = []  # what `send` writes

    def style(self, text: str, *styles: str) -> str:
        if not self.colour or not styles or not text:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"

    def safe(self, text: str, *styles: str) -> str:
        """Untrusted text, shown literally."""
        return self.style(escape_controls(text), *styles)

    def symbol(self, status: str) -> str:
        style = SYMBOLS[status][2] if status in SYMBOLS else ""
        return self.style(self.glyphs.marks.get(status, "?"), *((style,) if style else ()))

    def arrow(self) -> str:
        return self.glyphs.arrow

    def dot(self) -> str:
        return self.glyphs.dot

    def ident(self, node_id: str, catalog: Catalog | None, room: int) -> str:
        """A node's full id; its short form (which is typed back as well) where the full one
        would not fit in `room` cells less than the line, so that no id is broken."""
        if self.width is None or catalog is None or len(node_id) <= self.width - room:
            return node_id
        node = catalog.nodes.get(node_id)
        return catalog.short_id(node) if node is not None else node_id

    def print(self, *parts: str, indent: int = 2) -> None:
        """One line of the parts, broken at spaces to fit, continuations `indent` cells in."""
        self.written.append(wrap("".join(parts), self.width, indent) + "\n")

    def write(self, text: str) -> None:
        """Text as it is (a document, an export)."""
        self.written.append(text)

    def send(self) -> None:
        """Everything printed, in one write: a reader that stops at the first line it wants
        (`grep -q`) then meets a finished writer, not one with lines still to come (which would
        end with a broken pipe), however the stream is buffered."""
        self.stream.write("".join(self.written))
        self.written.clear()

    def send_pieces(self, pieces: Iterator[str]) -> None:
        """Everything printed, then a document as it is made, in writes of about a megabyte:
        one that is smaller is still written at once (see `send`), and one that is larger is
        never held whole."""
        self.send()
        for batch in batched(pieces):
            self.stream.write(batch)


def notice(message: str) -> None:
    """A note for the learner that is not the command's output, on standard error."""
    from llmcourse.output import say

    say(f"note: {escape_controls(message)}\n")


@functools.singledispatch
def write(result: object, out: Lines) -> None:
    """Show a result as plain lines; `writes` says which results this view has a way for."""
    raise TypeError(f"no plain view for {type(result).__name__}")


def writes(result: object) -> bool:
    return write.dispatch(type(result)) is not write.dispatch(object)


# What a command did, in the words of each kind of item: topics are done, references read.
VERBS = {
    "topic": {
        "done": "done",
        "not-started": "reset",
        "in-progress": "started",
        "skipped": "skipped",
    },
    "reference": {
        "done": "read",
        "not-started": "reset",
        "in-progress": "reading",
        "skipped": "skipped",
    },
    "notebook": {
        "done": "run",
        "not-started": "reset",
        "in-progress": "started",
        "skipped": "skipped",
    },
}
UNDO_VERBS = {"topic": "undone", "reference": "unread", "notebook": "not run"}  # `done --undo`
UNDONE_WORDS = {"topic": "not done", "reference": "not read", "notebook": "not run"}

# Where a `done` line's continuations start: under the id, after the status column.
_STATUS_COLUMN = 10


@write.register
def marked(marked: Marked, out: Lines) -> None:
    result, undo = marked.result, marked.undo
    for change in result.changed:
        verb = _verb(result.status, change.node.kind, undo)
        out.print(
            out.symbol(change.new),
            " ",
            out.style(f"{verb:<8}", SYMBOLS[result.status][2]),
            out.safe(out.ident(change.node.id, marked.catalog, _STATUS_COLUMN), "cyan"),
            "  ",
            out.safe(change.node.title),
            indent=_STATUS_COLUMN,
        )
    for change in result.changed:
        if change.node.kind == "roadmap" and change.new == "in-progress":
            out.print(
                out.safe(change.node.title),
                " counts in your progress from now on; its topics are left as they are.",
            )
    if not result.changed and not result.unchanged:
        out.print(out.style("Nothing to start there: every topic is done or skipped.", "dim"))
    if result.unchanged:
        count = len(result.unchanged)
        words = dict.fromkeys(
            UNDONE_WORDS.get(node.kind, "not done")
            if undo
            else status_word(result.status, node.kind)
            for node in result.unchanged
        )
        out.print(
            out.style(
                f"{count} already {' or '.join(words)}, "
                f"left as {'it was' if count == 1 else 'they were'}",
                "dim",
            )
        )
    for section in result.sections:
        topics = section.topics
        complete = topics.complete and topics.done > 0  # all skipped: the counts say so
        out.print(
            out.safe(section.section.title, "bold"),
            ": " + counts(topics, section.references, out.dot(), section.notebooks),
            out.style(f" {out.dot()} section complete", "green") if complete else "",
        )


def _verb(status: str, kind: str, undo: bool) -> str:
    if undo:
        return UNDO_VERBS.get(kind, "undone")
    return VERBS.get(kind, VERBS["topic"])[status]


@write.register
def dashboard(board: Dashboard, out: Lines) -> None:
    """The first screen: a few lines, each saying one thing, and the commands to go on with."""
    catalog, summary, up = board.catalog, board.summary, board.up
    topics, dot = summary.topics, out.dot()
    out.print(
        out.safe(summary.course.title, "bold"),
        f": {topics.done} of {topics.counted} topics done",
        out.style(f" ({topics.percent:.0f}%)", "bold"),
        f" {dot} {summary.references.done} of {summary.references.counted} references read",
        f" {dot} {summary.notebooks.done} of {summary.notebooks.counted} notebooks run"
        if summary.notebooks.total
        else "",
    )
    roadmap = board.roadmap
    if roadmap is not None:
        count = roadmap.topics
        now = f"Now: {out.safe(roadmap.roadmap.title)}  {count.done}/{count.counted}"
        done = filled(count, 10)
        drawn = out.style(out.glyphs.bar_done * done, "green") + out.style(
            out.glyphs.bar_left * (10 - done), "dim"
        )
        with_bar = f"{now} {drawn} {count.percent:.0f}%"
        fits = out.width is None or visible_width(with_bar) <= out.width
        out.print(with_bar if fits else f"{now} ({count.percent:.0f}%)")  # the bar goes first
    program = board.program
    if board.reviews is not None and board.reviews.scheduled:
        _reviews_line(board.reviews, program, out)
    if up is None and topics.counted:
        out.print(out.style("Nothing left: every topic is done or skipped. Well done!", "green"))
    elif up is not None:
        node = up.topic
        room = None if out.width is None else out.width - len(f"  {program} start ")
        ident = typed_id(catalog.short_id(node), node.number, room)
        lead = "Carry on with: " if up.reason == "in-progress" else "Next: "
        out.print(out.style(lead, "bold"), out.safe(node.title), "  ", out.safe(ident, "cyan"))
        # Each command on a line of its own, to be copied whole.
        if up.reason == "in-progress":
            out.print(out.style("Once you have studied it:", "dim"))
        else:
            out.print(out.style("As you begin it, and once you have studied it:", "dim"))
            out.print("  ", out.safe(f"{program} start {ident}"))
        out.print("  ", out.safe(f"{program} done {ident}"))
    for left_out in summary.left_out:  # optional roadmaps: every one not counted yet
        out.print(
            out.safe(left_out.roadmap.title), " is optional and not counted yet; to count it:"
        )
        out.print("  ", out.safe(f"{program} start {left_out.roadmap.id}"))
    if board.streak:
        out.print(f"Streak: {board.streak} day{'s' if board.streak != 1 else ''} in a row")
    out.print(
        out.style(
            f"More: {program} progress {dot} {program} next {dot} llmcourse help",
            "dim",
        )
    )


@write.register
def undone(undone: Undone, out: Lines) -> None:
    result = undone.result
    if not result.undone:
        nothing = (
            "Nothing to redo: no undo is recorded since your last other change."
            if undone.redo
            else "Nothing to undo: no change is recorded that has not been undone."
        )
        out.print(out.style(nothing, "dim"))
        return
    for batch in result.undone:
        items = [r for r in result.reverted if r.undoes == batch.rev]
        undid = any(item.reason is None for item in items)
        if undone.redo:  # `batch` is the undo taken back (which may have reverted several)
            heading = f"{'Redid' if undid else 'Could not redo'} what undo #{batch.rev} reverted "
            about = f"({local_time(batch.time)})"
        else:
            heading = f"{'Undid' if undid else 'Could not undo'} change #{batch.rev} "
            about = f"({batch.command}, {local_time(batch.time)})"
        out.print(
            out.style(heading, *(("bold",) if undid else ("bold", "yellow"))),
            out.safe(about, "dim"),
        )
        for item in items:
            kind = item.node.kind if item.node is not None else "topic"
            if item.reason is None and item.old == item.new:  # a review, its status kept
                words = f"review ({item.rating}) " if item.rating else "review schedule "
                change = out.style(words + ("restored" if undone.redo else "taken back"), "yellow")
            elif item.reason is None:
                change = out.safe(
                    f"{status_word(item.old, kind)} {out.arrow()} {status_word(item.new, kind)}",
                    "yellow",
                )
            else:
                change = out.style("left as it is", "yellow")
            out.print(
                "  ",
                change,
                "  ",
                out.safe(out.ident(item.id, undone.catalog, 4), "cyan"),
                "  " + out.safe(item.node.title) if item.node is not None else "",
                out.safe(f": {item.reason}", "dim") if item.reason is not None else "",
                indent=4,  # under the item, not its heading
            )


@write.register
def validated(validated: Validated, out: Lines) -> None:
    path, course, problems = validated.path, validated.course, validated.problems
    if problems:
        count = len(problems)
        out.print(
            out.safe(str(path), "bold"),
            out.style(f": {count} problem{'s' if count > 1 else ''}", "yellow"),
        )
        for where, message in problems:
            out.print(
                "  ", out.safe(where, "cyan") + ": " if where else "", out.safe(message), indent=4
            )
        return
    assert course is not None
    kinds = [node.kind for node in course.nodes.values()]
    sizes = ", ".join(
        f"{kinds.count(kind)} {kind}{'s' if kinds.count(kind) != 1 else ''}"
        for kind in ("roadmap", "section", "topic", "reference", "notebook")
        if kind != "notebook" or kind in kinds
    )
    out.print(
        out.safe(str(path), "bold"),
        out.style(" is a valid roadmap file", "green"),
        ": course ",
        out.safe(course.course.id, "cyan"),
        f", {sizes}",
    )
    for warning in warnings(course):
        out.print(out.style("note: ", "yellow"), out.safe(warning))


@write.register
def imported(imported: Imported, out: Lines) -> None:
    result, path, dry_run = imported.result, imported.path, imported.dry_run
    if not result.changes_anything:
        out.print(
            out.style("Nothing to import: ", "dim"),
            out.safe(str(path)),
            out.style(" holds nothing your progress lacks.", "dim"),
        )
        return
    if result.adopted:
        out.print(
            f"{'Would take' if dry_run else 'Took'} the progress and history in ",
            out.safe(str(path), "bold"),
            f" as they are: {_many(len(result.updated), 'entry', 'entries')}, "
            f"{_many(len(result.foreign), 'event', 'events')}{_schedules(result)}.",
        )
        return
    for change in result.changed:
        _status_change(change, imported.catalog, out)
    changed, updated, added, taken = (
        ("would change", "would be updated", "would be added", "would be taken")
        if dry_run
        else ("changed", "updated", "added", "taken")
    )
    plural = len(result.changed) != 1
    summary = (
        f"{len(result.changed)} status{'es' if plural else ''} {changed}, "
        f"{len(result.updated)} other entr{'ies' if len(result.updated) != 1 else 'y'} {updated}, "
        f"{len(result.foreign)} event{'s' if len(result.foreign) != 1 else ''} of the other "
        f"history {added}, {_many(result.notes_added, 'note', 'notes')} {added}"
    )
    if result.reviews_taken:
        summary += f", {_many(len(result.reviews_taken), *_SCHEDULES)} {taken}"
    if result.keys_kept:
        summary += f", {_many(len(result.keys_kept), 'unknown key', 'unknown keys')} kept"
    out.print(out.style(("Dry run, nothing was changed: " if dry_run else "") + summary, "dim"))


def _status_change(change: "StatusChange", catalog: Catalog | None, out: Lines) -> None:
    """One status another machine's progress changed: symbol, from and to, id, title."""
    kind = change.node.kind
    out.print(
        out.symbol(change.new),
        " ",
        out.style(
            f"{status_word(change.old, kind)} {out.arrow()} {status_word(change.new, kind)}",
            "yellow",
        ),
        "  ",
        out.safe(out.ident(change.node.id, catalog, 4), "cyan"),
        "  ",
        out.safe(change.node.title),
        indent=4,  # past the symbol, under the words of the change
    )


@write.register
def synced(synced: Synced, out: Lines) -> None:
    if not synced.incoming:
        out.print(
            out.style("No other machine's file in ", "dim"),
            out.safe(str(synced.folder)),
            out.style(" yet: run 'llmcourse sync' there on your other machines.", "dim"),
        )
    for came in synced.incoming:
        result = came.result
        source = out.safe(came.machine, "bold")
        if not result.changes_anything:
            out.print(source, out.style(": nothing new", "dim"))
            continue
        if result.adopted:  # nothing was recorded here
            out.print(
                source,
                ": took its progress and history as they are: ",
                f"{_many(len(result.updated), 'entry', 'entries')}, "
                f"{_many(len(result.foreign), 'event', 'events')}, "
                f"{_many(result.notes_added, 'note', 'notes')}{_schedules(result)}",
            )
            continue
        parts = [
            _many(len(result.changed), "status", "statuses") + " changed",
            _many(len(result.foreign), "event", "events") + " added",
        ]
        if result.updated:
            parts.append(_many(len(result.updated), "other entry", "other entries") + " updated")
        if result.notes_added:
            parts.append(_many(result.notes_added, "note", "notes") + " added")
        if result.reviews_taken:
            parts.append(_many(len(result.reviews_taken), *_SCHEDULES) + " taken")
        if result.keys_kept:
            parts.append(_many(len(result.keys_kept), "unknown key", "unknown keys") + " kept")
        out.print(source, ": ", ", ".join(parts))
        for change in result.changed:
            _status_change(change, synced.catalog, out)
    if synced.written:
        out.print("Wrote ", out.safe(str(synced.path), "bold"))
    elif not any(skipped.path == synced.path for skipped in synced.skipped):
        out.print(out.safe(str(synced.path)), out.style(" is up to date", "dim"))


def _many(count: int, one: str, more: str) -> str:
    return f"{count} {one if count == 1 else more}"


_SCHEDULES = ("review schedule", "review schedules")


def _schedules(result: "MergeResult") -> str:
    """The review schedules a progress taken whole brought, after its other counts."""
    taken = len(result.reviews_taken)
    return f", {_many(taken, *_SCHEDULES)}" if taken else ""


@write.register
def opened(opened: Opened, out: Lines) -> None:
    if opened.opened is None:
        out.print(escape_controls(opened.url))
    elif opened.opened:
        from llmcourse.output import say

        say(f"opened {escape_controls(opened.title)}: {escape_controls(opened.url)}\n")
    else:
        notice("no browser could be started here; the address is on standard output")
        out.print(escape_controls(opened.url))


@write.register
def exported(exported: Exported, out: Lines) -> None:
    if isinstance(exported.text, str):
        out.write(exported.text)
        return
    out.send_pieces(exported.text)
    for message in exported.afterwards() if exported.afterwards is not None else []:
        notice(message)


@write.register
def written(written: Written, out: Lines) -> None:
    notice(f"written to {written.path}")


@write.register
def version(version: Version, out: Lines) -> None:
    out.print(f"llmcourse {version.program}")
    course = version.course  # a line each, to fit a narrow terminal
    line = out.safe(course.title)
    if course.revision:  # a commit is known by its first 12 hex digits; a name is kept whole
        commit = re.fullmatch(r"[0-9a-f]{40}", course.revision)
        line += f", revision {out.safe(course.revision[:12] if commit else course.revision)}"
    if course.revision_date:
        line += f" of {out.safe(course.revision_date)}"
    out.print(line)
    if is_web_url(course.url):  # else from a changed cache entry: not printed as an address
        out.print(out.safe(course.url))


@write.register
def help_text(help_text: HelpText, out: Lines) -> None:
    text = help_text.text.rstrip("\n")
    if help_text.markdown:  # at most as wide as prose is kept (help is formatted to fit)
        text = wrap_markdown(text, min(out.width, PROSE) if out.width else None)
    out.write(text + "\n")


def _reviews_line(reviews: "Outlook", program: str, out: Lines) -> None:
    """How many reviews are due today, and the command that takes them (the first screen)."""
    if reviews.due:
        due = _many(reviews.due, "topic", "topics")
        out.print(out.style("Review: ", "bold"), f"{due} due today, to keep what you learned:")
        out.print("  ", out.safe(f"{program} review"))
    elif reviews.next_due is not None:
        when = when_due(reviews.next_due, reviews.now)
        out.print(out.style(f"Review: none due today; the next is {when}", "dim"))


def _due_row(item: "Scheduled", catalog: Catalog, now: "datetime", out: Lines) -> None:
    """A topic with a schedule: the day it falls due, its id and its title, a line each in a pipe
    (the date first, so that a script can sort and cut)."""
    day = item.schedule.due.astimezone().date().isoformat()
    overdue = item.schedule.due.astimezone().date() < now.astimezone().date()
    ident = out.ident(item.node.id, catalog, 2 + len(day) + 2)
    out.print(
        "  ",
        out.style(day, *(("yellow",) if overdue else ("dim",))),
        "  ",
        out.safe(ident, "cyan"),
        "  ",
        out.safe(item.node.title),
        indent=4 + len(day),
    )


@write.register
def review_list(result: ReviewList, out: Lines) -> None:
    catalog, program, reviews = result.catalog, result.program, result.outlook
    now = result.now
    if result.only is not None:
        node = result.only
        found = result.due or result.upcoming
        if not found:  # a topic done has a schedule: this one came in since it was read
            out.print(out.safe(node.title), ": no review scheduled")
            return
        schedule = found[0].schedule
        out.print(
            out.safe(node.title, "bold"),
            "  ",
            out.safe(out.ident(node.id, catalog, len(node.title) + 2), "cyan"),
        )
        out.print(
            f"Next review {when_due(schedule.due, now)}; last reviewed "
            f"{local_time(schedule.last_review)}"
        )
        if result.due:
            out.print(out.style("Rate how well you recall it:", "dim"))
            out.print("  ", out.safe(f"{program} review {catalog.short_id(node)} --rate good"))
        return
    if not reviews.scheduled:
        out.print(
            "Nothing to review yet: each topic you mark done comes back for review a few days "
            "later, and again further apart each time you recall it."
        )
        return
    if result.due:
        count = _many(len(result.due), "topic is", "topics are")
        out.print(out.style(f"{count} due for review today:", "bold"))
        for item in result.due:
            _due_row(item, catalog, now, out)
    else:
        out.print("Nothing is due for review today.")
    if result.upcoming:
        out.print(out.style("Coming up:", "bold"))
        for item in result.upcoming:
            _due_row(item, catalog, now, out)
    if result.due:
        out.print(
            out.style(
                f"On a terminal, '{program} review' asks about each in turn. To rate one:", "dim"
            )
        )
        first = catalog.short_id(result.due[0].node)
        out.print("  ", out.safe(f"{program} review {first} --rate good"))


@write.register
def review_rated(result: ReviewRated, out: Lines) -> None:
    rated = result.rated
    now = rated.after.last_review
    dot = out.dot()
    out.print(
        out.style("Reviewed ", "bold"),
        out.safe(rated.node.title, "bold"),
        f" ({rated.rating}{', early' if rated.early else ''}) {dot} ",
        f"next review {when_due(rated.after.due, now)}",
    )
    left = rated.outlook.due
    if left and not result.in_session:
        out.print(
            out.style(f"{_many(left, 'more topic is', 'more topics are')} due today: ", "dim"),
            out.safe(f"{result.program} review"),
        )


@write.register
def review_session(result: ReviewSession, out: Lines) -> None:
    reviews = result.outlook
    if result.rated:
        out.print(out.style(f"Reviewed {_many(len(result.rated), 'topic', 'topics')}.", "bold"))
    if reviews.due:
        still = _many(reviews.due, "topic is", "topics are")
        out.print(f"{still} still due today: ", out.safe(f"{result.program} review"))
    elif reviews.next_due is not None:
        out.print(
            "Nothing else is due today; the next review is "
            f"{when_due(reviews.next_due, result.now)}."
        )
    elif not reviews.scheduled:
        out.print(
            "Nothing to review yet: each topic you mark done comes back for review a few days "
            "later, and again further apart each time you recall it."
        )
    else:
        out.print("Nothing is due for review today.")
