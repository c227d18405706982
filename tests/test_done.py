"""`llmcourse done`: marking topics and references, in bulk, and undoing."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]


def _entries(path: Path) -> dict[str, dict[str, object]]:
    return tomllib.loads(path.read_text("utf-8"))["entries"]  # type: ignore[no-any-return]


def test_marking_a_topic_by_number(run: Invoke, progress_file: Path) -> None:
    result = run("done", "scientist/1/2")
    assert result.exit_code == 0, result.stderr
    assert "scientist/architecture/tokenization" in result.stdout
    assert "The LLM Architecture: 1 of 4 topics done" in result.stdout
    assert result.stderr == ""
    entry = _entries(progress_file)["scientist/architecture/tokenization"]
    assert entry["status"] == "done"
    changed = entry["changed"]
    assert isinstance(changed, datetime)
    assert changed.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - changed) < timedelta(minutes=1)


def test_marking_twice_is_harmless(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization")
    before = progress_file.read_bytes()
    result = run("done", "tokenization")
    assert result.exit_code == 0
    assert "1 already done" in result.stdout
    assert progress_file.read_bytes() == before  # not even rewritten


def test_a_section_marks_all_its_topics_but_not_its_references(
    run: Invoke, progress_file: Path
) -> None:
    result = run("done", "scientist/architecture")
    assert result.exit_code == 0
    assert "4 of 4 topics done" in result.stdout
    assert "section complete" in result.stdout
    assert sorted(_entries(progress_file)) == [
        "scientist/architecture/architectural-overview",
        "scientist/architecture/attention-mechanisms",
        "scientist/architecture/sampling-techniques",
        "scientist/architecture/tokenization",
    ]


def test_a_roadmap_marks_every_topic_in_it(run: Invoke, progress_file: Path) -> None:
    result = run("done", "engineer", "--json")
    assert result.exit_code == 0
    doc = result.json()
    assert len(doc["changed"]) == 30
    assert len(doc["sections"]) == 8
    assert len(_entries(progress_file)) == 30


def test_a_reference_is_marked_read(run: Invoke, progress_file: Path) -> None:
    result = run("done", "nanogpt")
    assert result.exit_code == 0
    assert "0 of 4 topics done · 1 of 5 references read" in result.stdout
    assert _entries(progress_file)["scientist/architecture/nanogpt"]["status"] == "done"
    doc = run("progress", "--json").json()
    assert doc["course"]["done"] == 0
    assert doc["course"]["references_done"] == 1


def test_undo_sets_back_and_keeps_a_dated_entry(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization", "attention-mechanisms")
    result = run("done", "--undo", "tokenization")
    assert result.exit_code == 0
    assert "undone" in result.stdout
    assert "1 of 4 topics done" in result.stdout
    entries = _entries(progress_file)
    assert entries["scientist/architecture/tokenization"]["status"] == "not-started"
    assert entries["scientist/architecture/attention-mechanisms"]["status"] == "done"
    again = run("done", "--undo", "tokenization")
    assert "already not done" in again.stdout


def test_one_unknown_id_changes_nothing(run: Invoke, progress_file: Path) -> None:
    result = run("done", "tokenization", "no-such-topic")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "no-such-topic" in result.stderr
    assert not progress_file.exists()


def test_repeated_ids_count_once(run: Invoke) -> None:
    doc = run("done", "tokenization", "scientist/1/2", "architecture/tokenization", "--json").json()
    assert [c["id"] for c in doc["changed"]] == ["scientist/architecture/tokenization"]


def test_done_json_shape(run: Invoke, progress_file: Path) -> None:
    doc = run("done", "tokenization", "--json").json()
    assert doc == {
        "schema_version": 1,
        "status": "done",
        "changed": [
            {
                "id": "scientist/architecture/tokenization",
                "kind": "topic",
                "title": "Tokenization",
                "from": "not-started",
                "to": "done",
            }
        ],
        "unchanged": [],
        "sections": [
            {"id": "scientist/architecture", "title": "The LLM Architecture", "done": 1, "total": 4}
        ],
        "progress_file": str(progress_file),
    }


@pytest.mark.usefixtures("piped")
def test_an_unwritable_folder_is_exit_1_and_loses_nothing(
    run: Invoke, progress_file: Path, monkeypatch: object
) -> None:
    import tempfile

    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    run("done", "tokenization")
    before = progress_file.read_bytes()

    def read_only(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = run("done", "attention-mechanisms")
    assert result.exit_code == 1
    assert "cannot write in the data folder" in result.stderr
    assert "Permission denied" in result.stderr
    assert result.stderr.count("\n") == 1
    assert progress_file.read_bytes() == before


def test_colour_follows_the_environment(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from llmcourse import lines

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def wanted(**env: str) -> bool:
        for name in ("NO_COLOR", "FORCE_COLOR", "TERM", "TTY_COMPATIBLE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return lines.Lines(Terminal()).colour

    assert wanted() is True
    assert wanted(NO_COLOR="1") is False
    assert wanted(TERM="dumb", FORCE_COLOR="1") is False
    assert wanted(NO_COLOR="1", FORCE_COLOR="1") is False
    monkeypatch.setattr("sys.platform", "win32")
    assert wanted() is False
    assert wanted(FORCE_COLOR="1") is True
    assert wanted(FORCE_COLOR="") is False  # set but empty: not forced, and not a terminal
    assert wanted(TTY_COMPATIBLE="0") is False
    assert wanted(TTY_COMPATIBLE="0", FORCE_COLOR="1") is False  # as rich: it comes first
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("TTY_COMPATIBLE")
    assert wanted(TTY_COMPATIBLE="1") is True
    monkeypatch.delenv("TTY_COMPATIBLE")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert lines.Lines(io.StringIO()).colour is False  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert lines.Lines(io.StringIO()).colour is True


def test_done_and_undo_print_without_rich(progress_file: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys; from llmcourse.cli import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules, file=sys.stderr)"
    )
    for args in (["done", "tokenization"], ["undo"], ["progress", "--json"]):
        result = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
        )
        assert result.stderr.strip().splitlines()[-1] == "False", args
