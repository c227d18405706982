"""Data for the benchmark: the two floor apps, generated courses, progress and history files.

Every file the benchmark writes is made here, each kind in one small function:

- `floor_source`: the Typer floor and the rich floor.
- `course_toml`: a generated course in the shape of data/roadmaps.toml.
- `progress_toml`: a progress file (progress.toml), and `history_lines`, its history log
  (history.jsonl): both written by llmcourse's own format module (`llmcourse.progressfile`),
  so that a change to the format needs no change here.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROGRESS_NAME = "progress.toml"
HISTORY_NAME = "history.jsonl"
EVENTS_PER_ENTRY = 5  # 10,000 entries come with 50,000 history events, as the issue asks
GENERATED_ROADMAPS = 4
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
REFERENCE_KINDS = ("article", "book", "code", "course", "docs", "paper", "slides", "tool", "video")
FILLER = (
    "Study how this part of a large language model works, why it matters in practice, and "
    "which trade-offs practitioners weigh when they choose between the usual approaches."
)

_FLOOR = '''\
"""The {kind} floor: a Typer app with two commands that {what}."""

import typer

app = typer.Typer()


@app.command()
def first() -> None:
    """The command the benchmark runs."""{body}


@app.command()
def second() -> None:
    """Does nothing; a second command makes this a group, like llmcourse."""


if __name__ == "__main__":
    app(prog_name="floor")
'''

_RICH_BODY = """
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Floor")
    for name in ("Id", "Title", "Done", "Total"):
        table.add_column(name)
    for row in range(1, 21):
        table.add_row(f"floor/{row}", f"Section number {row}", str(row % 5), "5")
    Console().print(table)"""


def floor_source(kind: str) -> str:
    """The source of a floor app: `typer` does nothing, `rich` prints a 20-row, 4-column table."""
    if kind == "typer":
        return _FLOOR.format(kind="Typer", what="do nothing", body="")
    if kind == "rich":
        return _FLOOR.format(
            kind="rich", what="print one 20-row, 4-column rich table", body=_RICH_BODY
        )
    raise ValueError(kind)


def bundled_course_path() -> Path:
    """The roadmap file that ships with the installed llmcourse, where `load_bundled` finds it:
    beside the package once installed, at the top of a source checkout (an editable install)."""
    import llmcourse

    package = Path(llmcourse.__file__).resolve().parent
    packaged = package / "data" / "roadmaps.toml"
    return packaged if packaged.is_file() else package.parents[1] / "data" / "roadmaps.toml"


@dataclass
class Course:
    """A roadmap file's content and the ids in it, in course order."""

    toml: str
    course_id: str
    topics: list[str]
    references: list[str]


