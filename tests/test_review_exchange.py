"""Review schedules between machines: export and import carry them, the later review wins, a
reset drops them, `sync` converges on them, and `doctor` reports the ones nothing uses.

Each machine is a data folder run with a fixed clock (no fuzz), weeks apart.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from conftest import Run
from llmcourse import review
from llmcourse.cli import app
from llmcourse.progressfile import MAX_ENTRIES
from llmcourse.session import Session

TOKENIZATION = "scientist/architecture/tokenization"
ATTENTION = "scientist/architecture/attention-mechanisms"
NANOGPT = "scientist/architecture/nanogpt"  # a reference
DATA_PREP = "scientist/pre-training/data-preparation"
DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "json"
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
RETRIEVAL = "intro-to-retrieval"  # the course of the example roadmap file


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The learner's day ends at midnight UTC, so that what is due does not depend on where the
    tests run."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class Machine:
    """A data folder standing for one machine, and llmcourse run there at a given moment."""

    def __init__(self, root: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name = name
        self.data = root / name
        self.root = root
        self.monkeypatch = monkeypatch

    def _session(self, at: datetime, roadmaps: Path | None = None) -> Session:
        self.monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(self.data))
        self.monkeypatch.setenv("LLMCOURSE_MACHINE", self.name)
        return Session(roadmaps, clock=lambda: at, fuzz=False)

    def __call__(self, *args: str, at: datetime) -> Run:
        result = CliRunner().invoke(app, list(args), obj=self._session(at), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def review(
        self, topic: str, rating: str, at: datetime, roadmaps: Path | None = None
    ) -> review.Rated:
        """Rate a topic's recall, as the `review` command records it."""
        run = self._session(at, roadmaps)
        catalog = run.course()
        node = catalog.nodes[topic]
        return run.change(
            lambda p: review.rate(catalog, p.data, node, rating, at, early=True, fuzz=False)
        )

    def export(self, at: datetime) -> Path:
        path = self.root / f"{self.name}-{at:%Y%m%d%H%M}.json"
        result = self("export", "-o", str(path), at=at)
        assert result.exit_code == 0, result.stderr
        return path

    def import_(self, path: Path, at: datetime) -> dict[str, Any]:
        result = self("import", str(path), "--json", at=at)
        assert result.exit_code == 0, result.stderr
        return result.json()  # type: ignore[no-any-return]

    def progress_file(self, course: str | None = None) -> Path:
        """The progress file of the bundled course, or of a course of a roadmap file."""
        folder = self.data / "courses" / course if course else self.data
        return folder / "progress.toml"

    def progress(self, course: str | None = None) -> dict[str, Any]:
        return tomllib.loads(self.progress_file(course).read_text("utf-8"))

    def schedules(self, course: str | None = None) -> dict[str, dict[str, Any]]:
        return self.progress(course).get("reviews", {})  # type: ignore[no-any-return]


@pytest.fixture
def machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Machine]:
    return lambda name: Machine(tmp_path, name, monkeypatch)


