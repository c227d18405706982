"""What each command returns: one type per kind of output, holding what its views need.

The command group hands a command's result to `output.emit`, which shows it as one JSON
document (`jsonout`), as rich tables (`render`) or as plain lines (`lines`), whichever the run
asks for. A result whose command reports problems sets `exit_code`.

Every run defines all of them (the command modules return them), a Tab completion included: so
they are plain classes, whose annotations are never evaluated and which import nothing. A
typing.NamedTuple costs about seven times as much to define (in instructions, measured).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmcourse.catalog import Catalog, Node
    from llmcourse.doctor import Report
    from llmcourse.exchange import Incoming, MergeResult
    from llmcourse.linkcheck import Address, Outcome
    from llmcourse.models import CourseInfo, Roadmap
    from llmcourse.progressfile import Note, ProgressFile, Schedule
    from llmcourse.review import Outlook, Rated, Scheduled
    from llmcourse.search import Hit
    from llmcourse.sync import Skipped
    from llmcourse.timeline import LogPage, Momentum
    from llmcourse.tracker import CourseSummary, MarkResult, NextUp, RoadmapSummary, UndoResult


class Listing:
    """`list`: the roadmaps and sections with their counts, and topics if asked for."""

    def __init__(
        self, catalog: Catalog, progress: ProgressFile, summary: CourseSummary, topics: bool | str
    ) -> None:
        self.catalog = catalog
        self.progress = progress
        self.summary = summary
        self.topics = topics  # every topic (True), the topics with this status, or none (False)


class Shown:
    """`show`: one roadmap, section, topic, reference or notebook, with the learner's notes
    on it."""

    def __init__(self, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
        self.catalog = catalog
        self.progress = progress
        self.node = node


class NotebookList:
    """`notebooks`: the course's notebooks, by group, with their status."""

    def __init__(self, catalog: Catalog, progress: ProgressFile) -> None:
        self.catalog = catalog
        self.progress = progress

    def groups(self) -> dict[str, list[Node]]:
        """The notebooks of each group, groups and notebooks in the course's order."""
        found: dict[str, list[Node]] = {}
        for node in self.catalog.notebook_nodes():
            found.setdefault(getattr(node.item, "group", ""), []).append(node)
        return found


class NextStep:
    """`next`: the topic to study now, or None when every topic is done or skipped."""

    def __init__(
        self,
        catalog: Catalog,
        progress: ProgressFile,
        up: NextUp | None,
        left_out: list[Roadmap] | None = None,
        program: str = "llmcourse",
        reviews: Outlook | None = None,
    ) -> None:
        self.catalog = catalog
        self.progress = progress
        self.up = up
        self.left_out = left_out  # optional roadmaps not counted (and so not suggested) yet
        self.program = program  # how the commands shown run llmcourse on this course
        self.reviews = reviews  # how the learner's reviews stand


class Dashboard:
    """Bare `llmcourse`: where the learner stands, the roadmap in progress, what to study next
    and how to mark it, and the streak (None when nothing is recorded yet)."""

    def __init__(
        self,
        catalog: Catalog,
        progress: ProgressFile,
        summary: CourseSummary,
        up: NextUp | None,
        streak: int | None,
        program: str = "llmcourse",
        reviews: Outlook | None = None,
    ) -> None:
        self.catalog = catalog
        self.progress = progress
        self.summary = summary
        self.up = up
        self.streak = streak
        self.program = program  # how the commands shown run llmcourse on this course
        self.reviews = reviews  # how the learner's reviews stand

    @property
    def roadmap(self) -> RoadmapSummary | None:
        """The roadmap in progress: the one of the topic to study next, once it is started."""
        if self.up is None:
            return None
        wanted = self.up.topic.roadmap.id
        found = next((r for r in self.summary.roadmaps if r.roadmap.id == wanted), None)
        return found if found is not None and found.topics.started else None


class Found:
    """`search`: the nodes that match, best first."""

    def __init__(self, catalog: Catalog, query: str, hits: list[Hit]) -> None:
        self.catalog = catalog
        self.query = query
        self.hits = hits


class Opened:
    """`open`: a reference's address, and whether a browser took it (None: only printed)."""

    def __init__(self, url: str, title: str, opened: bool | None) -> None:
        self.url = url
        self.title = title
        self.opened = opened


