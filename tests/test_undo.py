"""`llmcourse undo` and the history behind it: every change recorded, undone a command at a time."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run
from llmcourse import store
from llmcourse.progressfile import SCHEMA_VERSION as PROGRESS_SCHEMA_VERSION

Invoke = Callable[..., Run]

TOKENIZATION = "scientist/architecture/tokenization"


def _statuses(path: Path) -> dict[str, str]:
    entries = tomllib.loads(path.read_text("utf-8"))["entries"]
    return {key: value["status"] for key, value in entries.items()}


def _done(path: Path) -> set[str]:
    return {key for key, status in _statuses(path).items() if status == "done"}


def _history(data_dir: Path) -> list[dict[str, Any]]:
    lines = (data_dir / "history.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_every_change_appends_its_events(run: Invoke, data_dir: Path, progress_file: Path) -> None:
    run("done", "tokenization")
    run("done", "scientist/2")
    run("done", "--undo", "tokenization")
    events = _history(data_dir)
    assert [(e["rev"], e["command"], e["old"], e["new"]) for e in events[:2]] == [
        (1, "done", "not-started", "done"),
        (2, "done", "not-started", "done"),
    ]
    assert len(events) == 1 + 4 + 1
    assert {e["rev"] for e in events[1:5]} == {2}  # one command, one change
    # A topic that leaves done takes its review schedule with it: the event keeps it.
    assert events[-1]["before"]["last_review"] == events[0]["time"]
    assert events[-1] | {"time": None, "before": None} == {
        "rev": 3,
        "time": None,
        "command": "done --undo",
        "id": TOKENIZATION,
        "old": "done",
        "new": "not-started",
        "before": None,
    }
    assert all(e["time"].endswith("Z") for e in events)
    data = tomllib.loads(progress_file.read_text("utf-8"))
    assert data["revision"] == 3
    assert data["history_size"] == (data_dir / "history.jsonl").stat().st_size


def test_a_change_that_changes_nothing_records_nothing(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("done", "tokenization")
    assert len(_history(data_dir)) == 1


def test_undo_reverts_the_last_command_as_a_whole(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization")
    run("done", "scientist/2")
    result = run("undo")
    assert result.exit_code == 0, result.stderr
    assert "Undid change #2 (done," in result.stdout
    assert "done → not started" in result.stdout
    assert _done(progress_file) == {TOKENIZATION}


def test_undo_again_goes_one_change_further_back(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    run("done", "--undo", "tokenization")
    run("undo")  # reverts the --undo: tokenization done again
    assert TOKENIZATION in _done(progress_file)
    run("undo")  # reverts attention-mechanisms, not the undo just made
    assert _done(progress_file) == {TOKENIZATION}
    run("undo")  # reverts the very first change
    assert _done(progress_file) == set()
    result = run("undo")
    assert result.exit_code == 0
    assert "Nothing to undo" in result.stdout


def test_undo_n_reverts_n_changes(run: Invoke, progress_file: Path) -> None:
    for topic in ("tokenization", "attention-mechanisms", "scientist/1/4", "scientist/1/1"):
        run("done", topic)
    result = run("undo", "3", "--json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert [batch["rev"] for batch in doc["undone"]] == [4, 3, 2]
    assert _done(progress_file) == {TOKENIZATION}
    refused = run("undo", "5")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: only 1 change is left to undo, not 5. ")
    assert _done(progress_file) == {TOKENIZATION}  # a mistyped number reverts nothing
    every = run("undo", "--all", "--json").json()
    assert (every["requested"], [batch["rev"] for batch in every["undone"]]) == (1, [1])
    assert _done(progress_file) == set()
    assert run("undo", "--all", "--json").json()["requested"] == 0


def test_an_undo_is_itself_recorded(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("undo")
    last = _history(data_dir)[-1]
    assert (last["rev"], last["command"], last["undoes"], last["new"]) == (
        2,
        "undo",
        1,
        "not-started",
    )


def test_undo_leaves_what_changed_since_outside_the_history(
    run: Invoke, progress_file: Path
) -> None:
    run("done", "tokenization")
    # Someone edits the file by hand: the history no longer describes the entry.
    text = progress_file.read_text("utf-8").replace('status = "done"', 'status = "not-started"')
    progress_file.write_text(text, encoding="utf-8")
    result = run("undo", "--json")
    assert result.exit_code == 0
    assert result.json()["reverted"] == []
    assert result.json()["skipped"] == [
        {"id": TOKENIZATION, "undoes": 1, "reason": "it is 'not-started' now, not 'done'"}
    ]
    assert "left as it is (undo #1)" in run("log").stdout
    # The change counts as undone all the same: undo does not stop at it forever.
    assert "Nothing to undo" in run("undo").stdout


def test_undo_refuses_a_damaged_history(run: Invoke, data_dir: Path, progress_file: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    history = data_dir / "history.jsonl"
    damaged = history.read_bytes().replace(b'"rev": 2', b'"rev"; 2', 1)
    history.write_bytes(damaged)
    before = progress_file.read_bytes()
    result = run("undo")
    assert result.exit_code == 1
    assert "line 2" in result.stderr
    assert "llmcourse doctor" in result.stderr
    assert progress_file.read_bytes() == before
    assert history.read_bytes() == damaged


def test_an_unfinished_change_is_not_history(
    run: Invoke, data_dir: Path, progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crash after the history was appended but before the progress file was replaced.
    run("done", "tokenization")

    class Crash(Exception):
        pass

    def crash(*_: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(store, "save", crash)
        with pytest.raises(Crash):
            run("done", "attention-mechanisms")
    history = data_dir / "history.jsonl"
    assert history.stat().st_size > tomllib.loads(progress_file.read_text())["history_size"]
    log = run("log", "--json").json()
    assert [e["id"] for e in log["events"]] == [TOKENIZATION]  # the crashed change is absent
    run("undo")  # acts on the change that happened, not on the one that did not
    assert _done(progress_file) == set()
    assert [e["rev"] for e in _history(data_dir)] == [1, 2]  # the remains were cut off
    assert _history(data_dir)[-1]["undoes"] == 1


def test_a_history_without_its_progress_is_kept_aside(
    run: Invoke, data_dir: Path, progress_file: Path
) -> None:
    run("done", "tokenization")
    old = (data_dir / "history.jsonl").read_bytes()
    progress_file.unlink()  # the learner starts over by deleting the progress file
    run("done", "attention-mechanisms")
    kept = [
        p for p in data_dir.iterdir() if p.name.startswith("history.") and p.name != "history.jsonl"
    ]
    assert len(kept) == 1
    assert kept[0].read_bytes() == old
    assert [e["rev"] for e in _history(data_dir)] == [1]


@pytest.mark.usefixtures("piped")
def test_a_newer_file_is_read_but_never_changed(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    content = (
        b'schema_version = 9\ncourse = "llm-course"\nshiny = true\n'
        b'[entries."scientist/architecture/tokenization"]\n'
        b'status = "done"\nchanged = 2026-11-01T10:00:00Z\n'
        b'[entries."scientist/architecture/attention-mechanisms"]\n'
        b'status = "half-way"\nchanged = 2026-11-02T10:00:00Z\n'
    )
    progress_file.write_bytes(content)
    shown = run("progress", "--json")
    assert shown.exit_code == 0
    assert shown.json()["course"]["done"] == 1  # what can be read is read
    assert "newer than this llmcourse" in shown.stderr
    for args in (("done", "scientist/1/1"), ("undo",), ("done", "--undo", "tokenization")):
        result = run(*args)
        assert result.exit_code == 1, args
        assert "Upgrade llmcourse" in result.stderr
        assert result.stderr.count("\n") == 1
    assert progress_file.read_bytes() == content
    assert sorted(p.name for p in progress_file.parent.iterdir()) == [
        "progress.toml",
        "progress.toml.lock",
    ]


def test_an_older_file_is_migrated_and_its_original_kept(
    run: Invoke, data_dir: Path, progress_file: Path
) -> None:
    progress_file.parent.mkdir(parents=True)
    original = (
        b'schema_version = 1\ncourse = "llm-course"\n'
        b'[entries."scientist/architecture/tokenization"]\n'
        b'status = "done"\nchanged = 2026-11-01T10:00:00Z\n'
    )
    progress_file.write_bytes(original)
    assert run("progress", "--json").json()["course"]["done"] == 1
    assert progress_file.read_bytes() == original  # reading migrates nothing
    run("done", "attention-mechanisms")
    data = tomllib.loads(progress_file.read_text("utf-8"))
    assert (data["schema_version"], data["revision"]) == (PROGRESS_SCHEMA_VERSION, 1)
    assert (data_dir / "progress.v1.toml").read_bytes() == original
    run("done", "scientist/1/4")
    assert (data_dir / "progress.v1.toml").read_bytes() == original  # kept, not rotated
    run("undo", "2")
    assert _done(progress_file) == {TOKENIZATION}


def test_the_previous_version_is_kept_as_a_backup(run: Invoke, progress_file: Path) -> None:
    run("done", "tokenization")
    first = progress_file.read_bytes()
    run("done", "attention-mechanisms")
    assert progress_file.with_name("progress.toml.bak").read_bytes() == first