def _check(name: str, document: Any) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=str)
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_export_and_import_carry_the_schedule_and_the_later_review_wins(
    machines: Callable[[str], Machine],
) -> None:
    a, b = machines("a"), machines("b")
    a("done", "tokenization", at=DAY0)
    b("done", "attention-mechanisms", at=DAY0)  # something of its own: a merge, not a copy
    a.review(TOKENIZATION, "good", DAY0 + timedelta(days=3))
    reviewed_on_a = a.schedules()[TOKENIZATION]
    assert reviewed_on_a["last_review"] == DAY0 + timedelta(days=3)

    exported = a.export(DAY0 + timedelta(days=3, hours=1))
    doc = json.loads(exported.read_text("utf-8"))
    _check("export", doc)
    assert doc["progress"]["reviews"][TOKENIZATION]["last_review"] == "2026-03-05T09:00:00Z"

    first = b.import_(exported, DAY0 + WEEK)
    _check("import", first)
    assert first["reviews_taken"] == [TOKENIZATION]
    assert b.schedules()[TOKENIZATION] == reviewed_on_a
    assert ATTENTION in b.schedules()  # its own stays
    # Importing the same file again changes nothing.
    before = (b.data / "progress.toml").read_bytes()
    again = b("import", str(exported), at=DAY0 + WEEK + timedelta(hours=1))
    assert again.exit_code == 0
    assert "Nothing to import" in again.stdout
    assert (b.data / "progress.toml").read_bytes() == before

    # A week later B reviews it again, A once more but earlier: B's review is the later one.
    a.review(TOKENIZATION, "hard", DAY0 + 2 * WEEK)
    b.review(TOKENIZATION, "easy", DAY0 + 2 * WEEK + timedelta(hours=5))
    on_a, on_b = a.schedules()[TOKENIZATION], b.schedules()[TOKENIZATION]
    assert on_a != on_b
    back = a.import_(b.export(DAY0 + 2 * WEEK + timedelta(hours=6)), DAY0 + 3 * WEEK)
    # B's own topic comes with its schedule; tokenization stays done, its schedule B's.
    assert sorted(back["reviews_taken"]) == [ATTENTION, TOKENIZATION]
    assert [change["id"] for change in back["changed"]] == [ATTENTION]
    assert a.schedules()[TOKENIZATION] == on_b
    # A's older review does not replace B's newer one the other way.
    to_b = b.import_(a.export(DAY0 + 3 * WEEK + timedelta(hours=1)), DAY0 + 3 * WEEK)
    assert to_b["reviews_taken"] == []
    assert b.schedules()[TOKENIZATION] == on_b
    # Undo takes back the import on A, its schedule with it.
    undone = a("undo", at=DAY0 + 3 * WEEK + timedelta(hours=2))
    assert undone.exit_code == 0, undone.stderr
    assert a.schedules()[TOKENIZATION] == on_a


def test_the_import_summary_counts_the_schedules_taken(
    machines: Callable[[str], Machine],
) -> None:
    a, b = machines("a"), machines("b")
    a("done", "tokenization", at=DAY0)
    b("done", "tokenization", at=DAY0 + timedelta(hours=1))
    a.review(TOKENIZATION, "good", DAY0 + WEEK)
    exported = a.export(DAY0 + WEEK)
    dry = b("import", str(exported), "--dry-run", at=DAY0 + WEEK + timedelta(hours=1))
    assert "1 review schedule would be taken" in dry.stdout
    done = b("import", str(exported), at=DAY0 + WEEK + timedelta(hours=1))
    assert "1 review schedule taken" in done.stdout
    # A machine with nothing recorded takes everything, the schedules counted.
    c = machines("c")
    adopted = c("import", str(exported), at=DAY0 + WEEK + timedelta(hours=1))
    assert "1 entry, 2 events, 1 review schedule." in " ".join(adopted.stdout.split())
    assert c.schedules()[TOKENIZATION] == a.schedules()[TOKENIZATION]


def test_a_newer_reset_drops_the_schedule_and_an_older_one_does_not(
    machines: Callable[[str], Machine],
) -> None:
    a, b = machines("a"), machines("b")
    a("done", "tokenization", "attention-mechanisms", at=DAY0)
    b.import_(a.export(DAY0 + timedelta(hours=1)), DAY0 + timedelta(hours=2))
    assert set(b.schedules()) == {TOKENIZATION, ATTENTION}
    kept = a.schedules()[TOKENIZATION]
    # B resets both a week later; A marks attention-mechanisms done again after that.
    assert b("reset", "tokenization", "attention-mechanisms", at=DAY0 + WEEK).exit_code == 0
    assert b.schedules() == {}
    from_b = b.export(DAY0 + WEEK + timedelta(hours=1))
    a("reset", "attention-mechanisms", at=DAY0 + 2 * WEEK)
    a("done", "attention-mechanisms", at=DAY0 + 2 * WEEK + timedelta(hours=1))
    redone = a.schedules()[ATTENTION]
    result = a.import_(from_b, DAY0 + 3 * WEEK)
    assert result["changed"] == [{"id": TOKENIZATION, "from": "done", "to": "not-started"}]
    # B's reset is newer than A's done of tokenization: its schedule goes; A's done of
    # attention-mechanisms is newer than B's reset: it stays done, its schedule kept.
    assert a.schedules() == {ATTENTION: redone}
    # The import's event keeps what it dropped: undo sets it back.
    assert a("undo", at=DAY0 + 3 * WEEK + timedelta(hours=1)).exit_code == 0
    assert a.schedules()[TOKENIZATION] == kept
    assert a.progress()["entries"][TOKENIZATION]["status"] == "done"


