"""The progress file: strict reading, atomic writing, and nothing a learner recorded lost."""

from __future__ import annotations

import json
import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmcourse import history, progressfile, store
from llmcourse.errors import ProgressFileError
from llmcourse.progressfile import SCHEMA_VERSION as PROGRESS_SCHEMA_VERSION
from llmcourse.progressfile import Entry, Event

WHEN = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)


def test_the_folder_comes_from_the_environment(data_dir: Path) -> None:
    assert store.progress_path() == data_dir / "progress.toml"


def test_without_override_the_platform_data_folder_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import platformdirs

    monkeypatch.delenv("LLMCOURSE_DATA_DIR")
    expected = Path(platformdirs.user_data_dir("llmcourse", appauthor=False))
    assert store.data_dir() == expected
    assert str(expected).startswith(str(tmp_path))  # the fixture's home, never the real one


def test_a_missing_file_is_empty_progress_and_is_not_created(progress_file: Path) -> None:
    progress = store.load(progress_file, "llm-course")
    assert not progress.exists
    assert progress.data.entries == {}
    assert not progress_file.exists()


def test_save_then_load_round_trips(progress_file: Path) -> None:
    progress = store.load(progress_file, "llm-course")
    progress.data.entries["a/b/c"] = Entry(status="done", changed=WHEN)
    store.save(progress)
    again = store.load(progress_file, "llm-course")
    assert again.exists
    assert again.data.entries["a/b/c"].status == "done"
    assert again.data.entries["a/b/c"].changed == WHEN
    assert again.data.schema_version == PROGRESS_SCHEMA_VERSION
    assert again.data.course == "llm-course"


