"""Pure operations on progress: count it, mark it, undo it, find what comes next.

Each takes the course, the progress and a time, and returns what changes; none prints or
touches a file. An operation that changes progress returns an `Update`, which the session
records as one change (see `session.Session.change`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from llmcourse.catalog import ITEM_KINDS, Catalog, Node
from llmcourse.errors import BadValueError, RoadmapFileError, WrongKindError
from llmcourse.models import CourseInfo, Notebook, Reference, Roadmap, Section, is_web_url
from llmcourse.progressfile import STATUSES, Entry, Event, ProgressFile, Schedule, Status

R = TypeVar("R")


class Update(NamedTuple, Generic[R]):
    """What an operation does to the progress: the progress to write (None when nothing
    changes), the history lines of the change, and what to tell the learner."""

    progress: ProgressFile | None
    events: list[Event]
    result: R


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
    def all_skipped(self) -> bool:
        """Some items, and every one skipped: nothing left to count, nor done."""
        return self.total > 0 and self.counted == 0

    @property
    def complete(self) -> bool:
        """Nothing left to do: every item done or skipped (and some there were)."""
        return self.total > 0 and self.done + self.skipped == self.total

    @property
    def started(self) -> bool:
        """Some of it done or in progress (skipping is not starting)."""
        return bool(self.done or self.in_progress)


NONE = Count(0, 0)


class SectionSummary(NamedTuple):
    node: Node
    section: Section
    topics: Count
    references: Count
    notebooks: Count = NONE  # those whose main topic is in the section (`section_notebooks`)


class RoadmapSummary(NamedTuple):
    node: Node
    roadmap: Roadmap
    topics: Count
    references: Count
    sections: list[SectionSummary]
    notebooks: Count = NONE


class CourseSummary(NamedTuple):
    course: CourseInfo
    topics: Count
    references: Count
    roadmaps: list[RoadmapSummary]
    unknown_entries: list[str]
    only: bool = False
    left_out: tuple[RoadmapSummary, ...] = ()  # optional roadmaps not started: not counted
    notebooks: Count = NONE  # counted where references are: in the roadmaps counted


class StatusChange(NamedTuple):
    """An item whose status changes from `old` to `new` (and a topic's review schedule that
    goes with it, when it leaves done)."""

    node: Node
    old: Status
    new: Status
    dropped: Schedule | None = None


class MarkResult(NamedTuple):
    status: Status
    changed: list[StatusChange]
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
        notebooks=_count(progress, catalog.section_notebooks(roadmap, section)),
    )


def summarize_roadmap(catalog: Catalog, progress: ProgressFile, roadmap: Roadmap) -> RoadmapSummary:
    sections = [summarize_section(catalog, progress, roadmap, s) for s in roadmap.sections]
    return RoadmapSummary(
        node=catalog.nodes[roadmap.id],
        roadmap=roadmap,
        topics=_add(s.topics for s in sections),
        references=_add(s.references for s in sections),
        sections=sections,
        notebooks=_add(s.notebooks for s in sections),
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
    counted = [r for r in roadmaps if only is not None or counts(progress, r.roadmap, r.topics)]
    return CourseSummary(
        course=catalog.course,
        topics=_add(r.topics for r in counted),
        references=_add(r.references for r in counted),
        roadmaps=roadmaps,
        unknown_entries=unknown_entries(catalog, progress),
        only=only is not None,
        left_out=tuple(r for r in roadmaps if r not in counted),
        notebooks=_add(r.notebooks for r in counted),
    )


def unknown_entries(catalog: Catalog, progress: ProgressFile) -> list[str]:
    """Ids in the progress file that name no topic, reference or notebook of the loaded course,
    nor an optional roadmap (which `start` records as started)."""
    return [entry_id for entry_id in progress.entries if not _has_entries(catalog, entry_id)]


def _has_entries(catalog: Catalog, entry_id: str) -> bool:
    node = catalog.nodes.get(entry_id)
    if node is None:
        return False
    return node.kind in ITEM_KINDS or (node.kind == "roadmap" and node.roadmap.optional)


def _add(counts: Iterable[Count]) -> Count:
    done = total = in_progress = skipped = 0
    for count in counts:
        done += count.done
        total += count.total
        in_progress += count.in_progress
        skipped += count.skipped
    return Count(done, total, in_progress, skipped)


def targets(catalog: Catalog, nodes: list[Node]) -> list[Node]:
    """The topics, references and notebooks that marking these nodes touches, each once, in
    given order."""
    seen: dict[str, Node] = {}
    for node in nodes:
        for target in catalog.items(node):
            seen.setdefault(target.id, target)
    return list(seen.values())


def to_start(catalog: Catalog, progress: ProgressFile, nodes: list[Node]) -> list[Node]:
    """What `start` marks in progress for these nodes. Starting a section (or a roadmap that
    is not optional) starts what to study first in it: its first topic not begun, unless one
    is in progress already (left as it is). Starting an optional roadmap starts the roadmap
    itself: it counts from now on, and its topics are left as they are."""
    chosen: list[Node] = []
    for node in nodes:
        optional_roadmap = node.kind == "roadmap" and node.roadmap.optional
        if node.kind in ITEM_KINDS or optional_roadmap:
            chosen.append(node)
            continue
        topics = [n for n in catalog.items(node) if n.kind == "topic"]
        begun = [n for n in topics if status_of(progress, n.id) == "in-progress"]
        fresh = [n for n in topics if status_of(progress, n.id) == "not-started"]
        chosen += (begun or fresh)[:1]  # a topic begun already is left as it is, and said so
    return chosen


def mark(
    catalog: Catalog,
    progress: ProgressFile,
    nodes: list[Node],
    status: Status,
    now: datetime,
    command: str,
) -> Update[MarkResult]:
    """Set the status of these nodes (a section or roadmap stands for its topics), as one
    change made by `command`."""
    updated = progress.copy()
    changes: list[StatusChange] = []
    unchanged: list[Node] = []
    touched: dict[str, tuple[Roadmap, Section]] = {}
    if status == "in-progress":
        marked = list({node.id: node for node in to_start(catalog, progress, nodes)}.values())
    else:
        marked = targets(catalog, nodes)
        if status == "not-started":  # a roadmap started itself is reset with its topics
            marked += [n for n in nodes if n.kind == "roadmap" and n.id in progress.entries]
    for target in marked:
        old = status_of(updated, target.id)
        if old == status:
            unchanged.append(target)
        else:
            dropped = _set(updated, target.id, status, now)
            changes.append(StatusChange(target, old, status, dropped))
        if target.section is None:  # a roadmap started itself: no section of it changed
            continue
        section_id = f"{target.roadmap.id}/{target.section.id}"
        touched.setdefault(section_id, (target.roadmap, target.section))
    sections = [
        summarize_section(catalog, updated, roadmap, section)
        for roadmap, section in touched.values()
    ]
    result = MarkResult(status, changes, unchanged, sections)
    if not changes:
        return Update(None, [], result)
    updated.revision += 1  # one more change, whose events carry its number
    return Update(updated, events(changes, updated.revision, now, command), result)


def events(changes: list[StatusChange], revision: int, now: datetime, command: str) -> list[Event]:
    """The history lines of one change, numbered `revision`."""
    return [
        Event(revision, now, command, c.node.id, c.old, c.new, before=c.dropped) for c in changes
    ]


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
    moved_reviews = [
        key
        for key in progress.reviews
        if key not in catalog.nodes
        and key in catalog.former
        and catalog.former[key] not in progress.reviews
    ]
    if not claims and not moved_notes and not moved_reviews:
        return progress, []
    updated = progress.copy()
    for key in moved_reviews:  # a schedule follows its topic, the latest reviewed if several
        current = catalog.former[key]
        schedule = updated.reviews.pop(key)
        kept = updated.reviews.get(current)
        if kept is None or kept.last_review < schedule.last_review:
            updated.reviews[current] = schedule
    for key in moved_notes:  # notes follow their item, all of them, each once, in time order
        current = catalog.former[key]
        both = updated.notes.get(current, []) + updated.notes.pop(key)
        once = {(note.time, note.text): note for note in reversed(both)}
        updated.notes[current] = sorted(once.values(), key=lambda n: n.time)
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
    # A topic's review schedule as it was and as it is set back (a review taken back, or a
    # schedule dropped with its status brought back).
    schedule_old: Schedule | None = None
    schedule_new: Schedule | None = None
    rating: str | None = None  # the rating of a review taken back

    @property
    def reschedules(self) -> bool:
        return self.schedule_old is not None or self.schedule_new is not None


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


def _changes(history: list[Event]) -> list[list[Event]]:
    """The learner's own changes (not another machine's events), each a list of its events,
    newest first."""
    batches: dict[int, list[Event]] = {}
    for event in history:
        if not event.imported:
            batches.setdefault(event.rev, []).append(event)
    return [batch for _, batch in sorted(batches.items(), reverse=True)]


def _is_undo(event: Event) -> bool:
    """An event of an `undo`. (A `redo` also names the change it reverts, an undo, in
    `undoes`; unlike an undo, it can itself be undone.)"""
    return event.undoes is not None and event.command != "redo"


def undoable(history: list[Event]) -> list[list[Event]]:
    """The changes `undo` can revert, newest first: not undos, and not undone already."""
    undone = {event.undoes for event in history if event.undoes is not None and not event.imported}
    return [
        batch
        for batch in _changes(history)
        if batch[0].rev not in undone and not any(_is_undo(event) for event in batch)
    ]


def redoable(history: list[Event]) -> list[list[Event]]:
    """The undos `redo` can take back, newest first: those since the last change that was
    neither an undo nor a redo (a new change ends what can be redone), not redone already."""
    redone: set[int] = set()
    found: list[list[Event]] = []
    for batch in _changes(history):
        first = batch[0]
        if first.command == "redo":  # one redo may take back several undos: each event names one
            redone.update(event.undoes for event in batch if event.undoes is not None)
        elif _is_undo(first):
            if first.rev not in redone:
                found.append(batch)
        else:
            break
    return found


def redo(
    catalog: Catalog,
    progress: ProgressFile,
    history: list[Event],
    count: int | None,
    now: datetime,
) -> Update[UndoResult]:
    """Take back the last `count` undos (None: all there are), newest first: each item an undo
    set back goes to the status it had before, where it still has the status the undo gave it.

    Recorded as a change of its own (command `redo`, each event naming the undo it reverts),
    which `undo` can revert in turn. A change other than an undo or a redo ends what can be
    redone, as in an editor.
    """
    batches = redoable(history)
    count = _how_many(batches, count, "undo", "redo", "take back every one")
    return _take_back(catalog, progress, batches[:count], len(batches), now, "redo")


def undo(
    catalog: Catalog,
    progress: ProgressFile,
    history: list[Event],
    count: int | None,
    now: datetime,
) -> Update[UndoResult]:
    """Revert the last `count` changes (None: all of them), newest first; one command's change
    counts as one.

    `history` is the progress file's own (see `store.Progress.trusted_history`). Asking for
    more changes than there are is refused: a mistyped number would revert months of work.
    """
    batches = undoable(history)
    count = _how_many(batches, count, "change", "undo", "revert every change")
    return _take_back(catalog, progress, batches[:count], len(batches), now, "undo")


def _how_many(
    batches: list[list[Event]], count: int | None, noun: str, command: str, all_: str
) -> int:
    """How many of `batches` to take back: `count`, or all for None. More than there are is
    refused (a mistyped number would take back months of work), unless there are none."""
    if count is None:
        return len(batches)
    if batches and count > len(batches):
        were = "s are" if len(batches) != 1 else " is"
        raise BadValueError(
            f"only {len(batches)} {noun}{were} left to {command}, not {count:,}",
            f"Run 'llmcourse {command} {len(batches)}', or 'llmcourse {command} --all' to {all_}; "
            "nothing was changed",
        )
    return count


def _take_back(
    catalog: Catalog,
    progress: ProgressFile,
    batches: list[list[Event]],
    available: int,
    now: datetime,
    command: str,
) -> Update[UndoResult]:
    """Set each item of these changes back to its status before them, newest first, as one
    change of `command` (`undo`, or `redo`, which takes back undos) whose events name the
    change each reverts. An item changed since in a way the history does not show is left
    as it is, and recorded all the same, so that the change counts as taken back."""
    updated = progress.copy()
    result = UndoResult([], [], available)
    for batch in batches:
        rev = batch[0].rev
        result.undone.append(batch[0])
        for event in reversed(batch):
            entry_id = event.id if event.id in updated.entries else catalog.former.get(event.id)
            entry_id = entry_id or event.id
            node = catalog.nodes.get(entry_id)
            current = status_of(updated, entry_id)
            schedule = updated.reviews.get(entry_id)
            moves = event.old != event.new
            if not moves and not event.reschedules:
                reason = "it was left as it was"
            elif moves and event.old not in STATUSES:
                reason = f"its earlier status '{event.old}' is unknown to this llmcourse"
            elif moves and current != event.new:
                reason = f"it is '{current}' now, not '{event.new}'"
            elif event.reschedules and not _same(schedule, event.after):
                reason = "it has been reviewed since"
            else:
                dropped = _set(updated, entry_id, event.old, now) if moves else None
                if event.reschedules:
                    _schedule(updated, entry_id, event.before)
                result.reverted.append(
                    Reverted(
                        entry_id,
                        node,
                        current,
                        event.old,
                        rev,
                        schedule_old=schedule if event.reschedules else dropped,
                        schedule_new=event.before,
                        rating=event.rating,
                    )
                )
                continue
            result.reverted.append(Reverted(entry_id, node, current, current, rev, reason))
    if not result.reverted:
        return Update(None, [], result)
    updated.revision += 1
    lines = [
        Event(
            updated.revision,
            now,
            command,
            r.id,
            r.old,
            r.new,
            undoes=r.undoes,
            rating=r.rating,  # of a review taken back, for the log to say so
            before=r.schedule_old,
            after=r.schedule_new,
        )
        for r in result.reverted
    ]
    return Update(updated, lines, result)


def _same(schedule: Schedule | None, other: Schedule | None) -> bool:
    if schedule is None:
        return other is None
    return schedule.same(other)


def _schedule(progress: ProgressFile, entry_id: str, schedule: Schedule | None) -> None:
    if schedule is None:
        progress.reviews.pop(entry_id, None)
    else:
        progress.reviews[entry_id] = schedule


def _set(progress: ProgressFile, entry_id: str, status: Status, now: datetime) -> Schedule | None:
    """Set an item's status; a topic that leaves done loses its review schedule, which is
    returned, for the change's event to keep."""
    previous = progress.entries.get(entry_id)
    if previous is None:
        progress.entries[entry_id] = Entry(status=status, changed=now)
    else:
        progress.entries[entry_id] = previous.with_status(status, now)
    if status != "done":
        return progress.reviews.pop(entry_id, None)
    return None


