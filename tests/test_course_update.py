"""A new version of the course renames, moves, merges and drops things: no progress is lost."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from llmcourse import catalog as catalog_module
from llmcourse.catalog import Catalog, parse
from llmcourse.errors import RoadmapFileError

Invoke = Callable[..., Run]

HEAD = """
schema_version = 1
[course]
id = "llm-course"
title = "A course"
"""


def _topic(section: str, topic: str, former: str = "") -> str:
    former_ids = f"former_ids = [{former}]\n" if former else ""
    return f'[[roadmaps.sections.topics]]\nid = "{topic}"\ntitle = "{topic}"\n{former_ids}'


# The new version: `rlhf` became `preference-alignment` (its topics follow it), `formats` moved
# to another section, `old/a` and `old/b` were merged into `evaluation`, `old/gone` was dropped.
NEW_VERSION = (
    HEAD
    + """
[[roadmaps]]
id = "sci"
title = "Science"

[[roadmaps.sections]]
id = "preference-alignment"
number = 1
title = "Preference Alignment"
former_ids = ["sci/rlhf"]
"""
    + _topic("", "ppo")
    + _topic("", "dpo")
    + """
[[roadmaps.sections]]
id = "post-training-datasets"
number = 2
title = "Post-Training Datasets"
"""
    + _topic("", "formats", '"sci/instruction-datasets/formats"')
    + _topic("", "evaluation", '"sci/old/a", "sci/old/b"')
)

OLD_PROGRESS = """schema_version = 2
course = "llm-course"

[entries."sci/rlhf/ppo"]
status = "done"
changed = 2026-01-01T10:00:00Z

[entries."sci/instruction-datasets/formats"]
status = "done"
changed = 2026-01-02T10:00:00Z

[entries."sci/old/a"]
status = "not-started"
changed = 2026-01-05T10:00:00Z

[entries."sci/old/b"]
status = "done"
changed = 2026-01-03T10:00:00Z