class Marked:
    """`done`, `start`, `skip`, `reset`: what changed, and the sections it changed."""

    def __init__(
        self, result: MarkResult, path: Path, undo: bool = False, catalog: Catalog | None = None
    ) -> None:
        self.result = result
        self.catalog = catalog  # for the short forms of ids, on a narrow terminal
        self.path = path  # the progress file
        self.undo = undo  # `done --undo`

    @property
    def recorded(self) -> bool:
        """Whether the command changed the progress (output that fails says it did)."""
        return bool(self.result.changed)


class Undone:
    """`undo`: the changes reverted; `redo`: the undos taken back."""

    def __init__(
        self,
        result: UndoResult,
        requested: int,
        path: Path,
        catalog: Catalog | None = None,
        redo: bool = False,
    ) -> None:
        self.result = result
        self.catalog = catalog
        self.redo = redo  # `redo`: the undos taken back
        self.requested = requested
        self.path = path

    @property
    def recorded(self) -> bool:
        return bool(self.result.reverted)


class Notes:
    """`note`: an item's notes, oldest first."""

    def __init__(self, node: Node, notes: list[Note], recorded: bool = False) -> None:
        self.node = node
        self.notes = notes
        self.recorded = recorded  # added or edited: the progress was changed


class ProgressReport:
    """`progress`: the counts, recent work and streaks, and where the progress is kept."""

    def __init__(
        self,
        catalog: Catalog,
        progress: ProgressFile,
        summary: CourseSummary,
        path: Path,
        exists: bool,
        today: date,
        momentum: Callable[[], Momentum],
        activity: bool,
        reviews: Outlook | None = None,
    ) -> None:
        self.catalog = catalog
        self.progress = progress
        self.summary = summary
        self.path = path
        self.exists = exists
        self.today = today  # on the learner's calendar
        # How the learner has been going (recent work, streaks, the calendar), from the history:
        # found only by a view that shows it; the JSON document does not.
        self.momentum = momentum
        self.activity = activity  # end with the calendar
        self.reviews = reviews  # how the learner's reviews stand


class Calendar:
    """The last weeks as a calendar: changes per day of the learner's calendar, up to `today`."""

    def __init__(self, days: dict[date, int], today: date) -> None:
        self.days = days
        self.today = today


class Log:
    """`log`: a page of the history, newest first; with --chart, shown as a calendar."""

    def __init__(
        self,
        catalog: Catalog,
        page: LogPage,
        history_path: Path,
        chart: Calendar | None = None,
    ) -> None:
        self.catalog = catalog
        self.page = page
        self.history_path = history_path
        self.chart = chart


class Checked:
    """`doctor`: what was found (and, with --fix, done)."""

    def __init__(self, report: Report, fixing: bool) -> None:
        self.report = report
        self.fixing = fixing

    @property
    def recorded(self) -> bool:
        return bool(self.report.fixed)

    @property
    def exit_code(self) -> int:
        return 1 if self.report.problems else 0