def read_course(path: Path) -> Course:
    content = path.read_text(encoding="utf-8")
    data = tomllib.loads(content)
    topics: list[str] = []
    references: list[str] = []
    for roadmap in data["roadmaps"]:
        for section in roadmap["sections"]:
            prefix = f"{roadmap['id']}/{section['id']}"
            topics += [f"{prefix}/{topic['id']}" for topic in section["topics"]]
            references += [f"{prefix}/{ref['id']}" for ref in section.get("references", [])]
    return Course(content, data["course"]["id"], topics, references)


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for the plain text written here)."""
    return json.dumps(text)


def course_toml(course_info: dict[str, str], topics: int, references: int) -> Course:
    """A course with `topics` topics and as many references, over 4 roadmaps of n x n sections.

    Sections per roadmap and items per section both grow with the square root of the size, so a
    cost that is quadratic in either shows. Every id is unique in the whole course.
    """
    per_roadmap = math.ceil(topics / GENERATED_ROADMAPS)
    per_roadmap_refs = math.ceil(references / GENERATED_ROADMAPS)
    sections = max(1, math.isqrt(per_roadmap))
    lines = ["schema_version = 1", "", "[course]"]
    lines += [f"{key} = {_q(value)}" for key, value in course_info.items()]
    topic_ids: list[str] = []
    reference_ids: list[str] = []
    section_number = 0
    for r in range(1, GENERATED_ROADMAPS + 1):
        roadmap_id = f"track-{r}"
        lines += ["", "[[roadmaps]]", f"id = {_q(roadmap_id)}", f'title = "Generated track {r}"']
        lines += [f"summary = {_q(FILLER)}"]
        for s in range(1, sections + 1):
            section_number += 1
            section_id = f"part-{section_number}"
            lines += ["", "[[roadmaps.sections]]", f"id = {_q(section_id)}", f"number = {s}"]
            lines += [f'title = "Part {section_number}"', f"summary = {_q(FILLER)}"]
            own_topics = min(_share(per_roadmap, sections, s), topics - len(topic_ids))
            own_refs = min(_share(per_roadmap_refs, sections, s), references - len(reference_ids))
            for _ in range(own_topics):
                n = len(topic_ids) + 1
                topic_ids.append(f"{roadmap_id}/{section_id}/topic-{n}")
                lines += ["", "[[roadmaps.sections.topics]]", f'id = "topic-{n}"']
                lines += [f'title = "Topic number {n}"', f"summary = {_q(FILLER)}"]
                lines += [
                    f'links = [{{ text = "Tool {n}", url = "https://example.org/tool/{n}" }}]'
                ]
            for _ in range(own_refs):
                n = len(reference_ids) + 1
                reference_ids.append(f"{roadmap_id}/{section_id}/reference-{n}")
                lines += ["", "[[roadmaps.sections.references]]", f'id = "reference-{n}"']
                lines += [f'title = "Reference number {n}"']
                lines += [f'url = "https://example.org/reading/{n}?from=llmcourse-bench"']
                if n % 2:
                    lines += [f'author = "Author {n % 97}"']
                lines += [f"kind = {_q(REFERENCE_KINDS[n % len(REFERENCE_KINDS)])}"]
    return Course("\n".join(lines) + "\n", course_info["id"], topic_ids, reference_ids)


def _share(total: int, parts: int, index: int) -> int:
    """How many of `total` items the `index`-th (from 1) of `parts` even parts holds."""
    return total * index // parts - total * (index - 1) // parts


def tracked_ids(course: Course, entries: int) -> list[tuple[str, str]]:
    """Which ids the progress file has entries for, and their status.

    Every other topic and every other reference, topics first, up to `entries`; one in ten of
    them is set back to not-started (as after an undo). Odd-numbered topics have no entry, so
    `done_target` is a topic that marking really changes.
    """
    chosen = course.topics[::2] + course.references[::2]
    return [
        (item, "not-started" if n % 10 == 9 else "done") for n, item in enumerate(chosen[:entries])
    ]


def done_target(course: Course) -> str:
    """A topic without an entry: `done` on it writes the progress file."""
    return course.topics[1]


def progress_toml(
    course_id: str, entries: list[tuple[str, str]], history: bytes, topics: frozenset[str]
) -> bytes:
    """A progress file as llmcourse writes it (through its own format module), with an entry
    per tracked id, and a review schedule for each topic done (as its first review gives it;
    the dates are long past, so every one is due).

    `revision` and `history_size` tie the file to its history (the number of changes and the
    bytes of history.jsonl they fill).
    """
    from llmcourse import progressfile

    data = progressfile.empty(course_id)
    data.revision = history.count(b"\n")
    data.history_size = len(history)
    schedule = getattr(progressfile, "Schedule", None)  # None in a release before reviews
    for n, (item, status) in enumerate(entries):
        changed = START + timedelta(minutes=7 * n)
        data.entries[item] = progressfile.Entry(status, changed)  # type: ignore[arg-type]
        if schedule is not None and status == "done" and item in topics:
            due = changed + timedelta(days=2)
            data.reviews[item] = schedule(due, changed, 2.3065, 2.1181)
    return progressfile.encode(data)


def history_lines(entries: list[tuple[str, str]], events: int) -> bytes:
    """About `events` history events (one change each) that replay to the entries' statuses.

    Each id flips from not-started to done and back, an odd number of times for an id that is
    done and an even number for one that is not, round-robin over the ids, so that the last
    change is one that `undo` can revert. (When the parities cannot add up to `events`, there
    is one event more.) Written through llmcourse's own format module.
    """
    from llmcourse import progressfile

    n = len(entries)
    counts = [events // n + (k < events % n) for k in range(n)]
    wrong = [k for k, (_, status) in enumerate(entries) if counts[k] % 2 != (status == "done")]
    while len(wrong) >= 2:  # one event moves from one wrong id to another: both come right
        give, take = wrong.pop(), wrong.pop()
        if counts[give] == 0:
            give, take = take, give
        counts[give] -= 1
        counts[take] += 1
    if wrong:
        counts[wrong[0]] += 1
    out: list[progressfile.Event] = []
    for turn in range(max(counts, default=0)):
        for k, (item, _) in enumerate(entries):
            if counts[k] > turn:
                rev = len(out) + 1
                old, new = ("not-started", "done") if turn % 2 == 0 else ("done", "not-started")
                when = START + timedelta(minutes=rev)
                out.append(progressfile.Event(rev, when, "done", item, old, new))
    return progressfile.encode_events(out)


@dataclass
class DataDir:
    """A learner's data folder, kept with a pristine copy so that every run starts the same.

    `restore` makes the folder the pristine copy again (files a command replaced are copied
    back, files it added are removed; only lock files stay, as they do in real use) and syncs
    it to disk, so that a command's own fsync never pays for the benchmark's copy. `changed`
    says whether the last command changed anything.
    """

    path: Path
    pristine: Path
    _seen: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @classmethod
    def create(cls, folder: Path, files: dict[str, bytes]) -> DataDir:
        path, pristine = folder / "data", folder / "pristine"
        for where in (path, pristine):
            where.mkdir(parents=True)
            for name, content in files.items():
                (where / name).write_bytes(content)
        data = cls(path, pristine)
        data._seen = data._snapshot()
        return data

    def _snapshot(self) -> dict[str, tuple[int, int, int]]:
        found = {}
        for entry in os.scandir(self.path):
            if not entry.name.endswith(".lock"):
                st = entry.stat(follow_symlinks=False)
                found[entry.name] = (st.st_ino, st.st_size, st.st_mtime_ns)
        return found

    def changed(self) -> bool:
        return self._snapshot() != self._seen

    def restore(self) -> bool:
        """Put the folder back as it was if a command changed it; True if it had to."""
        now = self._snapshot()
        if now == self._seen:
            return False
        for name, seen in now.items():
            if name not in self._seen:
                (self.path / name).unlink()
            elif seen != self._seen[name]:
                self._copy_back(name)
        for name in self._seen.keys() - now.keys():
            self._copy_back(name)
        folder = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        self._seen = self._snapshot()
        return True

    def _copy_back(self, name: str) -> None:
        target = self.path / name
        shutil.copyfile(self.pristine / name, target)
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())


@dataclass
class Fixture:
    """One course with a learner's data for it: what a benchmark case runs against."""

    name: str
    course_path: Path
    course: Course
    data: DataDir
    entries: int
    events: int
    export: Path | None = None  # a JSON export for `import` to read, beside a half-filled folder