def test_an_export_written_before_schedules_is_read_and_gets_first_ones(
    machines: Callable[[str], Machine], tmp_path: Path
) -> None:
    a, b, c = machines("a"), machines("b"), machines("c")
    a("done", "tokenization", at=DAY0)
    doc = json.loads(a.export(DAY0 + timedelta(hours=1)).read_text("utf-8"))
    del doc["progress"]["reviews"]
    for event in doc["history"]:
        event.pop("before", None)
        event.pop("after", None)
    older = tmp_path / "older.json"
    older.write_text(json.dumps(doc), encoding="utf-8")
    b("done", "attention-mechanisms", at=DAY0 + WEEK)
    result = b.import_(older, DAY0 + WEEK)
    assert result["reviews_taken"] == []
    assert [c["id"] for c in result["changed"]] == [TOKENIZATION]
    # A topic done there gets its first review here, from when it was done there.
    assert b.schedules()[TOKENIZATION] == a.schedules()[TOKENIZATION]
    assert c.import_(older, DAY0 + WEEK)["adopted"]
    assert c.schedules()[TOKENIZATION]["last_review"] == DAY0


def test_keys_a_schedule_holds_that_this_version_does_not_know_travel_with_it(
    machines: Callable[[str], Machine],
) -> None:
    a, b, c = machines("a"), machines("b"), machines("c")
    a("done", "tokenization", at=DAY0)
    path = a.progress_file()
    text = path.read_text("utf-8")
    assert 'state = "review" }' in text
    path.write_text(
        text.replace('state = "review" }', 'state = "review", card = { seen = 3 } }'),
        encoding="utf-8",
    )
    exported = a.export(DAY0 + timedelta(hours=1))
    kept = json.loads(exported.read_text("utf-8"))["progress"]["reviews"][TOKENIZATION]
    assert tomllib.loads(kept["extra_toml"]) == {"card": {"seen": 3}}
    c.import_(exported, DAY0 + timedelta(hours=2))  # taken whole
    b("done", "attention-mechanisms", at=DAY0)
    b.import_(exported, DAY0 + timedelta(hours=2))  # merged
    for machine in (b, c):
        assert machine.schedules()[TOKENIZATION]["card"] == {"seen": 3}