class Validated:
    """`validate`: a roadmap file's problems, or the course it holds."""

    def __init__(self, path: Path, course: Catalog | None, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.course = course
        self.problems = problems  # where (a key path), what is wrong

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


class Exported:
    """`export` to standard output: the text, as it is, or its pieces as they are made (a
    large export is written as it goes), and the notes that only the end of them can tell."""

    def __init__(
        self,
        text: str | Iterator[str],
        markdown: bool = False,
        afterwards: Callable[[], list[str]] | None = None,
    ) -> None:
        self.text = text
        self.markdown = markdown  # a document (the roadmap file format), fitted as Markdown
        self.afterwards = afterwards


class Written:
    """`export -o FILE`: where it was written."""

    def __init__(self, path: Path) -> None:
        self.path = path


class Imported:
    """`import`: what merging another machine's export changed (or would, with --dry-run)."""

    def __init__(
        self, result: MergeResult, path: Path, dry_run: bool, catalog: Catalog | None = None
    ) -> None:
        self.result = result
        self.catalog = catalog
        self.path = path
        self.dry_run = dry_run

    @property
    def recorded(self) -> bool:
        return not self.dry_run and self.result.changes_anything


class Synced:
    """`sync`: what came in from each other machine's file in the shared folder, whether this
    machine's file was written, and the files left as they are."""

    def __init__(
        self,
        folder: Path,
        machine: str,
        path: Path,
        incoming: list[Incoming],
        files: dict[str, Path],
        written: bool,
        skipped: list[Skipped],
        conflicted: list[Path],
        clash: bool,
        catalog: Catalog | None = None,
    ) -> None:
        self.folder = folder
        self.machine = machine  # this machine's name
        self.path = path  # this machine's file
        self.incoming = incoming  # by machine, in the order merged
        self.files = files  # each machine's file, by its name
        self.written = written
        self.skipped = skipped
        self.conflicted = conflicted  # a sync service's conflicted copies, never read
        self.clash = clash  # this machine's own file held events its history lacked
        self.catalog = catalog

    @property
    def recorded(self) -> bool:
        return self.written or any(i.result.changes_anything for i in self.incoming)

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0


class Version:
    """`--version`: this program's version, and which version of the course it carries."""

    def __init__(self, program: str, course: CourseInfo) -> None:
        self.program = program
        self.course = course


class HelpText:
    """`help`: how to use llmcourse, a command, or the roadmap file format, as text."""

    def __init__(self, text: str, markdown: bool = False) -> None:
        self.text = text
        self.markdown = markdown  # a document (the roadmap file format), fitted as Markdown


class ReviewList:
    """`review` without a terminal, or with --json: the topics due today and the next to fall
    due (or one topic's schedule, with an id)."""

    def __init__(
        self,
        catalog: Catalog,
        due: list[Scheduled],
        upcoming: list[Scheduled],
        outlook: Outlook,
        now: datetime,
        program: str = "llmcourse",
        only: Node | None = None,
    ) -> None:
        self.catalog = catalog
        self.now = now
        self.due = due
        self.upcoming = upcoming
        self.outlook = outlook
        self.program = program
        self.only = only  # the topic asked about, when one was


class ReviewCard:
    """One topic in a review on a terminal: what to recall it by, before it is rated."""

    def __init__(
        self,
        catalog: Catalog,
        progress: ProgressFile,
        node: Node,
        schedule: Schedule | None,
        number: int,
        total: int,
    ) -> None:
        self.catalog = catalog
        self.progress = progress
        self.node = node
        self.schedule = schedule
        self.number = number  # its place among the topics of this review, from 1
        self.total = total


class ReviewRated:
    """A topic rated: when it comes back, and how the reviews stand."""

    recorded = True

    def __init__(
        self, catalog: Catalog, rated: Rated, program: str = "llmcourse", in_session: bool = False
    ) -> None:
        self.catalog = catalog
        self.rated = rated
        self.program = program
        self.in_session = in_session  # one of a review on a terminal, which goes on by itself


class ReviewSession:
    """The end of a review on a terminal: what was rated, and what is left."""

    def __init__(
        self,
        catalog: Catalog,
        rated: list[Rated],
        outlook: Outlook,
        stopped: bool,
        now: datetime,
        program: str = "llmcourse",
    ) -> None:
        self.catalog = catalog
        self.now = now
        self.rated = rated
        self.outlook = outlook
        self.stopped = stopped  # the learner stopped before the end (q)
        self.program = program

    @property
    def recorded(self) -> bool:
        return bool(self.rated)


class LinksChecked:
    """`check-links`: every address of the course, with where it is used and its verdict."""

    def __init__(
        self, catalog: Catalog, addresses: list[Address], outcomes: dict[str, Outcome]
    ) -> None:
        self.catalog = catalog
        self.addresses = addresses
        self.outcomes = outcomes

    def counts(self) -> dict[str, int]:
        """How many addresses have each verdict, in `VERDICTS` order."""
        from llmcourse.linkcheck import VERDICTS

        found = [o.verdict for o in self.outcomes.values()]
        return {verdict: found.count(verdict) for verdict in VERDICTS}

    def in_order(self) -> list[tuple[Address, Outcome]]:
        """The addresses checked, what needs fixing first, in course order within a verdict."""
        from llmcourse.linkcheck import VERDICTS

        checked = [(a, self.outcomes[a.url]) for a in self.addresses if a.url in self.outcomes]
        return sorted(checked, key=lambda pair: VERDICTS.index(pair[1].verdict))

    @property
    def exit_code(self) -> int:
        from llmcourse.linkcheck import FAILING

        return 1 if any(o.verdict in FAILING for o in self.outcomes.values()) else 0
