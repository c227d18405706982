"""What the TOML of the progress file said, kept in the cache folder: used only for the very
bytes it was read from, only by commands that read, and never written back."""

from __future__ import annotations

import json
import marshal
import math
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Run
from llmcourse import catalog, store

Invoke = Callable[..., Run]

TOPIC = "scientist/architecture/tokenization"
OTHER = "scientist/architecture/attention-mechanisms"


def _same(kept: Any, made: Any) -> bool:
    """Equal, and of the same types all the way down (a time's offset included)."""
    if type(kept) is not type(made):
        return False
    if isinstance(made, dict):
        return list(kept) == list(made) and all(_same(kept[k], made[k]) for k in made)
    if isinstance(made, list):
        return len(kept) == len(made) and all(map(_same, kept, made))
    if isinstance(made, datetime | time):
        return bool(kept.isoformat() == made.isoformat() and kept.tzinfo == made.tzinfo)
    if isinstance(made, float) and math.isnan(made):
        return math.isnan(kept)
    return bool(kept == made)


offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
scalars = (
    st.text()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.booleans()
    | moments
    | st.builds(lambda m, z: m.replace(tzinfo=z), moments, offsets)
    | st.dates()
    | st.times()
)
documents = st.dictionaries(
    st.text(),
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_what_is_kept_reads_back_as_tomllib_read_it(document: dict[str, Any]) -> None:
    read = tomllib.loads(tomli_w.dumps(document))
    kept = store._from_kept(marshal.loads(marshal.dumps(store._to_kept(read))))
    assert _same(kept, read)


def _entry(cache: Path) -> Path:
    [entry] = cache.glob("progress-*.marshal")
    return entry


def _reads_toml(*args: str) -> tuple[bool, str]:
    """Whether a run of the installed command read the progress file's TOML anew (rather than
    from the cache), and what it printed."""
    script = (
        "import sys; from llmcourse import progressfile\n"
        "read = []; parse = progressfile.parse_toml\n"
        "progressfile.parse_toml = lambda text: read.append(text) or parse(text)\n"
        "from llmcourse.start import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(bool(read), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return done.stderr.strip().splitlines()[-1] == "True", done.stdout


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(folder))
    return folder


def test_a_second_reading_of_the_same_bytes_comes_from_the_cache(
    run: Invoke, progress_file: Path, cache: Path
) -> None:
    assert run("done", TOPIC).exit_code == 0
    first = _reads_toml("progress", "--json")
    assert first[0]  # read anew, and kept
    assert _entry(cache).is_file()
    again = _reads_toml("progress", "--json")
    assert again == (False, first[1])


def test_a_change_to_the_file_is_read_anew_even_with_the_same_size_and_time(
    run: Invoke, progress_file: Path, cache: Path
) -> None:
    assert run("done", TOPIC).exit_code == 0
    assert run("progress", "--json").exit_code == 0  # kept
    before = progress_file.stat()
    content = progress_file.read_text(encoding="utf-8")
    edited = content.replace(TOPIC, TOPIC[:-1] + "x")  # an id this course does not have
    assert len(edited) == len(content) and edited != content
    progress_file.write_text(edited, encoding="utf-8")
    os.utime(progress_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    shown = run("progress", "--json").json()
    assert shown["course"]["done"] == 0
    assert shown["unknown_entries"] == [TOPIC[:-1] + "x"]


def _plant(cache: Path, content: bytes, document: Any) -> None:
    """A cache entry for these bytes of the progress file that says something else, as someone
    who can write the cache folder could make it."""
    entry = _entry(cache)
    entry.write_bytes(catalog.frame(content, marshal.dumps(document)))


def test_a_change_never_writes_back_what_the_cache_says(
    run: Invoke, progress_file: Path, cache: Path
) -> None:
    assert run("done", TOPIC).exit_code == 0
    assert run("progress", "--json").exit_code == 0
    content = progress_file.read_bytes()
    planted = store._to_kept(tomllib.loads(content.decode()))
    planted["entries"] = {OTHER: planted["entries"][TOPIC]}  # another topic, not this one
    _plant(cache, content, planted)
    assert run("start", "scientist/pre-training/data-preparation").exit_code == 0
    written = tomllib.loads(progress_file.read_text(encoding="utf-8"))["entries"]
    assert TOPIC in written and OTHER not in written


@pytest.mark.parametrize(
    "document",
    [
        {"schema_version": 4, "entries": {TOPIC: {"status": b"done"}}},  # bytes: not TOML
        {"schema_version": 4, "entries": frozenset({1})},
        {"schema_version": 4, 1: "a key that is not text"},
        {"schema_version": 4, "entries": {TOPIC: {"changed": ("2026-11-29", "weekday")}}},
        {"schema_version": 4, "entries": {TOPIC: {"changed": ("not a time", "datetime")}}},
        ["not", "a", "table"],
    ],
)
def test_a_kept_reading_that_toml_could_not_have_made_is_not_used(
    run: Invoke, progress_file: Path, cache: Path, document: Any
) -> None:
    assert run("done", TOPIC).exit_code == 0
    expected = run("progress", "--json").json()
    _plant(cache, progress_file.read_bytes(), document)
    assert run("progress", "--json").json() == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_only_the_learner_can_read_what_is_kept(
    run: Invoke, progress_file: Path, cache: Path
) -> None:
    assert run("note", TOPIC, "my own words").exit_code == 0
    assert run("progress", "--json").exit_code == 0
    assert _entry(cache).stat().st_mode & 0o777 == 0o600


def test_a_cache_folder_that_cannot_be_written_costs_nothing(
    run: Invoke, progress_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(blocked / "cache"))
    assert run("done", TOPIC).exit_code == 0
    shown = run("progress", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["course"]["done"] == 1
    assert run("progress", "--json").json() == shown.json()


def test_each_progress_file_has_an_entry_of_its_own(cache: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one" / "progress.toml", tmp_path / "two" / "progress.toml"
    for path, course in ((first, "one"), (second, "two")):
        path.parent.mkdir()
        path.write_text(f'schema_version = 4\ncourse = "{course}"\n', encoding="utf-8")
        assert store.load(path, course, cached=True).data.course == course
    assert len(list(cache.glob("progress-*.marshal"))) == 2
    for path, course in ((first, "one"), (second, "two")):
        assert store.load(path, course, cached=True).data.course == course
