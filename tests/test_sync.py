"""`llmcourse sync`: data folders standing for machines, and one shared folder between them."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Run, installed
from llmcourse.cli import app
from llmcourse.session import Session

TOKENIZATION = "scientist/architecture/tokenization"
ATTENTION = "scientist/architecture/attention-mechanisms"
DATA_PREP = "scientist/pre-training/data-preparation"
MOMENT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Machine:
    """A data folder standing for one machine, and how to run llmcourse there."""

    def __init__(self, root: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name = name
        self.data = root / name
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, at: datetime | None = None) -> Run:
        self.monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(self.data))
        self.monkeypatch.setenv("LLMCOURSE_MACHINE", self.name)
        session = Session(clock=(lambda: at) if at is not None else None)
        result = CliRunner().invoke(app, list(args), obj=session, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def statuses(self) -> dict[str, str]:
        path = self.data / "progress.toml"
        entries = tomllib.loads(path.read_text("utf-8"))["entries"]
        return {key: value["status"] for key, value in entries.items()}

    def history(self) -> list[dict[str, object]]:
        lines = (self.data / "history.jsonl").read_text("utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def notes(self) -> dict[str, list[str]]:
        path = self.data / "progress.toml"
        found = tomllib.loads(path.read_text("utf-8")).get("notes", {})
        return {key: [note["text"] for note in notes] for key, notes in found.items()}


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    return folder


@pytest.fixture
def machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Machine]:
    return lambda name: Machine(tmp_path, name, monkeypatch)


def _files(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file in `folder`, with its inode, its modification time and its bytes."""
    found = {}
    for path in sorted(folder.iterdir()):
        info = path.stat()
        found[path.name] = (info.st_ino, info.st_mtime_ns, path.read_bytes())
    return found


def _round(shared: Path, *machines: Machine) -> None:
    for machine in machines:
        result = machine("sync", str(shared))
        assert result.exit_code == 0, result.stderr


def test_machines_converge_on_everything_each_recorded(
    machines: Callable[[str], Machine], shared: Path
) -> None:
    laptop, desktop, office = machines("laptop"), machines("desktop"), machines("office")
    laptop("done", "tokenization")
    laptop("note", "tokenization", "BPE merges pairs")
    desktop("start", "attention-mechanisms")
    office("done", "data-preparation")
    _round(shared, laptop, desktop, office)
    _round(shared, laptop, desktop, office)
    expected = {TOKENIZATION: "done", ATTENTION: "in-progress", DATA_PREP: "done"}
    for machine in (laptop, desktop, office):
        assert machine.statuses() == expected
        assert machine.notes() == {TOKENIZATION: ["BPE merges pairs"]}
        # Each machine's own change is in every history once, as it was made ("done",
        # "start"); on the other machines as an imported event.
        made = [(e["id"], e["new"]) for e in machine.history() if e["command"] != "sync"]
        assert sorted(made) == sorted(expected.items())
        mine = [
            e["id"] for e in machine.history() if e["command"] != "sync" and not e.get("imported")
        ]
        assert mine == [{laptop: TOKENIZATION, desktop: ATTENTION, office: DATA_PREP}[machine]]
    # Every machine wrote its own file, and no other.
    assert sorted(p.name for p in shared.iterdir()) == [
        "llmcourse-desktop.json",
        "llmcourse-laptop.json",
        "llmcourse-office.json",
    ]


def test_a_round_with_nothing_new_rewrites_no_file_and_adds_no_event(
    machines: Callable[[str], Machine], shared: Path
) -> None:
    laptop, desktop = machines("laptop"), machines("desktop")
    laptop("done", "tokenization")
    desktop("done", "data-preparation")
    _round(shared, laptop, desktop, laptop, desktop)
    files = _files(shared)
    data = {name: _files(m.data) for name, m in (("laptop", laptop), ("desktop", desktop))}
    later = datetime.now(UTC) + timedelta(hours=1)  # an export made then says so
    for machine in (laptop, desktop, laptop):
        result = machine("sync", "--json", at=later)
        assert result.exit_code == 0
        doc = result.json()
        assert doc["written"] is False
        assert [came["events_added"] for came in doc["incoming"]] == [0]
        assert [came["changed"] for came in doc["incoming"]] == [[]]
    assert _files(shared) == files
    assert {name: _files(m.data) for name, m in (("laptop", laptop), ("desktop", desktop))} == data
    said = laptop("sync").stdout
    assert "desktop: nothing new" in said
    assert "llmcourse-laptop.json is up to date" in said


