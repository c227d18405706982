"""Pure operations on progress: look up, mark, summarize. No printing, no files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from llmcourse.catalog import Catalog, Node
from llmcourse.errors import UnknownIdError, WrongKindError
from llmcourse.models import CourseInfo, Roadmap, Section
from llmcourse.progressfile import STATUSES, Entry, Event, Note, ProgressFile, Status


class Count(NamedTuple):
    """How many of some items are done, in progress and skipped, of how many in all."""

    done: int
    total: int
    in_progress: int = 0
    skipped: int = 0

    @property
    def counted(self) -> int:
        """The items that count: skipped ones leave the denominator."""
        return self.total - self.skipped

    @property
    def percent(self) -> float:
        if not self.counted:  # all skipped: nothing left, which is all there is to do
            return 100.0 if self.complete else 0.0
        return 100.0 * self.done / self.counted

    @property
    def complete(self) -> bool:
        """Nothing left to do: every item done or skipped (and some there were)."""
        return self.total > 0 and self.done + self.skipped == self.total

    @property
    def started(self) -> bool:
        """Some of it done or in progress (skipping is not starting)."""
        return bool(self.done or self.in_progress)


class SectionSummary(NamedTuple):
    node: Node
    section: Section
    topics: Count
    references: Count


class RoadmapSummary(NamedTuple):
    node: Node
    roadmap: Roadmap
    topics: Count
    references: Count
    sections: list[SectionSummary]


class CourseSummary(NamedTuple):
    course: CourseInfo
    topics: Count
    references: Count
    roadmaps: list[RoadmapSummary]
    unknown_entries: list[str]
    only: bool = False
    left_out: tuple[RoadmapSummary, ...] = ()  # optional roadmaps not started: not counted


class Change(NamedTuple):
    node: Node
    old: Status
    new: Status


class MarkResult(NamedTuple):
    status: Status
    changed: list[Change]
    unchanged: list[Node]
    sections: list[SectionSummary]


def status_of(progress: ProgressFile, node_id: str) -> Status:
    entry = progress.entries.get(node_id)
    return entry.status if entry is not None else "not-started"


def _count(progress: ProgressFile, nodes: list[Node]) -> Count:
    statuses = [status_of(progress, node.id) for node in nodes]
    return Count(
        statuses.count("done"),
        len(nodes),
        statuses.count("in-progress"),
        statuses.count("skipped"),
    )


def summarize_section(
    catalog: Catalog, progress: ProgressFile, roadmap: Roadmap, section: Section
) -> SectionSummary:
    return SectionSummary(
        node=catalog.nodes[f"{roadmap.id}/{section.id}"],
        section=section,
        topics=_count(progress, catalog.section_topics(roadmap, section)),
        references=_count(progress, catalog.section_references(roadmap, section)),
    )


def summarize_roadmap(catalog: Catalog, progress: ProgressFile, roadmap: Roadmap) -> RoadmapSummary:
    sections = [summarize_section(catalog, progress, roadmap, s) for s in roadmap.sections]
    return RoadmapSummary(
        node=catalog.nodes[roadmap.id],
        roadmap=roadmap,
        topics=_add(s.topics for s in sections),
        references=_add(s.references for s in sections),
        sections=sections,
    )


def summarize(
    catalog: Catalog, progress: ProgressFile, only: Roadmap | None = None
) -> CourseSummary:
    """Counts for the course (or one roadmap of it); entries for unknown ids count nowhere."""
    roadmaps = [
        summarize_roadmap(catalog, progress, roadmap)
        for roadmap in catalog.roadmaps
        if only is None or roadmap.id == only.id
    ]
    # An optional roadmap the learner has not started is shown, but not counted: it must not
    # make the overall figure look lower than the work the learner chose.
    counted = [
        r for r in roadmaps if only is not None or not r.roadmap.optional or r.topics.started
    ]
    return CourseSummary(
        course=catalog.course,
        topics=_add(r.topics for r in counted),
        references=_add(r.references for r in counted),
        roadmaps=roadmaps,
        unknown_entries=unknown_entries(catalog, progress),
        only=only is not None,
        left_out=tuple(r for r in roadmaps if r not in counted),
    )


def unknown_entries(catalog: Catalog, progress: ProgressFile) -> list[str]:
    """Ids in the progress file that name no topic or reference of the loaded course."""
    return [
        entry_id
        for entry_id in progress.entries
        if (node := catalog.nodes.get(entry_id)) is None or node.kind not in ("topic", "reference")
    ]


def _add(counts: Iterable[Count]) -> Count:
    done = total = in_progress = skipped = 0
    for count in counts:
        done += count.done
        total += count.total
        in_progress += count.in_progress
        skipped += count.skipped
    return Count(done, total, in_progress, skipped)


def targets(catalog: Catalog, nodes: list[Node]) -> list[Node]:
    """The topics and references that marking these nodes touches, each once, in given order."""
    seen: dict[str, Node] = {}
    for node in nodes:
        for target in catalog.items(node):
            seen.setdefault(target.id, target)
    return list(seen.values())


def mark(
    catalog: Catalog,
    progress: ProgressFile,
    nodes: list[Node],
    status: Status,
    now: datetime,
) -> tuple[ProgressFile, MarkResult]:
    """Set the status of these nodes (a section or roadmap stands for its topics)."""
    updated = progress.copy()
    changed: list[Change] = []
    unchanged: list[Node] = []
    touched: dict[str, tuple[Roadmap, Section]] = {}
    for target in targets(catalog, nodes):
        old = status_of(updated, target.id)
        if old == status:
            unchanged.append(target)
        else:
            _set(updated, target.id, status, now)
            changed.append(Change(target, old, status))
        assert target.section is not None
        section_id = f"{target.roadmap.id}/{target.section.id}"
        touched.setdefault(section_id, (target.roadmap, target.section))
    sections = [
        summarize_section(catalog, updated, roadmap, section)
        for roadmap, section in touched.values()
    ]
    return updated, MarkResult(status, changed, unchanged, sections)


def events(changes: list[Change], revision: int, now: datetime, command: str) -> list[Event]:
    """The history lines of one change, numbered `revision`."""
    return [Event(revision, now, command, c.node.id, c.old, c.new) for c in changes]


class CarriedOver(NamedTuple):
    former_id: str
    node: Node


def carry_over(catalog: Catalog, progress: ProgressFile) -> tuple[ProgressFile, list[CarriedOver]]:
    """Move entries kept under a former id to the id the course uses now.

    An entry moves only where the current id has none; when several former ids lead to one
    item (a merge), a done one moves first, then the most recently changed. What stays is
    kept, counted nowhere.
    """
    claims: dict[str, list[str]] = {}
    for entry_id in progress.entries:
        current = catalog.former.get(entry_id)
        if current is not None and current not in progress.entries:
            claims.setdefault(current, []).append(entry_id)
    moved_notes = [
        key for key in progress.notes if key not in catalog.nodes and key in catalog.former
    ]
    if not claims and not moved_notes:
        return progress, []
    updated = progress.copy()
    for key in moved_notes:  # notes follow their item, all of them, in time order
        current = catalog.former[key]
        updated.notes[current] = sorted(
            updated.notes.get(current, []) + updated.notes.pop(key), key=lambda n: n.time
        )
    moved: list[CarriedOver] = []
    for current, formers in claims.items():
        latest = max(
            formers,
            key=lambda former: (
                updated.entries[former].status == "done",
                updated.entries[former].changed,
            ),
        )
        updated.entries[current] = updated.entries.pop(latest)
        moved.append(CarriedOver(latest, catalog.nodes[current]))
    return updated, moved


class Reverted(NamedTuple):
    """One status set back by `undo`: `id` goes from `old` to `new`, reverting change `undoes`.

    With a `reason`, the item was left as it is (`old` is `new`), and the reason says why.
    """

    id: str
    node: Node | None
    old: str
    new: str
    undoes: int
    reason: str | None = None


class UndoResult(NamedTuple):
    undone: list[Event]  # the first event of each change reverted
    # Every item of those changes: set back, or (with a reason) left as it is, because it has
    # changed since in a way the history does not show.
    reverted: list[Reverted]
    available: int  # how many changes there were to undo

    @property
    def changed(self) -> list[Reverted]:
        return [item for item in self.reverted if item.reason is None]

    @property
    def skipped(self) -> list[Reverted]:
        return [item for item in self.reverted if item.reason is not None]


def undoable(history: list[Event]) -> list[list[Event]]:
    """The changes `undo` can revert, newest first: not undos, and not undone already."""
    own = [event for event in history if not event.imported]
    undone = {event.undoes for event in own if event.undoes is not None}
    batches: dict[int, list[Event]] = {}
    for event in own:
        batches.setdefault(event.rev, []).append(event)
    return [
        batch
        for rev, batch in sorted(batches.items(), reverse=True)
        if rev not in undone and all(event.undoes is None for event in batch)
    ]


def undo(
    catalog: Catalog, progress: ProgressFile, history: list[Event], count: int, now: datetime
) -> tuple[ProgressFile, UndoResult]:
    """Revert the last `count` changes, newest first; one command's change counts as one."""
    updated = progress.copy()
    batches = undoable(history)
    result = UndoResult([], [], len(batches))
    for batch in batches[:count]:
        rev = batch[0].rev
        result.undone.append(batch[0])
        for event in reversed(batch):
            entry_id = event.id if event.id in updated.entries else catalog.former.get(event.id)
            entry_id = entry_id or event.id
            node = catalog.nodes.get(entry_id)
            current = status_of(updated, entry_id)
            if event.old not in STATUSES:
                reason = f"its earlier status '{event.old}' is unknown to this llmcourse"
            elif current != event.new:
                reason = f"it is '{current}' now, not '{event.new}'"
            else:
                _set(updated, entry_id, event.old, now)
                result.reverted.append(Reverted(entry_id, node, current, event.old, rev))
                continue
            # Recorded all the same (as a change to the same status), so that the change
            # counts as undone and the next undo goes further back.
            result.reverted.append(Reverted(entry_id, node, current, current, rev, reason))
    return updated, result


