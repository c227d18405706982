"""`llmcourse log`: the history, newest first, filtered by id and date."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]


def test_an_empty_history(run: Invoke) -> None:
    result = run("log")
    assert result.exit_code == 0
    assert "No changes recorded yet." in result.stdout
    assert run("log", "--json").json()["events"] == []


def test_newest_first_with_titles_and_changes(run: Invoke) -> None:
    run("done", "tokenization")
    run("done", "--undo", "tokenization")
    run("done", "engineer/rag")
    result = run("log")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "→" in line]
    assert len(lines) == 4 + 2
    assert "not started → done" in lines[0] and lines[0].split()[2] == "3"
    assert "done → not started" in lines[-2] and "tokenization" in lines[-2]
    assert "not started → done" in lines[-1]


def test_filter_by_id_covers_what_is_below_it(run: Invoke) -> None:
    run("done", "tokenization")
    run("done", "engineer/rag")
    ids = [e["id"] for e in run("log", "scientist", "--json").json()["events"]]
    assert ids == ["scientist/architecture/tokenization"]
    ids = [e["id"] for e in run("log", "engineer/3", "--json").json()["events"]]
    assert len(ids) == 4
    assert all(i.startswith("engineer/rag/") for i in ids)
    unknown = run("log", "no-such-thing")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: no roadmap, section, topic or reference")


@pytest.mark.usefixtures("piped")
def test_filter_by_date_and_limit(run: Invoke, data_dir: Path, progress_file: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    # Move the first change back ten days, in both the history and its recorded size.
    history = data_dir / "history.jsonl"
    lines = history.read_text("utf-8").splitlines(keepends=True)
    first = json.loads(lines[0])
    first["time"] = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines[0] = json.dumps(first) + "\n"
    content = "".join(lines)
    history.write_text(content, encoding="utf-8")
    size = len(content.encode("utf-8"))
    text = progress_file.read_text("utf-8")
    progress_file.write_text(
        "\n".join(
            f"history_size = {size}" if line.startswith("history_size") else line
            for line in text.splitlines()
        ),
        encoding="utf-8",
    )

    def revs(*args: str) -> list[int]:
        result = run("log", *args, "--json")
        assert result.exit_code == 0, result.stderr
        return [e["rev"] for e in result.json()["events"]]

    assert revs() == [2, 1]
    assert revs("--since", "7d") == [2]
    assert revs("--since", "today") == [2]
    assert revs("--until", "yesterday") == [1]
    ten_days_ago = (datetime.now() - timedelta(days=10)).strftime("%Y-%m-%d")
    assert revs("--since", ten_days_ago, "--until", ten_days_ago) == [1]
    assert revs("--limit", "1") == [2]
    limited = run("log", "-n", "1")
    assert "Showing 1 of 2; --limit 0 shows all." in limited.stdout
    bad = run("log", "--since", "last tuesday")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --since 'last tuesday' is not a date or time")
    assert bad.stderr.count("\n") == 1
    as_json = run("log", "--since", "soon", "--json")
    assert as_json.exit_code == 2
    assert as_json.json()["error"]["code"] == "bad-value"


def test_undone_changes_are_marked(run: Invoke) -> None:
    run("done", "tokenization")
    run("undo")
    events = run("log", "--json").json()["events"]
    assert [(e["rev"], e.get("undoes"), e["undone_by"]) for e in events] == [
        (2, 1, None),
        (1, None, 2),
    ]
    assert "(undone #2)" in run("log").stdout


def test_unreadable_lines_are_left_out_with_a_note(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    history = data_dir / "history.jsonl"
    history.write_bytes(history.read_bytes().replace(b'{"rev": 1', b'{"rev"; 1', 1))
    result = run("log", "--json")
    assert result.exit_code == 0
    assert [e["rev"] for e in result.json()["events"]] == [2]
    assert "line 1" in result.stderr and "llmcourse doctor" in result.stderr


def test_hostile_ids_in_the_history_are_shown_literally(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    line = json.loads(history.read_text("utf-8"))
    line["id"] = "[red]old[/red]/\x1b[31mx\x1b]8;;http://evil\x07"
    content = history.read_text("utf-8") + json.dumps(line | {"rev": 1}) + "\n"
    history.write_text(content, encoding="utf-8")
    progress = data_dir / "progress.toml"
    text = progress.read_text("utf-8")
    size = len(content.encode("utf-8"))
    progress.write_text(
        "\n".join(
            f"history_size = {size}" if row.startswith("history_size") else row
            for row in text.splitlines()
        ),
        encoding="utf-8",
    )
    result = run("log")
    assert result.exit_code == 0, result.stderr
    assert "[red]old[/red]" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "(not in this course)" in result.stdout