[entries."sci/old/gone"]
status = "done"
changed = 2026-01-04T10:00:00Z
note = "mine"
"""


@pytest.fixture
def new_version(monkeypatch: pytest.MonkeyPatch) -> Catalog:
    course = parse(NEW_VERSION.encode(), "new version")
    monkeypatch.setattr(catalog_module, "load_bundled", lambda: course)
    return course


def _entries(path: Path) -> dict[str, dict[str, object]]:
    return tomllib.loads(path.read_text("utf-8"))["entries"]  # type: ignore[no-any-return]


def test_former_ids_are_indexed(new_version: Catalog) -> None:
    assert new_version.former == {
        "sci/rlhf": "sci/preference-alignment",
        "sci/rlhf/ppo": "sci/preference-alignment/ppo",
        "sci/rlhf/dpo": "sci/preference-alignment/dpo",
        "sci/instruction-datasets/formats": "sci/post-training-datasets/formats",
        "sci/old/a": "sci/post-training-datasets/evaluation",
        "sci/old/b": "sci/post-training-datasets/evaluation",
    }
    assert new_version.resolve("sci/rlhf/ppo").id == "sci/preference-alignment/ppo"


def test_progress_carries_over_and_nothing_is_dropped(
    run: Invoke, progress_file: Path, new_version: Catalog
) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(OLD_PROGRESS, encoding="utf-8")
    shown = run("progress", "--json").json()
    # ppo (renamed section), formats (moved) and evaluation (merged: a done entry wins over
    # the more recent not-started one of old/a) are counted under their new ids.
    assert shown["course"]["done"] == 3
    assert shown["unknown_entries"] == ["sci/old/a", "sci/old/gone"]
    assert progress_file.read_text("utf-8") == OLD_PROGRESS  # reading writes nothing

    run("done", "dpo")
    entries = _entries(progress_file)
    assert entries["sci/preference-alignment/ppo"]["status"] == "done"
    assert entries["sci/post-training-datasets/formats"]["status"] == "done"
    assert entries["sci/post-training-datasets/evaluation"]["status"] == "done"
    assert entries["sci/old/gone"] == {
        "status": "done",
        "changed": entries["sci/old/gone"]["changed"],
        "note": "mine",
    }
    assert "sci/old/a" in entries  # the merge's other entry stays, counted nowhere
    assert "sci/rlhf/ppo" not in entries and "sci/old/b" not in entries
    doctor = run("doctor", "--json").json()
    listed = [f["message"] for f in doctor["findings"] if f["code"] == "earlier-course-version"]
    assert len(listed) == 2
    assert "'sci/old/a' is for sci/post-training-datasets/evaluation now" in listed[0]
    assert "'sci/old/gone' matches nothing in this course" in listed[1]


def test_history_from_before_the_update_still_undoes(
    run: Invoke, progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_version = NEW_VERSION.replace('id = "preference-alignment"', 'id = "rlhf"').replace(
        'former_ids = ["sci/rlhf"]\n', ""
    )
    old_course = parse(old_version.encode(), "old version")
    monkeypatch.setattr(catalog_module, "load_bundled", lambda: old_course)
    run("done", "sci/rlhf/ppo")
    new_course = parse(NEW_VERSION.encode(), "new version")
    monkeypatch.setattr(catalog_module, "load_bundled", lambda: new_course)
    log = run("log", "preference-alignment", "--json").json()["events"]
    assert [(e["id"], e["title"]) for e in log] == [("sci/rlhf/ppo", "ppo")]
    result = run("undo", "--json")
    assert result.json()["reverted"][0]["id"] == "sci/preference-alignment/ppo"
    assert _entries(progress_file)["sci/preference-alignment/ppo"]["status"] == "not-started"


@pytest.mark.parametrize(
    ("former", "message"),
    [
        ('"sci/post-training-datasets/evaluation"', "is a current id"),
        ('"sci/instruction-datasets/formats"', "claimed by both"),
        ('"sci/formats"', "must be a full topic id"),
        ('"sci/Bad Id/x"', "lowercase letters"),
    ],
)
def test_bad_former_ids_are_refused(former: str, message: str) -> None:
    broken = NEW_VERSION.replace('"sci/old/a", "sci/old/b"', former)
    with pytest.raises(RoadmapFileError, match=message):
        parse(broken.encode(), "broken")


def test_notes_follow_their_item_to_its_new_id(
    run: Invoke, progress_file: Path, new_version: Catalog
) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(
        OLD_PROGRESS
        + '\n[notes]\n"sci/rlhf" = [{ text = "on the old section", '
        + "time = 2026-01-01T00:00:00Z }]\n",
        encoding="utf-8",
    )
    shown = run("show", "sci/preference-alignment", "--json").json()["section"]
    assert [n["text"] for n in shown["notes"]] == ["on the old section"]
    run("note", "sci/preference-alignment", "a new one")
    notes = tomllib.loads(progress_file.read_text("utf-8"))["notes"]
    assert list(notes) == ["sci/preference-alignment"]
    assert len(notes["sci/preference-alignment"]) == 2


def test_review_schedules_follow_their_topic_to_its_new_id(
    run: Invoke, progress_file: Path, new_version: Catalog
) -> None:
    progress_file.parent.mkdir(parents=True)
    old = OLD_PROGRESS.replace("schema_version = 2", "schema_version = 4") + (
        '\n[reviews]\n"sci/rlhf/ppo" = { due = 2026-01-20T10:00:00Z, '
        "last_review = 2026-01-05T10:00:00Z, stability = 15.0, difficulty = 4.0, "
        'state = "review" }\n'
    )
    progress_file.write_text(old, encoding="utf-8")
    listed = run("review", "--json").json()
    found = {item["id"]: item["schedule"] for item in listed["due"]}
    assert found["sci/preference-alignment/ppo"]["last_review"] == "2026-01-05T10:00:00Z"
    assert found["sci/preference-alignment/ppo"]["stability"] == 15.0
    run("review", "sci/preference-alignment/ppo", "--rate", "good")
    reviews = tomllib.loads(progress_file.read_text("utf-8"))["reviews"]
    assert "sci/rlhf/ppo" not in reviews
    assert reviews["sci/preference-alignment/ppo"]["stability"] > 15.0