def _hostile(base: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> str:
    doc = json.loads(json.dumps(base))
    change(doc)
    return json.dumps(doc)


def _schedule_change(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["progress"]["reviews"][TOKENIZATION][key] = value

    return change


@pytest.mark.usefixtures("piped")
def test_hostile_schedules_are_refused_and_nothing_changes(
    machines: Callable[[str], Machine], tmp_path: Path
) -> None:
    a, b = machines("a"), machines("b")
    a("done", "tokenization", at=DAY0)
    base = json.loads(a.export(DAY0 + timedelta(hours=1)).read_text("utf-8"))
    b("done", "attention-mechanisms", at=DAY0)
    before = (b.data / "progress.toml").read_bytes()
    now = DAY0 + WEEK
    ahead = (now + timedelta(days=2)).isoformat()

    def many(doc: dict[str, Any]) -> None:
        doc["progress"]["reviews"] = {
            f"x/y/{n}": base["progress"]["reviews"][TOKENIZATION] for n in range(MAX_ENTRIES + 1)
        }

    def reviews_as(value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda doc: doc["progress"].__setitem__("reviews", value)

    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (_schedule_change("stability", float("nan")), "stability: Input should be a number"),
        (_schedule_change("stability", 0), "stability: Input should be a number from 0.001"),
        (_schedule_change("stability", 1e400), "stability: Input should be a number from"),
        (_schedule_change("difficulty", "hard"), "difficulty: Input should be a number"),
        (_schedule_change("difficulty", 11), "difficulty: Input should be a number from 1"),
        (_schedule_change("due", "next week"), "due: must be an ISO 8601 time"),
        (_schedule_change("due", 1772441000), "due: must be an ISO 8601 time"),
        (_schedule_change("last_review", "2026-03-02T09:00:00"), "must carry a time zone"),
        (_schedule_change("last_review", ahead), "in the future by this machine's clock"),
        (_schedule_change("state", "mastered"), "state: Input should be one of"),
        (_schedule_change("step", -1), "step: Input should be greater than or equal to 0"),
        (_schedule_change("step", True), "step: Input should be a whole number"),
        (_schedule_change("extra_toml", 'due = "never"\n'), "must not set due"),
        (_schedule_change("extra_toml", "[[not toml"), "extra_toml: not TOML"),
        (reviews_as(["a list"]), "progress.reviews: must be an object"),
        (reviews_as({TOKENIZATION: "soon"}), f"progress.reviews.{TOKENIZATION}: must be an"),
        (many, "50,001 review schedules are more than the 50,000 llmcourse keeps"),
    ]
    for change, says in cases:
        path = tmp_path / "hostile.json"
        path.write_text(_hostile(base, change), encoding="utf-8")
        result = b("import", str(path), at=now)
        assert result.exit_code == 1, says
        assert says in result.stderr, (says, result.stderr)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert (b.data / "progress.toml").read_bytes() == before
    # The next review in the future is what a schedule is for: it is read.
    path = tmp_path / "due-later.json"
    path.write_text(
        _hostile(base, _schedule_change("due", (now + timedelta(days=200)).isoformat())),
        encoding="utf-8",
    )
    assert b.import_(path, now)["reviews_taken"] == [TOKENIZATION]


def test_a_schedule_under_a_former_id_meets_its_topic(
    machines: Callable[[str], Machine], tmp_path: Path
) -> None:
    older = tmp_path / "older.toml"
    older.write_text(
        EXAMPLE.read_text("utf-8")
        .replace(
            'former_ids = ["retrieval/keyword-search/ann"]   # moved here from the first section\n',
            "",
        )
        .replace('id = "nearest-neighbours"', 'id = "moved-away"'),
        encoding="utf-8",
    )
    newer = tmp_path / "newer.toml"
    newer.write_text(
        EXAMPLE.read_text("utf-8").replace(
            '["retrieval/keyword-search/ann"]', '["retrieval/dense-retrieval/moved-away"]'
        ),
        encoding="utf-8",
    )
    old, new = machines("old"), machines("new")
    old("--roadmaps", str(older), "done", "moved-away", at=DAY0)
    old.review("retrieval/dense-retrieval/moved-away", "easy", DAY0 + WEEK, roadmaps=older)
    reviewed = old.schedules(RETRIEVAL)["retrieval/dense-retrieval/moved-away"]
    exported = tmp_path / "old.json"
    old("--roadmaps", str(older), "export", "-o", str(exported), at=DAY0 + WEEK)
    new("--roadmaps", str(newer), "done", "bm25", at=DAY0)
    result = new("--roadmaps", str(newer), "import", str(exported), "--json", at=DAY0 + WEEK)
    assert result.json()["reviews_taken"] == ["retrieval/dense-retrieval/nearest-neighbours"]
    assert new.schedules(RETRIEVAL)["retrieval/dense-retrieval/nearest-neighbours"] == reviewed
    again = new("--roadmaps", str(newer), "import", str(exported), "--json", at=DAY0 + WEEK)
    assert again.json()["reviews_taken"] == []


def _sync(folder: Path, at: datetime, *machines: Machine) -> list[dict[str, Any]]:
    found = []
    for machine in machines:
        result = machine("sync", str(folder), "--json", at=at)
        assert result.exit_code == 0, result.stderr
        _check("sync", result.json())
        found.append(result.json())
    return found


def test_two_machines_syncing_converge_on_the_later_review(
    machines: Callable[[str], Machine], tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    laptop, desktop = machines("laptop"), machines("desktop")
    laptop("done", "tokenization", at=DAY0)
    desktop("done", "attention-mechanisms", at=DAY0)
    _sync(shared, DAY0 + timedelta(hours=1), laptop, desktop, laptop)
    assert laptop.schedules() == desktop.schedules()
    assert set(laptop.schedules()) == {TOKENIZATION, ATTENTION}
    # Each reviews tokenization in its own week; the desktop's review is the later one.
    laptop.review(TOKENIZATION, "again", DAY0 + WEEK)
    desktop.review(TOKENIZATION, "good", DAY0 + WEEK + timedelta(days=2))
    desktops = desktop.schedules()[TOKENIZATION]
    rounds = _sync(shared, DAY0 + 2 * WEEK, laptop, desktop, laptop)
    # The laptop first finds the desktop's file of the week before; the desktop keeps its own
    # later review; the laptop then takes it.
    taken = [r["incoming"][0]["reviews_taken"] for r in rounds]
    assert taken == [[], [], [TOKENIZATION]]
    assert laptop.schedules() == desktop.schedules()
    assert laptop.schedules()[TOKENIZATION] == desktops
    # Once the desktop has the laptop's record of taking it, a round with nothing new takes
    # nothing and writes nothing.
    _sync(shared, DAY0 + 3 * WEEK, desktop)
    files = {p.name: p.read_bytes() for p in shared.iterdir()}
    quiet = _sync(shared, DAY0 + 3 * WEEK, laptop, desktop, laptop)
    assert all(not came["reviews_taken"] for r in quiet for came in r["incoming"])
    assert {p.name: p.read_bytes() for p in shared.iterdir()} == files
    # The laptop's history has both reviews: its own, and the desktop's, imported.
    events = [
        json.loads(line) for line in (laptop.data / "history.jsonl").read_text("utf-8").splitlines()
    ]
    ratings = [(e.get("rating"), bool(e.get("imported"))) for e in events if e.get("rating")]
    assert sorted(ratings) == [("again", False), ("good", True)]
    shown = laptop("sync", str(shared), at=DAY0 + 3 * WEEK)
    assert "review schedule" not in shown.stdout  # nothing taken, nothing said


def test_sync_says_how_many_schedules_came_in(
    machines: Callable[[str], Machine], tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    laptop, desktop = machines("laptop"), machines("desktop")
    laptop("done", "tokenization", at=DAY0)
    desktop("done", "tokenization", at=DAY0 + timedelta(hours=1))
    _sync(shared, DAY0 + timedelta(hours=2), desktop)
    laptop.review(TOKENIZATION, "good", DAY0 + WEEK)
    _sync(shared, DAY0 + WEEK, laptop)
    own = desktop.schedules()[TOKENIZATION]
    said = desktop("sync", str(shared), at=DAY0 + WEEK + timedelta(hours=1))
    assert "1 review schedule taken" in said.stdout
    assert desktop.schedules()[TOKENIZATION] == laptop.schedules()[TOKENIZATION] != own
    # The sync's event keeps the schedule it replaced: undo sets it back.
    assert desktop("undo", at=DAY0 + WEEK + timedelta(hours=2)).exit_code == 0
    assert desktop.schedules()[TOKENIZATION] == own


def _progress_with_reviews(
    machine: Machine, lines: dict[str, str], course: str | None = None
) -> None:
    path = machine.progress_file(course)
    text = path.read_text("utf-8")
    assert "[reviews]\n" in text
    for key, line in lines.items():
        text = text.replace("[reviews]\n", f'[reviews]\n"{key}" = {line}\n', 1)
    path.write_text(text, encoding="utf-8")


def test_doctor_reports_schedules_nothing_uses_and_dates_the_scheduler_never_sets(
    machines: Callable[[str], Machine],
) -> None:
    a = machines("a")
    a("done", "tokenization", "attention-mechanisms", "nanogpt", at=DAY0)
    assert a("doctor", at=DAY0).exit_code == 0
    schedule = a.schedules()[TOKENIZATION]

    def line(due: datetime, last_review: datetime) -> str:
        return (
            f"{{ due = {due.isoformat()}, last_review = {last_review.isoformat()}, "
            f"stability = {schedule['stability']!r}, difficulty = {schedule['difficulty']!r} }}"
        )

    usual = line(schedule["due"], schedule["last_review"])
    _progress_with_reviews(
        a,
        {
            NANOGPT: usual,  # a reference, done
            DATA_PREP: usual,  # a topic not done
            "somewhere/else/entirely": usual,  # nothing in the course
        },
    )
    text = (a.data / "progress.toml").read_text("utf-8")
    attention = a.schedules()[ATTENTION]
    text = text.replace(
        f'"{ATTENTION}" = {{ due = {attention["due"].isoformat()}',
        f'"{ATTENTION}" = {{ due = {(DAY0 + timedelta(days=400)).isoformat()}',
    )
    (a.data / "progress.toml").write_text(text, encoding="utf-8")
    result = a("doctor", "--json", at=DAY0)
    assert result.exit_code == 1  # a schedule the scheduler never sets is a problem
    doc = result.json()
    _check("doctor", doc)
    found = {(f["level"], f["code"]): [] for f in doc["findings"]}
    for f in doc["findings"]:
        found[(f["level"], f["code"])].append(f["message"])
    unused = " ".join(found[("note", "unused-schedule")])
    assert len(found[("note", "unused-schedule")]) == 3
    assert f"'{NANOGPT}' is a reference" in unused
    assert f"'{DATA_PREP}' is not started, not done" in unused
    assert "'somewhere/else/entirely' is for nothing in this course" in unused
    (bad,) = found[("problem", "bad-schedule")]
    assert ATTENTION in bad and "more than a year after its last review" in bad
    shown = a("doctor", at=DAY0)
    assert "kept, not used" in shown.stdout
    # A schedule due before its last review is one too.
    text = text.replace(
        f"due = {(DAY0 + timedelta(days=400)).isoformat()}", "due = 2026-01-01T00:00:00Z"
    )
    (a.data / "progress.toml").write_text(text, encoding="utf-8")
    (bad,) = [
        f["message"]
        for f in a("doctor", "--json", at=DAY0).json()["findings"]
        if f["code"] == "bad-schedule"
    ]
    assert "falls due before its last review" in bad


def test_a_schedule_kept_under_a_former_id_beside_the_current_ones_is_noted(
    machines: Callable[[str], Machine], tmp_path: Path
) -> None:
    roadmaps = tmp_path / "course.toml"
    roadmaps.write_text(EXAMPLE.read_text("utf-8"), encoding="utf-8")
    a = machines("a")
    a("--roadmaps", str(roadmaps), "done", "nearest-neighbours", at=DAY0)
    current = "retrieval/dense-retrieval/nearest-neighbours"
    schedule = a.schedules(RETRIEVAL)[current]
    line = (
        f"{{ due = {schedule['due'].isoformat()}, last_review = "
        f"{schedule['last_review'].isoformat()}, stability = 1.0, difficulty = 5.0 }}"
    )
    _progress_with_reviews(a, {"retrieval/keyword-search/ann": line}, RETRIEVAL)
    result = a("--roadmaps", str(roadmaps), "doctor", "--json", at=DAY0)
    messages = [f["message"] for f in result.json()["findings"] if f["code"] == "unused-schedule"]
    assert messages == [
        f"the review schedule kept under 'retrieval/keyword-search/ann' is for {current} now, "
        "which has one of its own; it is kept, not used"
    ]