def test_unknown_keys_and_entries_survive_a_write(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(
        "schema_version = 1\n"
        'course = "llm-course"\n'
        'device = "laptop"\n'
        "[future]\nflag = true\nlevels = [1, 2, 3]\n"
        '[entries."old/section/gone"]\nstatus = "done"\nchanged = 2024-01-02T03:04:05Z\n'
        'note = "from an earlier course"\n'
        '[entries."x/y/z"]\nstatus = "done"\nchanged = 2025-05-05T05:05:05+02:00\nrating = 5\n',
        encoding="utf-8",
    )
    before = tomllib.loads(progress_file.read_text("utf-8"))
    progress = store.load(progress_file, "llm-course")
    progress.data.entries["x/y/z"] = progress.data.entries["x/y/z"].with_status("not-started", WHEN)
    store.save(progress)
    after = tomllib.loads(progress_file.read_text("utf-8"))
    assert after["device"] == "laptop"
    assert after["future"] == before["future"]
    assert after["entries"]["old/section/gone"] == before["entries"]["old/section/gone"]
    assert after["entries"]["x/y/z"]["rating"] == 5
    assert after["entries"]["x/y/z"]["status"] == "not-started"


BAD_FILES = {
    "not TOML": b'schema_version = 1\n[entries."a"\nstatus = "done"\n',
    "not UTF-8": b"schema_version = 1\n# \xff\xfe\n",
    "no schema_version": b'course = "llm-course"\n',
    "schema_version a string": b'schema_version = "1"\n',
    "entries not a table": b'schema_version = 1\nentries = ["a"]\n',
    "unknown status": b'schema_version = 1\n[entries."a/b/c"]\nstatus = "finished"\n'
    b"changed = 2026-01-01T00:00:00Z\n",
    "status missing": b'schema_version = 1\n[entries."a/b/c"]\nchanged = 2026-01-01T00:00:00Z\n',
    "changed not a time": b'schema_version = 1\n[entries."a/b/c"]\nstatus = "done"\n'
    b'changed = "yesterday"\n',
    "changed without zone": b'schema_version = 1\n[entries."a/b/c"]\nstatus = "done"\n'
    b"changed = 2026-01-01T00:00:00\n",
    "schema_version below 1": b"schema_version = -3\n",
    "another course": b'schema_version = 1\ncourse = "my-own-course"\n',
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_and_left_byte_for_byte(progress_file: Path, case: str) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(BAD_FILES[case])
    with pytest.raises(ProgressFileError) as caught:
        store.load(progress_file, "llm-course")
    assert str(progress_file) in str(caught.value)
    assert caught.value.exit_code == 1
    assert "\n" not in str(caught.value)
    assert progress_file.read_bytes() == BAD_FILES[case]


def test_a_file_without_a_course_gets_one_on_the_next_write(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("schema_version = 1\n", encoding="utf-8")
    progress = store.load(progress_file, "llm-course")
    progress.data.entries["t/1"] = Entry(status="done", changed=WHEN)
    store.save(progress)
    assert tomllib.loads(progress_file.read_text("utf-8"))["course"] == "llm-course"


def test_the_toml_error_names_its_line(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(BAD_FILES["not TOML"])
    with pytest.raises(ProgressFileError, match="line 2"):
        store.load(progress_file, "llm-course")


def test_a_shape_error_names_the_field(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(BAD_FILES["unknown status"])
    with pytest.raises(ProgressFileError, match=r"entries\.a/b/c\.status"):
        store.load(progress_file, "llm-course")


def test_a_write_leaves_no_temporary_files(progress_file: Path) -> None:
    progress = store.load(progress_file, "llm-course")
    for n in range(3):
        progress.data.entries[f"t/{n}"] = Entry(status="done", changed=WHEN)
        store.save(progress)
    assert sorted(p.name for p in progress_file.parent.iterdir()) == [
        "progress.toml",
        "progress.toml.bak",
    ]


def test_a_failed_write_keeps_the_old_file_and_cleans_up(
    progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress = store.load(progress_file, "llm-course")
    progress.data.entries["t/1"] = Entry(status="done", changed=WHEN)
    store.save(progress)
    before = progress_file.read_bytes()

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    progress.data.entries["t/2"] = Entry(status="done", changed=WHEN)
    with pytest.raises(ProgressFileError, match="No space left on device"):
        store.save(progress)
    assert progress_file.read_bytes() == before
    assert sorted(p.name for p in progress_file.parent.iterdir()) == ["progress.toml"]


def test_a_folder_that_cannot_be_made_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    path = blocker / "sub" / "progress.toml"
    progress = store.load(path, "llm-course")
    progress.data.entries["t/1"] = Entry(status="done", changed=WHEN)
    blocker.write_text("not a folder")
    with pytest.raises(ProgressFileError, match="cannot write progress file"):
        store.save(progress)
    assert blocker.read_text() == "not a folder"


def test_a_data_folder_under_a_file_is_a_clear_read_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ProgressFileError, match=r"cannot read progress file .*Not a directory"):
        store.load(blocker / "progress.toml", "llm-course")


def test_the_file_mode_is_kept(progress_file: Path) -> None:
    progress = store.load(progress_file, "llm-course")
    progress.data.entries["t/1"] = Entry(status="done", changed=WHEN)
    store.save(progress)
    progress_file.chmod(0o640)
    store.save(progress)
    assert progress_file.stat().st_mode & 0o777 == 0o640


entry_ids = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30)
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        entry_ids,
        st.tuples(st.sampled_from(["done", "not-started"]), moments, st.text(max_size=20)),
        max_size=8,
    )
)
def test_any_entries_round_trip(
    progress_file: Path, entries: dict[str, tuple[str, datetime, str]]
) -> None:
    progress = store.load(progress_file, "llm-course")
    progress.data.entries = {
        key: Entry(status, moment, {"note": note})
        for key, (status, moment, note) in entries.items()
    }
    store.save(progress)
    again = store.load(progress_file, "llm-course")
    assert {
        key: (e.status, e.changed, e.extra["note"]) for key, e in again.data.entries.items()
    } == entries
    progress_file.unlink()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(entry_ids, moments, st.sampled_from(["done", "not-started", "in-progress"])),
        min_size=1,
        max_size=6,
    )
)
def test_any_history_round_trips_through_the_file(
    progress_file: Path, changes: list[tuple[str, datetime, str]]
) -> None:
    progress_file.parent.mkdir(parents=True, exist_ok=True)
    history_file = progress_file.with_name("history.jsonl")
    history_file.unlink(missing_ok=True)
    written = [
        Event(rev, moment, "done", entry_id, "not-started", new, undoes=rev - 1 or None)
        for rev, (entry_id, moment, new) in enumerate(changes, start=1)
    ]
    size, kept = history.append(
        history_file, 0, 0, progressfile.encode_events(written), os.fsync, store.set_aside
    )
    assert kept == []
    found = history.read(history_file, size, len(written))
    assert found.problems == []
    assert found.events == written


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
event_like = st.dictionaries(
    st.sampled_from(["rev", "time", "command", "id", "old", "new", "undoes", "other"]),
    json_values | st.just("2026-11-27T10:00:00Z") | st.just(3),
    max_size=8,
).map(lambda doc: json.dumps(doc).encode() + b"\n")


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | event_like | st.lists(event_like).map(b"".join))
def test_any_bytes_in_the_history_are_reported_not_raised(progress_file: Path, junk: bytes) -> None:
    progress_file.parent.mkdir(parents=True, exist_ok=True)
    history_file = progress_file.with_name("history.jsonl")
    history_file.write_bytes(junk)
    found = history.read(history_file, len(junk), 1)
    assert len(found.events) + len(found.problems) <= junk.count(b"\n") + 1