def test_the_newer_change_wins_on_both_machines(
    machines: Callable[[str], Machine], shared: Path
) -> None:
    laptop, desktop = machines("laptop"), machines("desktop")
    laptop("done", "tokenization", at=MOMENT)
    desktop("skip", "tokenization", at=MOMENT + timedelta(minutes=5))
    for machine in (laptop, desktop, laptop, desktop):
        assert machine("sync", str(shared), at=MOMENT + timedelta(hours=1)).exit_code == 0
    assert laptop.statuses()[TOKENIZATION] == desktop.statuses()[TOKENIZATION] == "skipped"
    # The older change is not lost: it is in both histories.
    for machine in (laptop, desktop):
        assert any(e["id"] == TOKENIZATION and e["new"] == "done" for e in machine.history())


def test_changes_at_the_same_moment_settle_by_status_the_same_way_on_both(
    machines: Callable[[str], Machine], shared: Path
) -> None:
    laptop, desktop = machines("laptop"), machines("desktop")
    laptop("start", "tokenization", at=MOMENT)
    desktop("done", "tokenization", at=MOMENT)
    desktop("start", "attention-mechanisms", at=MOMENT)
    laptop("skip", "attention-mechanisms", at=MOMENT)
    for machine in (desktop, laptop, desktop, laptop):
        assert machine("sync", str(shared), at=MOMENT).exit_code == 0
    for machine in (laptop, desktop):
        assert machine.statuses() == {TOKENIZATION: "done", ATTENTION: "in-progress"}


def test_undo_reverts_what_a_sync_brought_in(
    machines: Callable[[str], Machine], shared: Path
) -> None:
    laptop, desktop = machines("laptop"), machines("desktop")
    laptop("done", "data-preparation", at=MOMENT)
    assert laptop("sync", str(shared), at=MOMENT).exit_code == 0
    desktop("done", "tokenization", at=MOMENT)
    assert desktop("sync", str(shared), at=MOMENT).exit_code == 0
    assert desktop.statuses()[DATA_PREP] == "done"
    undone = desktop("undo", at=MOMENT + timedelta(minutes=1))
    assert undone.exit_code == 0
    assert "sync" in undone.stdout
    assert desktop.statuses() == {TOKENIZATION: "done", DATA_PREP: "not-started"}
    # The undo is the newer change: the next round carries it to the other machine.
    for machine in (desktop, laptop):
        assert machine("sync", at=MOMENT + timedelta(minutes=2)).exit_code == 0
    assert laptop.statuses()[DATA_PREP] == "not-started"


def test_a_machine_with_nothing_recorded_takes_the_others_progress_and_history(
    machines: Callable[[str], Machine], shared: Path
) -> None:
    laptop, desktop, new = machines("laptop"), machines("desktop"), machines("new")
    laptop("done", "tokenization")
    desktop("done", "data-preparation")
    _round(shared, laptop, desktop)
    result = new("sync", str(shared), "--json")
    assert result.exit_code == 0
    assert [came["adopted"] for came in result.json()["incoming"]] == [True, False]
    assert new.statuses() == desktop.statuses()
    assert new("log").exit_code == 0
    assert new("doctor").exit_code == 0


