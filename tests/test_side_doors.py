"""What an adversarial reader of the data folder tried, and what must hold: a history that is not
this program's is never cut, a pipe or a huge file is never read, and every file llmcourse
writes is one it can read again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Run, installed
from llmcourse.progressfile import MAX_HISTORY_BYTES

Invoke = Callable[..., Run]
posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")


def _entries(progress_file: Path) -> dict[str, str]:
    data = tomllib.loads(progress_file.read_text("utf-8"))
    return {key: value["status"] for key, value in data["entries"].items()}


# --- The history -------------------------------------------------------------------------


def test_a_history_without_a_final_newline_is_set_aside_whole(run: Invoke, data_dir: Path) -> None:
    data_dir.mkdir()
    history = data_dir / "history.jsonl"
    history.write_bytes(b"a line of someone else's, with no newline at its end")
    assert run("done", "tokenization").exit_code == 0
    kept = [p for p in data_dir.iterdir() if p.name.startswith("history.set-aside-")]
    assert [p.read_bytes() for p in kept] == [
        b"a line of someone else's, with no newline at its end"
    ]


@posix
def test_a_linked_history_of_no_change_here_is_never_cut(
    run: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "journal.txt"
    elsewhere.write_bytes(b"months of writing, no final newline")
    data_dir.mkdir()
    (data_dir / "history.jsonl").symlink_to(elsewhere)
    assert run("done", "tokenization").exit_code == 0
    assert elsewhere.read_bytes() == b"months of writing, no final newline"


def test_bytes_past_the_recorded_end_that_are_not_ours_are_kept(
    run: Invoke, data_dir: Path
) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    with history.open("ab") as handle:
        handle.write(b"pasted by hand, no newline")
    assert run("done", "scientist/1/3").exit_code == 0
    kept = [p for p in data_dir.iterdir() if p.name.startswith("history.unrecorded-")]
    assert [p.read_bytes() for p in kept] == [b"pasted by hand, no newline"]
    assert b"pasted by hand" not in history.read_bytes()


def test_the_start_of_an_event_a_crash_left_is_cut(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    with history.open("ab") as handle:
        handle.write(b'{"rev": 2, "time": "2026-')
    assert run("done", "scientist/1/3").exit_code == 0
    assert not [p for p in data_dir.iterdir() if p.name.startswith("history.unrecorded-")]
    assert len(history.read_bytes().splitlines()) == 2


def test_a_huge_sparse_history_is_set_aside_unread(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    huge = MAX_HISTORY_BYTES + (1 << 20)  # past the recorded end: more than any change writes
    with history.open("r+b") as handle:
        handle.truncate(huge)  # sparse where the file system allows
    assert run("done", "scientist/1/3").exit_code == 0
    # Set aside whole, by its name: not copied into a file of unrecorded events, not read.
    kept = [p for p in data_dir.iterdir() if p.name.startswith("history.set-aside-")]
    assert len(kept) == 1 and kept[0].stat().st_size == huge
    assert not [p for p in data_dir.iterdir() if p.name.startswith("history.unrecorded-")]
    assert run("log").exit_code == 0


# --- Pipes and devices -------------------------------------------------------------------

_PIPES = ["progress.toml", "history.jsonl", "progress.toml.bak"]


@posix
@pytest.mark.parametrize("name", _PIPES)
def test_a_named_pipe_in_the_data_folder_never_hangs_a_command(data_dir: Path, name: str) -> None:
    for topic in ("tokenization", "scientist/1/3"):  # two changes: the backup is there too
        subprocess.run([installed(), "done", topic], check=True, capture_output=True)
    pipe = data_dir / name
    pipe.unlink()
    os.mkfifo(pipe)
    for words in (["done", "scientist/1/3"], ["progress"], ["log"], ["doctor"]):
        result = subprocess.run([installed(), *words], capture_output=True, text=True, timeout=20)
        assert "Traceback" not in result.stderr, (words, result.stderr)
        if result.returncode:
            assert "named pipe" in result.stderr or "named pipe" in result.stdout, words
    assert pipe.exists() and not pipe.is_file()  # left as it is


# --- Notes -------------------------------------------------------------------------------


def test_unknown_keys_on_notes_are_kept_by_writes_and_exports(
    run: Invoke, progress_file: Path, tmp_path: Path
) -> None:
    run("note", "tokenization", "first")
    text = progress_file.read_text("utf-8")
    progress_file.write_text(
        text.replace('text = "first"', 'text = "first", tag = "important"'), encoding="utf-8"
    )
    assert 'tag = "important"' in progress_file.read_text("utf-8")
    run("done", "scientist/1/3")
    run("note", "tokenization", "second")
    notes = tomllib.loads(progress_file.read_text("utf-8"))["notes"]
    (key,) = notes
    assert [note.get("tag") for note in notes[key]] == ["important", None]
    exported = tmp_path / "export.json"
    run("export", "--format", "json", "-o", str(exported))
    progress_file.unlink()
    progress_file.with_name("history.jsonl").unlink()
    assert run("import", str(exported)).exit_code == 0
    notes = tomllib.loads(progress_file.read_text("utf-8"))["notes"]
    assert [note.get("tag") for note in notes[key]] == ["important", None]


# --- What the reader refuses, nothing writes --------------------------------------------


@pytest.mark.usefixtures("piped")
def test_unknown_keys_nested_too_deeply_are_a_problem_the_doctor_names(
    run: Invoke, progress_file: Path
) -> None:
    run("done", "tokenization")
    deep = "x = " + "[" * 300 + "]" * 300 + "\n"
    text = progress_file.read_text("utf-8")
    progress_file.write_text(text.replace("[entries]", deep + "\n[entries]"), encoding="utf-8")
    before = progress_file.read_bytes()
    result = run("done", "scientist/1/3")
    assert result.exit_code == 1
    assert "nested more than 32 levels deep" in result.stderr
    assert "Traceback" not in result.stderr
    assert progress_file.read_bytes() == before
    doctor = run("doctor", "--json")
    assert doctor.exit_code == 1
    assert any("nested" in f["message"] for f in doctor.json()["findings"])


def test_a_byte_order_mark_is_read_through(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization")
    progress_file.write_bytes(b"\xef\xbb\xbf" + progress_file.read_bytes())
    result = run("done", "scientist/1/3")
    assert result.exit_code == 0, result.stderr
    assert set(_entries(progress_file).values()) == {"done"}


def test_history_lines_are_json(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    for line in (data_dir / "history.jsonl").read_bytes().splitlines():
        assert json.loads(line)["rev"] == 1


# --- Import ------------------------------------------------------------------------------

TOKENIZATION = "scientist/architecture/tokenization"


def _export(tmp_path: Path, **parts: object) -> Path:
    doc = {
        "format": "llmcourse-export",
        "version": 1,
        "course": {"id": "llm-course"},
        "progress": {"revision": 0, "entries": {}},
    } | parts
    path = tmp_path / "other.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize(
    "time", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-23:59", "2026-01-01T00:00:00"]
)
def test_an_import_holds_only_what_the_reader_accepts(
    run: Invoke, tmp_path: Path, data_dir: Path, time: str
) -> None:
    run("done", "scientist/1/3")
    before = (data_dir / "progress.toml").read_bytes()
    other = _export(tmp_path, notes={TOKENIZATION: [{"text": "hi", "time": time}]})
    result = run("import", str(other))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {other}: notes.{TOKENIZATION}[1]")
    assert (data_dir / "progress.toml").read_bytes() == before
    assert run("progress").exit_code == 0


@pytest.mark.usefixtures("piped")
def test_an_import_of_keys_nested_too_deeply_is_refused(run: Invoke, tmp_path: Path) -> None:
    deep = "x = " + "[" * 300 + "]" * 300 + "\n"
    other = _export(tmp_path, progress={"revision": 0, "entries": {}, "extra_toml": deep})
    result = run("import", str(other))
    assert result.exit_code == 1
    assert "nested more than 32 levels deep" in result.stderr
    assert run("done", "tokenization").exit_code == 0


@pytest.mark.usefixtures("piped")
def test_times_in_the_future_are_refused(run: Invoke, tmp_path: Path) -> None:
    entry = {"status": "done", "changed": "9999-12-30T00:00:00Z"}
    other = _export(tmp_path, progress={"revision": 0, "entries": {TOKENIZATION: entry}})
    result = run("import", str(other))
    assert result.exit_code == 1
    assert "in the future by this machine's clock" in result.stderr
    # A clock a few hours ahead is not refused.
    soon = datetime.now(UTC) + timedelta(hours=3)
    entry["changed"] = soon.isoformat()
    other = _export(tmp_path, progress={"revision": 0, "entries": {TOKENIZATION: entry}})
    assert run("import", str(other)).exit_code == 0


def test_unknown_top_level_keys_of_an_export_are_kept(
    run: Invoke, tmp_path: Path, progress_file: Path
) -> None:
    run("done", "tokenization")
    extra = 'theme = "dark"\n'
    other = _export(tmp_path, progress={"revision": 0, "entries": {}, "extra_toml": extra})
    result = run("import", str(other), "--json")
    assert result.exit_code == 0
    assert result.json()["keys_kept"] == ["theme"]
    assert tomllib.loads(progress_file.read_text("utf-8"))["theme"] == "dark"
    again = run("import", str(other), "--json").json()
    assert again["keys_kept"] == [] and again["changed"] == []


def test_reimporting_notes_kept_under_a_former_id_adds_them_once(
    run: Invoke, tmp_path: Path, progress_file: Path
) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    roadmaps = tmp_path / "roadmaps.toml"
    roadmaps.write_text(example.read_text("utf-8"), encoding="utf-8")
    run("--roadmaps", str(roadmaps), "done", "bm25")
    other = _export(
        tmp_path,
        course={"id": "retrieval-course"},
        notes={"retrieval/keyword-search/ann": [{"text": "HNSW", "time": "2026-11-01T10:00:00Z"}]},
    )
    course = tomllib.loads(roadmaps.read_text("utf-8"))["course"]["id"]
    other.write_text(other.read_text("utf-8").replace("retrieval-course", course), "utf-8")
    for _ in range(3):
        assert run("--roadmaps", str(roadmaps), "import", str(other)).exit_code == 0
    shown = run("--roadmaps", str(roadmaps), "note", "nearest-neighbours", "--json").json()
    assert [note["text"] for note in shown["notes"]] == ["HNSW"]


@pytest.mark.usefixtures("piped")
def test_an_import_beyond_the_limits_is_refused(run: Invoke, tmp_path: Path) -> None:
    from llmcourse.progressfile import MAX_ENTRIES

    entry = {"status": "done", "changed": "2026-01-01T00:00:00Z"}
    entries = {f"unknown/{number}": entry for number in range(MAX_ENTRIES + 1)}
    other = _export(tmp_path, progress={"revision": 0, "entries": entries})
    result = run("import", str(other))
    assert result.exit_code == 1
    assert "more than the 50,000 llmcourse keeps" in result.stderr


# --- The doctor and the lock ---------------------------------------------------------------


def test_long_doctor_lists_are_summarised(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization")
    lines = [
        f'"gone/{n}" = {{ status = "done", changed = 2026-01-01T00:00:00Z }}' for n in range(30)
    ]
    text = progress_file.read_text("utf-8").replace(
        "[entries]\n", "[entries]\n" + "\n".join(lines) + "\n"
    )
    progress_file.write_text(text, encoding="utf-8")
    findings = run("doctor", "--json").json()["findings"]
    unknown = [f["message"] for f in findings if f["code"] == "earlier-course-version"]
    assert len(unknown) == 21
    assert unknown[-1].startswith("and 10 more entries like these")


def test_the_doctor_offers_fix_only_for_what_fix_can_do(run: Invoke, progress_file: Path) -> None:
    progress_file.mkdir(parents=True)  # a folder where the file should be
    result = run("doctor")
    assert result.exit_code == 1
    assert "it is a folder, not a file" in result.stdout
    assert "--fix" not in result.stdout
    progress_file.rmdir()
    progress_file.write_text("not = [toml", encoding="utf-8")
    assert "Run 'llmcourse doctor --fix'" in run("doctor").stdout


@pytest.mark.usefixtures("piped")
@posix
def test_a_linked_lock_file_is_refused_and_its_target_never_made(
    run: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    data_dir.mkdir()
    target = tmp_path / "elsewhere" / "made-by-the-lock"
    target.parent.mkdir()
    (data_dir / "progress.toml.lock").symlink_to(target)
    result = run("done", "tokenization")
    assert result.exit_code == 1
    assert "the lock file" in result.stderr and "is a link" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("course_id", ["../../..", "a/b", "", "con", "x" * 65])
def test_a_course_id_that_is_not_a_folder_name_never_reaches_the_disk(
    course_id: str, data_dir: Path
) -> None:
    from llmcourse import store
    from llmcourse.errors import ProgressFileError

    with pytest.raises(ProgressFileError, match="cannot name a folder of progress"):
        store.progress_path(course_id)
    assert not data_dir.exists()


def test_a_roadmap_file_with_a_byte_order_mark_is_read_through(run: Invoke, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    marked = tmp_path / "marked.toml"
    marked.write_bytes(b"\xef\xbb\xbf" + example.read_bytes())
    result = run("validate", str(marked))
    assert result.exit_code == 0, result.stdout


# --- From a second look ------------------------------------------------------------------


def test_a_time_offset_by_seconds_is_refused_by_import(run: Invoke, tmp_path: Path) -> None:
    odd = "2026-11-28T20:00:00+00:00:30"  # Python reads it; TOML cannot write it
    other = _export(tmp_path, notes={TOKENIZATION: [{"text": "n", "time": odd}]})
    result = run("import", str(other))
    assert result.exit_code == 1
    assert "whole minutes" in result.stderr
    entry = {"status": "done", "changed": odd}
    other = _export(tmp_path, progress={"revision": 0, "entries": {TOKENIZATION: entry}})
    assert run("import", str(other)).exit_code == 1
    assert run("progress").exit_code == 0


def test_a_history_past_its_limit_is_refused_before_it_is_written(
    run: Invoke, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcourse import progressfile

    run("done", "tokenization")
    history = (data_dir / "history.jsonl").read_bytes()
    monkeypatch.setattr(progressfile, "MAX_HISTORY_BYTES", len(history) + 100)
    events = [
        {"rev": 1, "time": f"2026-01-01T00:00:{n:02}Z", "command": "done", "id": TOKENIZATION}
        | {"old": "not-started", "new": "done"}
        for n in range(5)
    ]
    other = _export(tmp_path, history=events, progress={"revision": 1, "entries": {}})
    result = run("import", str(other))
    assert result.exit_code == 1
    assert "its history would be larger than" in result.stderr
    assert (data_dir / "history.jsonl").read_bytes() == history


@pytest.mark.usefixtures("piped")
def test_a_progress_past_its_limit_is_refused_before_the_history_is_written(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcourse import progressfile

    run("done", "tokenization")
    history = (data_dir / "history.jsonl").read_bytes()
    size = (data_dir / "progress.toml").stat().st_size
    monkeypatch.setattr(progressfile, "MAX_PROGRESS_BYTES", size + 10)
    result = run("done", "scientist/1/3")
    assert result.exit_code == 1
    assert "it would be larger than" in result.stderr
    assert (data_dir / "history.jsonl").read_bytes() == history


def test_a_note_longer_than_the_reader_takes_is_refused(run: Invoke, progress_file: Path) -> None:
    from llmcourse.progressfile import MAX_NOTE_CHARS

    run("note", "tokenization", "short")
    before = progress_file.read_bytes()
    result = run("note", "tokenization", "a" * (MAX_NOTE_CHARS + 1))
    assert result.exit_code == 2
    assert "a note is at most 100,000 characters" in result.stderr
    assert progress_file.read_bytes() == before
    assert run("note", "tokenization", "a" * MAX_NOTE_CHARS).exit_code == 0
    assert run("progress").exit_code == 0


def test_a_missing_history_starts_anew_without_padding(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    (data_dir / "history.jsonl").unlink()
    assert run("done", "scientist/1/3").exit_code == 0
    content = (data_dir / "history.jsonl").read_bytes()
    assert content.startswith(b'{"rev": 2') and b"\0" not in content
    assert run("doctor").exit_code == 0
    assert run("undo").exit_code == 0


@posix
def test_a_history_linked_to_nothing_never_creates_its_target(
    run: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    history.unlink()
    outside = tmp_path / "outside" / "created.jsonl"
    outside.parent.mkdir()
    history.symlink_to(outside)
    assert run("done", "scientist/1/3").exit_code == 0
    assert not outside.exists()
    kept = [p for p in data_dir.iterdir() if p.name.startswith("history.set-aside-")]
    assert len(kept) == 1 and kept[0].is_symlink()
    assert not history.is_symlink()


@posix
def test_doctor_fix_sets_a_looping_history_link_aside(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    history.unlink()
    history.symlink_to(history)
    doctor = run("doctor")
    assert doctor.exit_code == 1 and "Move it out of the way" in doctor.stdout
    assert run("doctor", "--fix").exit_code == 0
    assert not history.is_symlink()
    assert run("doctor").exit_code == 0


def test_a_note_deleted_while_another_editor_is_open_stays_deleted(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("note", "tokenization", "one")
    run("note", "tokenization", "two")
    deleter = tmp_path / "deleter.py"
    deleter.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('two\\n', ''))\n",
        encoding="utf-8",
    )
    # The first editor changes nothing; while it is open, a second session deletes 'two'.
    waiter = tmp_path / "waiter.py"
    waiter.write_text(
        "import os, subprocess, sys\n"
        f"env = dict(os.environ, EDITOR={sys.executable!r} + ' ' + {str(deleter)!r})\n"
        f"subprocess.run([{installed()!r}, 'note', 'tokenization', '--edit'], env=env, "
        "check=True)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {waiter}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("note", "tokenization", "--edit", "--json")
    assert result.exit_code == 0, result.stderr
    assert [n["text"] for n in result.json()["notes"]] == ["one"]


def test_an_export_can_be_imported_through_a_pipe(data_dir: Path, tmp_path: Path) -> None:
    subprocess.run([installed(), "done", "tokenization"], check=True, capture_output=True)
    other = dict(os.environ, LLMCOURSE_DATA_DIR=str(tmp_path / "other"))
    exported = subprocess.run([installed(), "export"], check=True, capture_output=True).stdout
    imported = subprocess.run(
        [installed(), "import", "/dev/stdin"], input=exported, env=other, capture_output=True
    )
    assert imported.returncode == 0, imported.stderr
    assert "Took the progress and history" in imported.stdout.decode()


@posix
def test_a_folder_where_the_backup_goes_is_a_problem(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    (data_dir / "progress.toml.bak").mkdir()
    doctor = run("doctor", "--json")
    assert doctor.exit_code == 1
    assert "backup-not-a-file" in [f["code"] for f in doctor.json()["findings"]]


@posix
@pytest.mark.parametrize(
    ("where", "args"),
    [("2>/dev/full", ["done", "nosuch"]), ("2>/dev/full", ["done", "tokenization"])],
)
def test_messages_that_cannot_be_written_keep_the_exit_code(
    data_dir: Path, where: str, args: list[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        result = subprocess.run([installed(), *args], stderr=full, stdout=subprocess.PIPE)
    assert result.returncode == (2 if "nosuch" in args else 0)


@posix
def test_a_closed_stderr_keeps_the_exit_code(data_dir: Path) -> None:
    result = subprocess.run(
        f"'{installed()}' done nosuch 2>&-; echo $?", shell=True, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "2"


def test_a_live_writer_of_another_process_keeps_its_temporary_file(
    progress_file: Path,
) -> None:
    from llmcourse import store

    folder = progress_file.parent
    folder.mkdir(parents=True)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as writer:
        try:
            young = folder / f".progress.toml.llmcourse-{writer.pid}-a1.tmp"
            young.write_text("being written")
            assert store.stale_temporaries(progress_file) == []
        finally:
            writer.kill()
    writer.wait()
    assert store.stale_temporaries(progress_file) == [young]


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_a_temporary_file_of_another_owner_is_never_ours(progress_file: Path) -> None:
    from llmcourse import store

    folder = progress_file.parent
    folder.mkdir(parents=True)
    theirs = folder / ".progress.toml.llmcourse-1073741823-b2.tmp"
    theirs.write_text("someone else's")
    os.chown(theirs, 12345, 12345)
    assert store.stale_temporaries(progress_file) == []


def test_merging_notes_adds_each_once() -> None:
    from llmcourse import notes
    from llmcourse.progressfile import Note

    when = datetime(2026, 1, 1, tzinfo=UTC)
    ours: dict[str, list[Note]] = {}
    assert notes.merge(ours, {"a": [Note("x", when), Note("x", when)]}) == 1
    assert ours == {"a": [Note("x", when)]}


def test_reimporting_notes_under_a_former_id_changes_nothing(run: Invoke, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    course = tomllib.loads(example.read_text("utf-8"))["course"]["id"]
    other = _export(
        tmp_path,
        course={"id": course},
        notes={"retrieval/keyword-search/ann": [{"text": "HNSW", "time": "2026-11-01T10:00:00Z"}]},
    )
    run("--roadmaps", str(example), "done", "bm25")
    first = run("--roadmaps", str(example), "import", str(other), "--json").json()
    second = run("--roadmaps", str(example), "import", str(other), "--json").json()
    assert (first["notes_added"], second["notes_added"]) == (1, 0)


def test_an_export_past_a_limit_is_refused_as_it_is_read(tmp_path: Path) -> None:
    from llmcourse import exchange
    from llmcourse.errors import ImportFileError
    from llmcourse.progressfile import MAX_ENTRIES

    entry = {"status": "done", "changed": "2026-01-01T00:00:00Z"}
    doc = {
        "format": "llmcourse-export",
        "version": 1,
        "course": {"id": "llm-course"},
        "progress": {"revision": 0, "entries": {f"x/{n}": entry for n in range(MAX_ENTRIES + 1)}},
    }
    with pytest.raises(ImportFileError, match="more than the 50,000"):
        exchange.read(json.dumps(doc).encode(), "x.json", "llm-course", datetime.now(UTC))


def test_a_clock_a_day_ahead_is_the_limit(run: Invoke, tmp_path: Path) -> None:
    from llmcourse import exchange

    now = datetime.now(UTC)
    for ahead, accepted in (
        (exchange.CLOCK_SKEW - timedelta(minutes=5), True),
        (exchange.CLOCK_SKEW + timedelta(minutes=5), False),
    ):
        entry = {"status": "done", "changed": (now + ahead).isoformat()}
        other = _export(tmp_path, progress={"revision": 0, "entries": {TOKENIZATION: entry}})
        assert (run("import", str(other)).exit_code == 0) is accepted, ahead
    assert timedelta(hours=23) < exchange.CLOCK_SKEW <= timedelta(days=1)


def test_a_change_whose_progress_cannot_be_written_leaves_the_history_as_it_was(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("done", "tokenization")
    history = (data_dir / "history.jsonl").read_bytes()
    real_replace = os.replace

    def full(source: str, target: Path) -> None:
        if Path(target).name == "progress.toml":  # the disk fills after the history's append
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", full)
    result = run("done", "scientist/1/3")
    assert result.exit_code == 1 and "nothing was changed" in result.stderr
    assert (data_dir / "history.jsonl").read_bytes() == history
    monkeypatch.undo()
    assert "unrecorded-events" not in [
        f["code"] for f in run("doctor", "--json").json()["findings"]
    ]