class Resource(NamedTuple):
    """Something to study that `open` can open: a topic's own link, or a reference or a
    notebook (`node`)."""

    title: str
    url: str
    node: Node | None = None


def resources(catalog: Catalog, node: Node) -> list[Resource]:
    """What `show` lists for a topic or section, in the order `open --ref N` numbers it: a
    topic's own links, then its section's references, then the notebooks that teach it."""
    if node.section is None or node.kind not in ("topic", "section"):
        return []
    found = [Resource(link.text, link.url) for link in getattr(node.item, "links", ())]
    for ref in catalog.section_references(node.roadmap, node.section):
        if isinstance(ref.item, Reference):
            found.append(Resource(ref.item.title, ref.item.url, ref))
    for notebook in catalog.notebooks_of(node):
        if isinstance(notebook.item, Notebook):
            found.append(Resource(notebook.item.title, notebook.item.colab_url, notebook))
    return found if node.kind == "topic" else [r for r in found if r.node is not None]


def resource_to_open(
    catalog: Catalog, node: Node, progress: ProgressFile | None, number: int | None
) -> Resource:
    """What `open` opens (or prints): a reference itself; for a topic or section, the Nth of
    its `resources`, else a topic's first own link, else the section's first reference not read.
    Refused unless its address is http or https (see `models.is_web_url`)."""
    target = _resource_to_open(catalog, node, progress, number)
    if not is_web_url(target.url):
        # Validating the file refuses such an address; this one came from a changed cache entry.
        raise RoadmapFileError(
            f"'{target.node.id if target.node else node.id}' has the address '{target.url}': "
            "only http and https addresses are opened or printed",
            "Delete the cache folder (see LLMCOURSE_CACHE_DIR) to have the course checked again",
        )
    return target