def test_concurrent_syncs_as_real_processes_lose_nothing(tmp_path: Path, shared: Path) -> None:
    command = installed()
    topics = {"one": "tokenization", "two": "data-preparation", "three": "attention-mechanisms"}

    def env(name: str) -> dict[str, str]:
        return {
            **os.environ,
            "LLMCOURSE_DATA_DIR": str(tmp_path / name),
            "LLMCOURSE_MACHINE": name,
        }

    for name, topic in topics.items():
        subprocess.run([command, "done", topic], env=env(name), check=True, capture_output=True)
    # Every machine syncs three times, all at once; two of them twice in parallel with
    # themselves (the lock serialises those).
    running = [
        subprocess.Popen(
            [command, "sync", str(shared)],
            env=env(name),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
        for name in (*topics, "one", "two")
    ]
    for process in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    for _ in range(2):  # then rounds one after the other
        for name in topics:
            subprocess.run(
                [command, "sync", str(shared)], env=env(name), check=True, capture_output=True
            )
    expected = {TOKENIZATION: "done", DATA_PREP: "done", ATTENTION: "done"}
    for name in topics:
        entries = tomllib.loads((tmp_path / name / "progress.toml").read_text("utf-8"))["entries"]
        assert {key: value["status"] for key, value in entries.items()} == expected
        check = subprocess.run([command, "doctor"], env=env(name), capture_output=True)
        assert check.returncode == 0, check.stdout
    assert sorted(p.name for p in shared.iterdir()) == [
        "llmcourse-one.json",
        "llmcourse-three.json",
        "llmcourse-two.json",
    ]


@pytest.fixture
def pair(machines: Callable[[str], Machine], shared: Path) -> tuple[Machine, Machine]:
    """Two machines that have synced once: the desktop's file is in the shared folder."""
    laptop, desktop = machines("laptop"), machines("desktop")
    desktop("done", "data-preparation")
    assert desktop("sync", str(shared)).exit_code == 0
    laptop("done", "tokenization")
    return laptop, desktop


def _skipped(result: Run, path: Path, reason: str) -> None:
    assert result.exit_code == 1
    said = " ".join(result.stderr.split())  # as one line, however the terminal wrapped it
    assert f"note: skipped {path} (left as it is): " in said
    assert reason in said


def test_a_half_copied_file_is_named_and_skipped_and_the_rest_syncs(
    pair: tuple[Machine, Machine], shared: Path
) -> None:
    laptop, _ = pair
    whole = (shared / "llmcourse-desktop.json").read_bytes()
    half = shared / "llmcourse-phone.json"
    half.write_bytes(whole[: len(whole) // 2])
    result = laptop("sync", str(shared))
    _skipped(result, half, "not a JSON document")
    assert laptop.statuses()[DATA_PREP] == "done"
    assert (shared / "llmcourse-laptop.json").exists()
    assert half.read_bytes() == whole[: len(whole) // 2]


def test_a_file_of_a_newer_version_is_named_and_skipped(
    pair: tuple[Machine, Machine], shared: Path
) -> None:
    laptop, _ = pair
    doc = json.loads((shared / "llmcourse-desktop.json").read_text("utf-8"))
    newer = shared / "llmcourse-tablet.json"
    newer.write_text(json.dumps({**doc, "version": 2}), encoding="utf-8")
    result = laptop("sync", str(shared), "--json")
    _skipped(result, newer, "written by a newer llmcourse (export version 2")
    assert result.json()["skipped"] == [
        {"file": str(newer), "reason": result.json()["skipped"][0]["reason"]}
    ]
    assert [came["machine"] for came in result.json()["incoming"]] == ["desktop"]
    assert laptop.statuses()[DATA_PREP] == "done"


def test_files_that_are_not_ours_are_named_and_skipped(
    pair: tuple[Machine, Machine], shared: Path, tmp_path: Path
) -> None:
    laptop, _ = pair
    foreign = shared / "llmcourse-other.json"
    foreign.write_text('{"hello": "world"}', encoding="utf-8")
    pipe = shared / "llmcourse-pipe.json"
    os.mkfifo(pipe)
    course = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    other_course = laptop("--roadmaps", str(course), "export").stdout
    elsewhere = shared / "llmcourse-elsewhere.json"
    elsewhere.write_text(other_course, encoding="utf-8")
    result = laptop("sync", str(shared))
    _skipped(result, foreign, "not an llmcourse export")
    _skipped(result, pipe, "a named pipe")
    _skipped(result, elsewhere, "holds progress on the course")
    assert laptop.statuses()[DATA_PREP] == "done"


def test_a_file_stamped_far_in_the_future_is_skipped(
    pair: tuple[Machine, Machine], shared: Path
) -> None:
    laptop, _ = pair
    doc = json.loads((shared / "llmcourse-desktop.json").read_text("utf-8"))
    for entry in doc["progress"]["entries"].values():
        entry["changed"] = "2999-01-01T00:00:00Z"
    ahead = shared / "llmcourse-ahead.json"
    ahead.write_text(json.dumps(doc), encoding="utf-8")
    _skipped(laptop("sync", str(shared)), ahead, "in the future by this machine's clock")


def test_a_sync_services_temporaries_and_copies_are_never_read_as_machines(
    pair: tuple[Machine, Machine], shared: Path
) -> None:
    laptop, _ = pair
    bad = b'{"format": "llmcourse-export", "version": 1'
    names = [
        ".syncthing.llmcourse-phone.json.tmp",
        "llmcourse-phone.json~",
        "~llmcourse-phone.json",
        ".llmcourse-phone.json.llmcourse-12-ab.tmp",
        "llmcourse-desktop.sync-conflict-20260301-090000-ABCDEFG.json",
        "llmcourse-desktop (conflicted copy 2026-03-01).json",
        "README.md",
    ]
    for name in names:
        (shared / name).write_bytes(bad)
    # What a sync killed on this machine left: cleared as this machine's file is written.
    left = shared / ".llmcourse-laptop.json.llmcourse-999999999-ab.tmp"
    left.write_bytes(bad)
    result = laptop("sync", str(shared), "--json")
    assert result.exit_code == 0, result.stderr
    assert not left.exists()
    assert [came["machine"] for came in result.json()["incoming"]] == ["desktop"]
    assert result.json()["skipped"] == []
    assert sorted(Path(p).name for p in result.json()["conflicted_copies"]) == sorted(names[4:6])
    assert "looks like a sync service's conflicted copy" in " ".join(result.stderr.split())
    for name in names:
        assert (shared / name).read_bytes() == bad


def test_this_machines_file_that_cannot_be_read_is_not_replaced(
    pair: tuple[Machine, Machine], shared: Path
) -> None:
    laptop, _ = pair
    own = shared / "llmcourse-laptop.json"
    own.write_text("not json", encoding="utf-8")
    result = laptop("sync", str(shared))
    _skipped(result, own, "this machine's file, not replaced")
    assert own.read_text("utf-8") == "not json"
    assert laptop.statuses()[DATA_PREP] == "done"  # the rest still synced


def test_two_machines_under_one_name_lose_nothing_and_are_told(
    machines: Callable[[str], Machine], shared: Path, tmp_path: Path
) -> None:
    first = machines("laptop")
    second = Machine(tmp_path / "elsewhere", "laptop", first.monkeypatch)
    first("done", "tokenization")
    second("done", "data-preparation")
    assert first("sync", str(shared)).exit_code == 0
    result = second("sync", str(shared), "--json")
    assert result.exit_code == 0
    assert result.json()["same_name"] is True
    assert "another machine may sync under the name 'laptop'" in " ".join(result.stderr.split())
    assert second.statuses() == {TOKENIZATION: "done", DATA_PREP: "done"}
    assert first("sync").exit_code == 0
    assert first.statuses() == second.statuses()


def test_the_folder_and_a_machine_name_given_are_remembered(
    run: Callable[..., Run], shared: Path, tmp_path: Path
) -> None:
    assert run("sync").exit_code == 2
    result = run("sync", str(shared), "--machine", "Study-PC")
    assert result.exit_code == 0, result.stderr
    settings = tomllib.loads((tmp_path / "config" / "config.toml").read_text("utf-8"))
    assert settings == {"sync": {"folder": str(shared), "machine": "study-pc"}}
    again = run("sync", "--json")
    assert again.exit_code == 0
    assert (again.json()["folder"], again.json()["machine"]) == (str(shared), "study-pc")
    assert (shared / "llmcourse-study-pc.json").exists()


def test_a_folder_that_does_not_exist_is_refused_and_not_remembered(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    result = run("sync", str(tmp_path / "not-mounted"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the sync folder")
    assert "does not exist" in result.stderr
    assert not (tmp_path / "not-mounted").exists()
    assert not (tmp_path / "config").exists()


def test_a_damaged_settings_file_is_an_error_and_left_as_it_is(
    run: Callable[..., Run], shared: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_bytes(b"[sync\nfolder = ")
    result = run("sync", str(shared))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: settings file {config}: not TOML")
    assert config.read_bytes() == b"[sync\nfolder = "
    assert list(shared.iterdir()) == []
    assert run("progress").exit_code == 0  # no other command reads it


def test_other_settings_are_kept_when_the_folder_is_remembered(
    run: Callable[..., Run], shared: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text('later = "kept"\n[sync]\nfolder = "/gone"\nextra = 1\n', encoding="utf-8")
    assert run("sync", str(shared), "--machine", "pc").exit_code == 0
    assert tomllib.loads(config.read_text("utf-8")) == {
        "later": "kept",
        "sync": {"folder": str(shared), "machine": "pc", "extra": 1},
    }


@pytest.mark.parametrize("name", ["my laptop", "../x", "a.b", "-x", "", "é", "x" * 64])
def test_a_machine_name_that_cannot_name_a_file_is_refused(
    run: Callable[..., Run], shared: Path, name: str
) -> None:
    result = run("sync", str(shared), "--machine", name)
    assert result.exit_code == 2
    assert "cannot name this machine's file" in result.stderr
    assert list(shared.iterdir()) == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [("My Laptop.local", "my-laptop"), ("DESKTOP-1A2B", "desktop-1a2b"), ("büro", "b-ro")],
)
def test_the_host_name_is_made_safe_for_a_file(
    run: Callable[..., Run],
    shared: Path,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    expected: str,
) -> None:
    import socket

    monkeypatch.setattr(socket, "gethostname", lambda: host)
    result = run("sync", str(shared), "--json")
    assert result.exit_code == 0
    assert result.json()["machine"] == expected
    assert (shared / f"llmcourse-{expected}.json").exists()


def test_a_course_of_ones_own_has_files_of_its_own(run: Callable[..., Run], shared: Path) -> None:
    course = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    assert run("--roadmaps", str(course), "sync", str(shared), "--machine", "pc").exit_code == 0
    assert run("sync", "--machine", "pc").exit_code == 0  # the bundled course, same folder
    names = sorted(p.name for p in shared.iterdir())
    assert len(names) == 2
    assert "llmcourse-pc.json" in names