def undo_events(result: UndoResult, revision: int, now: datetime) -> list[Event]:
    return [
        Event(revision, now, "undo", r.id, r.old, r.new, undoes=r.undoes) for r in result.reverted
    ]


def _set(progress: ProgressFile, entry_id: str, status: Status, now: datetime) -> None:
    previous = progress.entries.get(entry_id)
    if previous is None:
        progress.entries[entry_id] = Entry(status=status, changed=now)
    else:
        progress.entries[entry_id] = previous.with_status(status, now)


def history_prefix(catalog: Catalog, raw: str, history: list[Event]) -> str:
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


def history_page(
    catalog: Catalog,
    history: list[Event],
    prefix: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> LogPage:
    """The events `log` shows, newest first: under `prefix`, from `since`, before `until`."""
    matching = [
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
    undone_by = {
        event.undoes: event.rev
        for event in history
        if event.undoes is not None and not event.imported
    }
    return LogPage(matching[:limit] if limit else matching, len(matching), undone_by)


class MergeResult(NamedTuple):
    """What importing another machine's state changes here."""

    changed: list[Change]  # statuses that change: the newer entry came from the import
    updated: list[str]  # entries that change otherwise (a later time, keys they lacked)
    foreign: list[Event]  # events of the other history that this one lacks, oldest first
    adopted: bool  # nothing was here: the import's progress and history are taken whole
    notes_added: int = 0  # the other machine's notes this progress lacked


def merge(
    catalog: Catalog,
    progress: ProgressFile,
    history: list[Event],
    entries: dict[str, Entry],
    extra: dict[str, Any],
    events: list[Event],
    notes: dict[str, list[Note]] | None = None,
) -> tuple[ProgressFile, MergeResult]:
    """Merge another machine's entries and history into these: per item, the newer wins.

    Nothing is dropped: an entry kept here still gains the keys only the other one has, and
    events this history lacks are kept as imported records. Merging twice changes nothing.
    """
    updated = progress.copy()
    if not progress.entries and not history:
        updated.entries = {
            key: entry.with_status(entry.status, entry.changed) for key, entry in entries.items()
        }
        updated.extra = {**extra, **updated.extra}
        shown = [
            Change(catalog.nodes[key], "not-started", entry.status)
            for key, entry in entries.items()
            if key in catalog.nodes and entry.status != "not-started"
        ]
        added = merge_notes(updated.notes, notes or {})
        result = MergeResult(shown, sorted(entries), list(events), True, added)
        return updated, result
    changed: list[Change] = []
    touched: list[str] = []
    # Entries the other machine keeps under a former id are for the item's id here, as
    # carry_over would move them there.
    incoming: dict[str, Entry] = {}
    for entry_id, theirs in entries.items():
        target = entry_id if entry_id in catalog.nodes else catalog.former.get(entry_id, entry_id)
        if target not in incoming or _wins(theirs, incoming[target]):
            incoming[target] = theirs
    for entry_id, theirs in incoming.items():
        ours = updated.entries.get(entry_id)
        if ours is None or _wins(theirs, ours):
            merged = Entry(
                theirs.status, theirs.changed, {**(ours.extra if ours else {}), **theirs.extra}
            )
        else:
            merged = Entry(ours.status, ours.changed, {**theirs.extra, **ours.extra})
        if ours is not None and merged == ours:
            continue
        updated.entries[entry_id] = merged
        old = ours.status if ours is not None else "not-started"
        node = catalog.nodes.get(entry_id)
        if merged.status != old and node is not None:
            changed.append(Change(node, old, merged.status))
        else:
            touched.append(entry_id)
    for key, value in extra.items():
        updated.extra.setdefault(key, value)
    known = {event.key() for event in history}
    foreign = [event for event in events if event.key() not in known]
    added = merge_notes(updated.notes, notes or {})
    return updated, MergeResult(changed, touched, foreign, False, added)


# Which of two entries changed at the same moment wins, so that two machines that import each
# other's state always end up agreeing.
_RANK = {"not-started": 0, "skipped": 1, "in-progress": 2, "done": 3}


def _wins(theirs: Entry, ours: Entry) -> bool:
    """Whether the other machine's entry is the newer one (ties go to the further status)."""
    return (theirs.changed, _RANK.get(theirs.status, -1)) > (
        ours.changed,
        _RANK.get(ours.status, -1),
    )


def merge_events(result: MergeResult, revision: int, now: datetime) -> list[Event]:
    """The history lines of an import: the other history's missing events, then its changes."""
    records = [event._replace(rev=revision, imported=True) for event in result.foreign]
    return records + events(result.changed, revision, now, "import")


class Hit(NamedTuple):
    """A node that matches a search: the best field it matched in, and how well."""

    node: Node
    field: str  # title, summary, author or link
    text: str  # that field's text
    score: int


# Where a word is found, and what that is worth: a title match outranks everything else.
_FIELD_WEIGHTS = {"title": 8, "author": 4, "link": 3, "summary": 1}


def _fields(node: Node) -> list[tuple[str, str]]:
    fields = [("title", node.title)]
    item = node.item if node.item is not None else node.section
    summary = getattr(item if item is not None else node.roadmap, "summary", "")
    if summary:
        fields.append(("summary", summary))
    author = getattr(node.item, "author", None)
    if author:
        fields.append(("author", author))
    fields.extend(("link", link.text) for link in getattr(node.item, "links", ()))
    return fields


def search(catalog: Catalog, query: str) -> list[Hit]:
    """Every node whose fields hold all the words of `query` (any case), best first.

    A node scores each word by the best field it is in; ties keep the course's order.
    """
    words = fold(query).split()
    if not words:
        return []
    hits: list[tuple[int, int, Hit]] = []
    for position, node in enumerate(catalog.nodes.values()):
        fields = [(name, text, fold(text)) for name, text in _fields(node)]
        score = 0
        for word in words:
            found = [_FIELD_WEIGHTS[name] for name, _, folded in fields if word in folded]
            if not found:
                break
            score += max(found)
        else:
            name, text, _ = max(
                fields,
                key=lambda field: (
                    sum(word in field[2] for word in words),
                    _FIELD_WEIGHTS[field[0]],
                ),
            )
            titled = any(word in fields[0][2] for word in words)
            hits.append((-score - (1000 if titled else 0), position, Hit(node, name, text, score)))
    # A title hit comes before any other; then the better score; then the course's order.
    return [hit for _, _, hit in sorted(hits, key=lambda item: (item[0], item[1]))]


def fold(text: str) -> str:
    """Text as search compares it: one Unicode form (Schütze typed either way), any case."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).casefold()


def reference_to_open(
    catalog: Catalog, node: Node, progress: ProgressFile | None, number: int | None
) -> Node:
    """The reference `open` opens: the node itself, its section's Nth, or its first unread."""
    if node.kind == "reference":
        if number is not None:
            raise WrongKindError(
                f"'{node.id}' is a reference itself; --ref picks among a section's references",
                "Leave --ref out",
            )
        return node
    if node.section is None:
        raise WrongKindError(
            f"'{node.id}' is a roadmap; open a section, a topic or a reference",
            f"Try 'llmcourse show {node.id}' for its sections",
        )
    references = catalog.section_references(node.roadmap, node.section)
    if not references:
        raise WrongKindError(f"the section '{node.roadmap.id}/{node.section.id}' has no references")
    if number is not None:
        if number > len(references):
            raise WrongKindError(
                f"the section '{node.roadmap.id}/{node.section.id}' has {len(references)} "
                f"reference{'s' if len(references) != 1 else ''}, not {number}",
                f"Use a number from 1 to {len(references)}",
            )
        return references[number - 1]
    unread = [
        r
        for r in references
        if progress is None or status_of(progress, r.id) not in ("done", "skipped")
    ]
    return (unread or references)[0]


class NextUp(NamedTuple):
    """What to study now: a topic, why it was chosen, and its section's references not read."""

    topic: Node
    reason: str  # "in-progress" or "not-started"
    unread: list[Node]


def next_topic(
    catalog: Catalog, progress: ProgressFile, only: Roadmap | None = None
) -> NextUp | None:
    """The topic to study now, in the course's order: one in progress, else the first not
    started (an optional roadmap only once the learner has started it). None when none is left.
    """
    roadmaps = [only] if only is not None else list(catalog.roadmaps)
    candidates: list[Node] = []
    for roadmap in roadmaps:
        topics = [
            node
            for section in roadmap.sections
            for node in catalog.section_topics(roadmap, section)
        ]
        if only is None and roadmap.optional and not _count(progress, topics).started:
            continue
        candidates.extend(topics)
    chosen = next((n for n in candidates if status_of(progress, n.id) == "in-progress"), None)
    reason = "in-progress"
    if chosen is None:
        chosen = next((n for n in candidates if status_of(progress, n.id) == "not-started"), None)
        reason = "not-started"
    if chosen is None:
        return None
    assert chosen.section is not None
    unread = [
        r
        for r in catalog.section_references(chosen.roadmap, chosen.section)
        if status_of(progress, r.id) not in ("done", "skipped")
    ]
    return NextUp(chosen, reason, unread)


def add_note(progress: ProgressFile, node: Node, text: str, now: datetime) -> ProgressFile:
    """The progress with a note added to a node (a topic, section or reference)."""
    updated = progress.copy()
    updated.notes[node.id] = [*updated.notes.get(node.id, []), Note(text, now)]
    return updated


def replace_notes(
    progress: ProgressFile, node: Node, texts: list[str], now: datetime
) -> ProgressFile:
    """The progress with a node's notes replaced by these texts, as an editor left them.

    A text that was there already keeps its time; a new one is dated now.
    """
    updated = progress.copy()
    times = {note.text: note.time for note in progress.notes.get(node.id, [])}
    notes = [Note(text, times.get(text, now)) for text in texts if text.strip()]
    if notes:
        updated.notes[node.id] = notes
    else:
        updated.notes.pop(node.id, None)
    return updated


def merge_notes(ours: dict[str, list[Note]], theirs: dict[str, list[Note]]) -> int:
    """Add the other machine's notes to ours, each once (by its time and text); how many."""
    added = 0
    for key, notes in theirs.items():
        present = {(note.time, note.text) for note in ours.get(key, [])}
        new = [note for note in notes if (note.time, note.text) not in present]
        if new:
            ours[key] = sorted([*ours.get(key, []), *new], key=lambda n: n.time)
            added += len(new)
    return added


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
    done: list[Event] = []
    for event in reversed(history):
        if event.new != "done" or event.undoes is not None or event.rev in undone:
            continue
        if any(seen.id == event.id for seen in done):
            continue
        if progress is not None and status_of(progress, event.id) != "done":
            continue
        done.append(event)
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
    return Momentum(done[:recent], streak, longest, days)