def make_fixture(
    folder: Path, name: str, course: Course, course_path: Path, entries: int, events: int
) -> Fixture:
    tracked = tracked_ids(course, entries)
    history = history_lines(tracked, events)
    progress = progress_toml(course.course_id, tracked, history, frozenset(course.topics))
    files = {PROGRESS_NAME: progress, HISTORY_NAME: history}
    events = history.count(b"\n")
    return Fixture(name, course_path, course, DataDir.create(folder, files), len(tracked), events)


def bundled_fixture(root: Path) -> Fixture:
    """The bundled course, with half of its topics and references tracked."""
    path = bundled_course_path()
    course = read_course(path)
    entries = (len(course.topics) + len(course.references)) // 2
    return make_fixture(
        root / "bundled", "bundled", course, path, entries, entries * EVENTS_PER_ENTRY
    )


def scaled_fixture(root: Path, size: int, course_info: dict[str, str]) -> Fixture:
    """`size` topics, `size` references, `size` progress entries, 5 x `size` history events."""
    course = course_toml(course_info, size, size)
    path = root / f"course-{size}.toml"
    path.write_text(course.toml, encoding="utf-8")
    return make_fixture(
        root / f"scale-{size}", f"{size:,}", course, path, size, size * EVENTS_PER_ENTRY
    )


def half_filled(fixture: Fixture) -> Fixture:
    """A data folder for `import`: the first half of the fixture's tracked ids with their half
    of the events (the first of which its history has too), and, beside it, where the fixture's
    own data is exported to (`export`; the caller writes it, with llmcourse's export)."""
    folder = fixture.data.path.parent / "half-filled"
    half = make_fixture(
        folder,
        fixture.name,
        fixture.course,
        fixture.course_path,
        fixture.entries // 2,
        fixture.events // 2,
    )
    half.export = folder / "export.json"
    return half


def course_info(path: Path) -> dict[str, str]:
    """The `[course]` table of a roadmap file: generated courses reuse it, so progress matches.

    Values that TOML reads as something else than text (a date) are kept as their TOML text.
    """
    table = tomllib.loads(path.read_text(encoding="utf-8"))["course"]
    return {key: value if isinstance(value, str) else str(value) for key, value in table.items()}


def reset(path: Path, pristine: Path, empty: Path | None = None) -> None:
    """Make a data folder its pristine copy again, whatever happened to it, and remove the
    folder `empty`, for hyperfine's --prepare, which cannot call `DataDir.restore`:
    `python bench/_fixtures.py reset DATA_DIR PRISTINE_DIR [EMPTY_DIR]`.
    """
    keep = {entry.name for entry in pristine.iterdir()}
    for entry in path.iterdir():
        if entry.name not in keep and not entry.name.endswith(".lock"):
            entry.unlink()
    for name in keep:
        shutil.copyfile(pristine / name, path / name)
    if empty is not None:
        shutil.rmtree(empty, ignore_errors=True)
    if hasattr(os, "sync"):
        os.sync()


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[1] != "reset":
        sys.exit("usage: python bench/_fixtures.py reset DATA_DIR PRISTINE_DIR [EMPTY_DIR]")
    reset(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) > 4 else None)
