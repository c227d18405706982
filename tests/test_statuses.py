"""In progress, done, skipped, not started: start, skip, reset, and what they count for."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from conftest import Run

Invoke = Callable[..., Run]

ARCHITECTURE = "scientist/architecture"


def _statuses(path: Path) -> dict[str, str]:
    entries = tomllib.loads(path.read_text("utf-8"))["entries"]
    return {key: value["status"] for key, value in entries.items()}


def _section(run: Invoke, section_id: str) -> dict[str, object]:
    return run("show", section_id, "--json").json()["section"]  # type: ignore[no-any-return]


def test_start_skip_and_reset_set_statuses(run: Invoke, progress_file: Path) -> None:
    assert run("start", "tokenization").stdout.startswith("▸ started scientist/architecture/")
    assert run("skip", "scientist/1/1").exit_code == 0
    assert run("done", "attention-mechanisms").exit_code == 0
    assert _statuses(progress_file) == {
        f"{ARCHITECTURE}/tokenization": "in-progress",
        f"{ARCHITECTURE}/architectural-overview": "skipped",
        f"{ARCHITECTURE}/attention-mechanisms": "done",
    }
    reset = run("reset", "scientist/1", "--json").json()
    assert sorted(c["from"] for c in reset["changed"]) == ["done", "in-progress", "skipped"]
    assert set(_statuses(progress_file).values()) == {"not-started"}


def test_skipped_topics_leave_the_totals(run: Invoke) -> None:
    run("done", "scientist/1/1", "scientist/1/2")
    run("skip", "scientist/1/3", "scientist/1/4")
    section = _section(run, "scientist/1")
    assert (section["done"], section["total"], section["skipped"]) == (2, 4, 2)
    assert section["complete"] is True
    listed = run("list", "scientist").stdout
    line = next(row for row in listed.splitlines() if "The LLM Architecture" in row)
    assert "2/2" in line and "100%" in line
    progress = run("progress", "--json").json()["course"]
    assert (progress["done"], progress["skipped"]) == (2, 2)
    assert progress["percent"] == round(100 * 2 / (62 - 2), 1)
    assert "skipped ones are not counted" in run("progress").stdout


def test_list_status_shows_only_those_topics(run: Invoke) -> None:
    run("skip", "scientist/1/3", "engineer/2/1")
    run("start", "scientist/1/1")
    listed = run("list", "--status", "skipped", "--json").json()["course"]
    topics = [
        t["id"] for r in listed["roadmaps"] for s in r["sections"] for t in s.get("topics", [])
    ]
    assert topics == [
        f"{ARCHITECTURE}/attention-mechanisms",
        "engineer/vector-storage/ingesting-documents",
    ]
    text = run("list", "scientist", "-s", "in-progress").stdout
    assert "Architectural overview" in text and "Attention mechanisms" not in text


def test_each_status_has_its_own_symbol(run: Invoke) -> None:
    run("start", "scientist/1/1")
    run("done", "scientist/1/2")
    run("skip", "scientist/1/3")
    text = run("list", "scientist", "--topics").stdout
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("1.")}
    assert "▸ Architectural overview" in rows["1.1"]
    assert "✓ Tokenization" in rows["1.2"]
    assert "⤼ Attention mechanisms" in rows["1.3"]
    assert "· Sampling techniques" in rows["1.4"]
    assert "Status: ⤼ skipped" in run("show", "scientist/1/3").stdout
    assert "Status: ▸ in progress" in run("show", "scientist/1/1").stdout


def test_the_optional_roadmap_counts_once_started(run: Invoke) -> None:
    assert run("progress", "--json").json()["course"]["total"] == 62
    run("start", "fundamentals/1/1")
    course = run("progress", "--json").json()["course"]
    assert (course["total"], course["not_counted"]) == (77, [])
    assert "optional and not started" not in run("progress").stdout
    only = run("progress", "fundamentals", "--json").json()["course"]
    assert only["total"] == 15


def test_undo_reverts_a_start_or_a_skip(run: Invoke, progress_file: Path) -> None:
    run("start", "tokenization")
    run("skip", "tokenization")
    run("undo")
    assert _statuses(progress_file)[f"{ARCHITECTURE}/tokenization"] == "in-progress"
    log = run("log", "--json").json()["events"]
    assert [e["command"] for e in log] == ["undo", "skip", "start"]


def test_a_schema_2_file_is_migrated_and_kept(run: Invoke, data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    original = b'schema_version = 2\ncourse = "llm-course"\nrevision = 0\nhistory_size = 0\n'
    (data_dir / "progress.toml").write_bytes(original)
    run("skip", "tokenization")
    assert tomllib.loads((data_dir / "progress.toml").read_text())["schema_version"] == 4
    assert (data_dir / "progress.v2.toml").read_bytes() == original


def test_every_view_counts_skipped_items_the_same_way(run: Invoke) -> None:
    run("done", "scientist/1/1", "scientist/1/2", "attention-attention")
    run("skip", "scientist/1/3", "scientist/1/4", "nanogpt", "llm-visualization")
    says = "2 of 2 topics done · 1 of 3 references read"
    assert says in run("show", "scientist/1").stdout
    marked = run("done", "decoding-strategies-in-llms").stdout
    assert "2 of 2 topics done · 2 of 3 references read · 0 of 1 notebooks run" in marked
    assert marked.rstrip().endswith("· section complete")
    table = run("progress", "scientist").stdout
    row = next(line for line in table.splitlines() if "The LLM Architecture" in line)
    assert "2/2" in row and row.split()[-2:] == ["2/3", "0/1"]  # read, then run


def test_a_roadmap_all_skipped_is_complete(run: Invoke) -> None:
    run("skip", "scientist")
    shown = run("progress", "scientist", "--json").json()["course"]
    assert shown["percent"] == 100.0
    listed = run("list", "scientist").stdout.splitlines()
    row = next(line for line in listed if "The LLM Scientist" in line)
    assert row.rstrip().endswith("skipped")  # not 0/0 beside an empty bar
    assert "0/0" not in "".join(listed) and "100%" not in row


def test_skipping_the_optional_roadmap_is_not_starting_it(run: Invoke) -> None:
    run("skip", "fundamentals")
    run("done", "fundamentals/mathematics/seeing-theory")  # a reference is not a topic
    course = run("progress", "--json").json()["course"]
    assert (course["total"], course["not_counted"]) == (62, ["fundamentals"])
    assert run("next", "--json").json()["next"]["id"].startswith("scientist/")
