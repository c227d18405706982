"""`llmcourse progress`: overall, per roadmap and per section."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]


def test_a_fresh_learner_sees_zero_and_no_file_is_written(run: Invoke, progress_file: Path) -> None:
    result = run("progress")
    assert result.exit_code == 0
    assert "0 of 62 topics done" in result.stdout
    assert "LLM Fundamentals is optional and not started" in result.stdout
    assert "0 of 82 references read" in result.stdout
    assert str(progress_file) in result.stdout
    assert "not created yet" in result.stdout
    assert not progress_file.parent.exists()


def test_the_first_step_shows_everywhere(run: Invoke) -> None:
    run("done", "scientist/1/2")
    result = run("progress")
    assert "1 of 62 topics done" in result.stdout
    lines = result.stdout.splitlines()
    scientist = next(line for line in lines if "The LLM Scientist" in line)
    assert "1/32" in scientist
    architecture = next(line for line in lines if "The LLM Architecture" in line)
    assert "1/4" in architecture and "25%" in architecture
    doc = run("progress", "--json").json()
    assert doc["course"]["done"] == 1
    scientist_doc = doc["course"]["roadmaps"][1]
    assert (scientist_doc["id"], scientist_doc["done"], scientist_doc["total"]) == (
        "scientist",
        1,
        32,
    )
    section = scientist_doc["sections"][0]
    assert (section["id"], section["done"], section["total"], section["percent"]) == (
        "scientist/architecture",
        1,
        4,
        25.0,
    )


def test_one_roadmap(run: Invoke) -> None:
    doc = run("progress", "engineer", "--json").json()
    assert [r["id"] for r in doc["course"]["roadmaps"]] == ["engineer"]
    assert doc["course"]["total"] == 30
    result = run("progress", "engineer")
    assert result.stdout.startswith("The LLM Engineer: 0 of 30 topics done")
    assert "The LLM Scientist" not in result.stdout


def test_a_section_is_not_a_roadmap(run: Invoke) -> None:
    result = run("progress", "architecture")
    assert result.exit_code == 2
    assert "not a roadmap" in result.stderr
    assert "fundamentals, scientist, engineer" in result.stderr


def test_unknown_entries_are_kept_and_not_counted(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(
        'schema_version = 1\n[entries."scientist/rlhf/ppo"]\nstatus = "done"\n'
        "changed = 2024-03-01T10:00:00Z\n",
        encoding="utf-8",
    )
    doc = run("progress", "--json").json()
    assert doc["course"]["done"] == 0
    assert doc["unknown_entries"] == ["scientist/rlhf/ppo"]
    assert "1 entry in the progress file match" in run("progress").stdout
    run("done", "tokenization")
    kept = tomllib.loads(progress_file.read_text("utf-8"))["entries"]["scientist/rlhf/ppo"]
    assert kept["status"] == "done"


def test_entries_for_roadmaps_or_sections_count_as_unknown(
    run: Invoke, progress_file: Path
) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(
        'schema_version = 1\n[entries."scientist"]\nstatus = "done"\n'
        "changed = 2024-03-01T10:00:00Z\n"
        '[entries."scientist/architecture"]\nstatus = "done"\n'
        "changed = 2024-03-01T10:00:00Z\n",
        encoding="utf-8",
    )
    doc = run("progress", "--json").json()
    assert doc["unknown_entries"] == ["scientist", "scientist/architecture"]
    assert doc["course"]["done"] == 0


def test_times_in_json_are_utc(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(
        'schema_version = 1\n[entries."scientist/architecture/tokenization"]\n'
        'status = "done"\nchanged = 2026-03-01T10:00:00+05:30\n',
        encoding="utf-8",
    )
    topic = run("show", "tokenization", "--json").json()["topic"]
    assert topic["changed"] == "2026-03-01T04:30:00+00:00"


@pytest.mark.usefixtures("piped")
def test_a_corrupt_file_is_refused_untouched(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    content = b'schema_version = 1\n[entries."scientist/architecture/tokenization"\n'
    progress_file.write_bytes(content)
    for args in (["progress"], ["list"], ["show", "tokenization"], ["done", "tokenization"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert str(progress_file) in result.stderr
        assert "line 2" in result.stderr
        assert "Traceback" not in result.stderr
    assert progress_file.read_bytes() == content
    assert {p.name for p in progress_file.parent.iterdir()} <= {
        "progress.toml",
        "progress.toml.lock",
    }


def test_json_error_object(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(b"schema_version = [")
    result = run("progress", "--json")
    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["code"] == "progress-file"
    assert str(progress_file) in error["message"]