def _resource_to_open(
    catalog: Catalog, node: Node, progress: ProgressFile | None, number: int | None
) -> Resource:
    if node.kind in ("reference", "notebook"):
        if number is not None:
            raise WrongKindError(
                f"'{node.id}' is a {node.kind} itself; --ref picks among what a topic or "
                "section lists",
                "Leave --ref out",
            )
        if isinstance(node.item, Notebook):  # its Colab link; `show` gives its article's
            return Resource(node.item.title, node.item.colab_url, node)
        assert isinstance(node.item, Reference)
        return Resource(node.item.title, node.item.url, node)
    if node.section is None:
        raise WrongKindError(
            f"'{node.id}' is a roadmap; open a section, a topic or a reference",
            f"Try 'llmcourse show {node.id}' for its sections",
        )
    listed = resources(catalog, node)
    if not listed:
        raise WrongKindError(f"'{node.id}' has no links or references to open")
    if number is not None:
        if number > len(listed):
            raise WrongKindError(
                f"'{node.id}' lists {len(listed)} link{'s' if len(listed) != 1 else ''} and "
                f"reference{'s' if len(listed) != 1 else ''}, not {number}",
                f"Use a number from 1 to {len(listed)}, as 'llmcourse show {node.id}' numbers them",
            )
        return listed[number - 1]
    own = [r for r in listed if r.node is None]
    if own:
        return own[0]
    unread = [
        r
        for r in listed
        if progress is None
        or r.node is None
        or (
            r.node.kind == "reference" and status_of(progress, r.node.id) not in ("done", "skipped")
        )
    ]
    return (unread or listed)[0]


class NextUp(NamedTuple):
    """What to study now: a topic, why it was chosen, and its section's references not read."""

    topic: Node
    reason: str  # "in-progress" or "not-started"
    unread: list[Node]


def counts(progress: ProgressFile, roadmap: Roadmap, topics: Count) -> bool:
    """Whether a roadmap counts in the course's figures: every roadmap but an optional one the
    learner has not begun (a topic of it done or in progress, or the roadmap itself started
    with `start`, which marks none of its topics)."""
    if not roadmap.optional or topics.started:
        return True
    return status_of(progress, roadmap.id) in ("in-progress", "done")


def not_counted(catalog: Catalog, progress: ProgressFile) -> list[Roadmap]:
    """The optional roadmaps that do not count yet (see `counts`)."""
    return [
        roadmap
        for roadmap in catalog.roadmaps
        if roadmap.optional
        and not counts(progress, roadmap, summarize_roadmap(catalog, progress, roadmap).topics)
    ]


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
        if only is None and not counts(progress, roadmap, _count(progress, topics)):
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
