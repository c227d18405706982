"""`llmcourse doctor`: says what is wrong; with --fix sets bad files aside, losing nothing."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from test_store import BAD_FILES

Invoke = Callable[..., Run]

TOKENIZATION = "scientist/architecture/tokenization"


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_fresh_folder_is_in_order(run: Invoke) -> None:
    result = run("doctor")
    assert result.exit_code == 0
    assert "nothing recorded yet" in result.stdout


def test_a_healthy_file_is_in_order(run: Invoke) -> None:
    run("done", "tokenization")
    result = run("doctor")
    assert result.exit_code == 0, result.stdout
    assert "No problems" in result.stdout
    assert run("doctor", "--json").json()["healthy"] is True


@pytest.mark.parametrize("case", sorted(set(BAD_FILES) - {"another course"}))
def test_each_bad_file_is_explained_and_left_byte_for_byte(
    run: Invoke, progress_file: Path, case: str
) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(BAD_FILES[case])
    result = run("doctor", "--json")
    assert result.exit_code == 1
    doc = result.json()
    assert doc["healthy"] is False
    problems = [f for f in doc["findings"] if f["level"] == "problem"]
    assert problems
    assert all(f["file"] == str(progress_file) for f in problems)
    assert progress_file.read_bytes() == BAD_FILES[case]
    assert _names(progress_file.parent) == ["progress.toml"]
    # A command that would write refuses too, and leaves it as it is.
    assert run("done", "tokenization").exit_code == 1
    assert progress_file.read_bytes() == BAD_FILES[case]


def test_the_line_and_the_field_are_named(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(
        'schema_version = 2\ncourse = "llm-course"\n\n'
        '[entries."scientist/architecture/tokenization"]\nstatus = "done"\n'
        "changed = 2026-01-01T00:00:00Z\n\n"
        '[entries."scientist/architecture/attention-mechanisms"]\nstatus = "finished"\n'
        'changed = "later"\n',
        encoding="utf-8",
    )
    result = run("doctor")
    assert result.exit_code == 1
    # A finding wraps at spaces like any prose; the file, line and field stay together.
    findings = " ".join(result.stdout.split()).split("problem: ")
    status = next(finding for finding in findings if ".status:" in finding)
    assert (
        f"{progress_file}:9: entries.scientist/architecture/attention-mechanisms.status" in status
    )
    changed = next(finding for finding in findings if ".changed:" in finding)
    assert f"{progress_file}:10:" in changed
    assert "2 problems found" in result.stdout


def test_not_toml_names_its_line(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(BAD_FILES["not TOML"])
    finding = run("doctor", "--json").json()["findings"][0]
    assert (finding["code"], finding["line"]) == ("not-toml", 2)


def test_fix_sets_the_bad_file_aside_and_restores_the_backup(
    run: Invoke, progress_file: Path
) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    broken = b'schema_version = 2\n[entries."a"\n'
    progress_file.write_bytes(broken)  # damaged by something else
    result = run("doctor", "--fix")
    assert result.exit_code == 0, result.stdout
    assert "kept the bad progress file as" in result.stdout
    assert "restored the backup" in result.stdout
    aside = [p for p in progress_file.parent.iterdir() if p.name.startswith("progress.broken-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == broken
    shown = run("progress", "--json").json()["course"]
    assert shown["done"] == 1  # the state before the last change
    # The history now ends where the restored progress does.
    assert [e["id"] for e in run("log", "--json").json()["events"]] == [TOKENIZATION]
    changed = run("done", "scientist/1/4")
    assert "were kept in" in changed.stderr  # the lost change's events, in a file of their own
    [unrecorded] = progress_file.parent.glob("history.unrecorded-*.jsonl")
    assert b"attention-mechanisms" in unrecorded.read_bytes()
    assert run("doctor").exit_code == 0
    assert len(run("log", "--json").json()["events"]) == 2


def test_fix_without_a_backup_starts_afresh_and_keeps_everything(
    run: Invoke, data_dir: Path, progress_file: Path
) -> None:
    run("done", "tokenization")  # the first write: no backup yet
    history = (data_dir / "history.jsonl").read_bytes()
    progress_file.write_bytes(b"\xff\xfe garbage")
    result = run("doctor", "--fix")
    assert result.exit_code == 0, result.stdout
    assert "no usable backup: started afresh" in result.stdout
    names = _names(data_dir)
    assert tomllib.loads(progress_file.read_text("utf-8"))["entries"] == {}
    [broken] = [n for n in names if n.startswith("progress.broken-")]
    assert (data_dir / broken).read_bytes() == b"\xff\xfe garbage"
    kept = [n for n in names if n.startswith("history.") and n != "history.jsonl"]
    assert len(kept) == 1
    assert (data_dir / kept[0]).read_bytes() == history
    assert run("progress", "--json").json()["course"]["done"] == 0


def test_a_damaged_history_is_set_aside_and_progress_kept(
    run: Invoke, data_dir: Path, progress_file: Path
) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    history = data_dir / "history.jsonl"
    damaged = history.read_bytes().replace(b"{", b"<", 1)
    history.write_bytes(damaged)
    result = run("doctor", "--json")
    assert result.exit_code == 1
    finding = next(f for f in result.json()["findings"] if f["level"] == "problem")
    assert (finding["code"], finding["file"], finding["line"]) == (
        "bad-history-line",
        str(history),
        1,
    )
    fixed = run("doctor", "--fix")
    assert fixed.exit_code == 0, fixed.stdout
    assert "kept the history aside as history.set-aside-" in fixed.stdout
    kept = list(data_dir.glob("history.set-aside-*.jsonl"))
    assert [p.read_bytes() for p in kept] == [damaged]
    statuses = tomllib.loads(progress_file.read_text("utf-8"))["entries"]
    assert len(statuses) == 2  # the progress itself is untouched
    assert run("log", "--json").json()["events"] == []
    run("done", "scientist/1/4")
    assert run("undo").exit_code == 0
    assert run("progress", "--json").json()["course"]["done"] == 2


def test_a_history_cut_short_is_a_problem(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    (data_dir / "history.jsonl").write_bytes(b"")
    codes = [f["code"] for f in run("doctor", "--json").json()["findings"]]
    assert "history-cut-short" in codes


def test_notes_that_are_not_problems(run: Invoke, data_dir: Path, progress_file: Path) -> None:
    run("done", "tokenization")
    with (data_dir / "history.jsonl").open("ab") as history:
        history.write(b'{"rev": 2, "time": "2026-')  # a change that never completed
    # A temporary file of a writer that was killed (no process has this number).
    (data_dir / ".progress.toml.llmcourse-1073741823-k3j2.tmp").write_text("half")
    text = progress_file.read_text("utf-8")
    progress_file.write_text(
        text
        + '\n[entries."scientist/rlhf/ppo"]\nstatus = "done"\nchanged = 2024-01-01T00:00:00Z\n',
        encoding="utf-8",
    )
    result = run("doctor", "--json")
    assert result.exit_code == 0
    codes = {f["code"]: f["message"] for f in result.json()["findings"]}
    assert "scientist/rlhf/ppo" in codes["earlier-course-version"]
    assert "never completed" in codes["unrecorded-events"]
    assert ".progress.toml.llmcourse-1073741823-k3j2.tmp" in codes["stale-temporary"]
    shown = run("progress")
    assert "1 entry in the progress file matches nothing in this course" in shown.stdout


def test_newer_and_other_course_files_are_left_alone(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    newer = b'schema_version = 5\ncourse = "llm-course"\n'
    progress_file.write_bytes(newer)
    result = run("doctor", "--fix")
    assert result.exit_code == 0
    assert "newer than this llmcourse" in " ".join(result.stdout.split())
    assert progress_file.read_bytes() == newer
    other = BAD_FILES["another course"]
    progress_file.write_bytes(other)
    result = run("doctor", "--fix")
    assert result.exit_code == 1
    assert "belongs to the course 'my-own-course'" in result.stdout
    assert progress_file.read_bytes() == other


def test_an_older_file_is_noted(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(b'schema_version = 1\ncourse = "llm-course"\n')
    result = run("doctor")
    assert result.exit_code == 0
    assert "keeps the original as progress.v1.toml" in result.stdout
