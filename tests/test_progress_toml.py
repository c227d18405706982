"""Reading the progress file's TOML: the layout `encode` writes is read without tomllib, to the
very same value; anything else, and every error, is tomllib's."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import Run
from llmcourse import progressfile
from llmcourse.progressfile import Entry, Note, ProgressFile, Schedule

TOPIC = "scientist/architecture/tokenization"
OTHER = "scientist/architecture/attention-mechanisms"


def _same(read: Any, expected: Any) -> bool:
    """Equal, and of the same types all the way down (a time's offset and zone included)."""
    if type(read) is not type(expected):
        return False
    if isinstance(expected, dict):
        return list(read) == list(expected) and all(_same(read[k], expected[k]) for k in expected)
    if isinstance(expected, list):
        return len(read) == len(expected) and all(map(_same, read, expected))
    if isinstance(expected, datetime):
        return bool(
            read.isoformat() == expected.isoformat()
            and read.tzinfo == expected.tzinfo
            and read.utcoffset() == expected.utcoffset()
        )
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(read)
    if isinstance(expected, float):  # -0.0 == 0.0, but is not what the file says
        return read == expected and math.copysign(1, read) == math.copysign(1, expected)
    return bool(read == expected)


# --- What `encode` writes -----------------------------------------------------------------

# Text `encode` writes without an escape: what the fast reader must read itself.
plain_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'), max_size=12
)
# Any text at all: quotes, backslashes, line breaks and controls are written escaped.
any_text = st.text(max_size=12)

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.just(UTC) | offsets,
)
# As `repr` writes them; infinities and NaN (which no schedule holds) are left to tomllib.
finite = st.floats(allow_nan=False, allow_infinity=False) | st.floats(1, 10)
numbers = finite | st.floats() | st.integers(-(2**70), 2**70)
whole = st.integers(-(2**70), 2**70)
kept = st.dictionaries(plain_text, st.integers() | plain_text | st.booleans(), max_size=2)


def progress_files(text: st.SearchStrategy[str], *, unusual: bool) -> st.SearchStrategy[Any]:
    """Progress files `encode` can write, with strings from `text`; with `unusual`, some keep
    keys this version does not know (written through tomli-w), and numbers may be infinite."""
    extra = kept if unusual else st.just({})
    number = numbers if unusual else finite | whole
    entries = st.dictionaries(
        text, st.builds(Entry, st.sampled_from(progressfile.STATUSES) | text, moments, extra)
    )
    notes = st.dictionaries(
        text,
        st.lists(st.builds(Note, text, moments, extra.map(lambda kept: kept or None)), max_size=3),
        max_size=3,
    )
    schedules = st.builds(
        Schedule,
        moments,
        moments,
        number,
        number,
        st.sampled_from(progressfile.SCHEDULE_STATES) | text,
        st.none() | whole,
        extra.map(lambda kept: kept or None),
    )
    top = (
        st.dictionaries(
            text.filter(lambda key: key not in progressfile.PROGRESS_KEYS),
            st.integers() | text,
            max_size=2,
        )
        if unusual
        else st.just({})
    )
    return st.builds(
        ProgressFile,
        schema_version=st.just(progressfile.SCHEMA_VERSION),
        course=st.none() | text,
        revision=whole,
        history_size=whole,
        entries=entries,
        extra=top,
        notes=notes,
        reviews=st.dictionaries(text, schedules, max_size=4),
    )


def _tomllib(text: str) -> Any:
    """What tomllib reads in `text`, or the exception it raises."""
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as err:
        return err


@settings(max_examples=400, deadline=None)
@given(progress_files(plain_text, unusual=False))
@example(ProgressFile(4))
@example(ProgressFile(4, "", entries={"": Entry("done", datetime(2026, 1, 5, tzinfo=UTC))}))
def test_the_layout_encode_writes_is_read_without_tomllib_to_the_same_value(
    data: ProgressFile,
) -> None:
    text = progressfile.encode(data).decode("utf-8")
    read = progressfile._written_layout(text)
    assert read is not None
    assert _same(read, tomllib.loads(text))


@settings(max_examples=400, deadline=None)
@given(progress_files(any_text, unusual=True))
def test_whatever_encode_writes_is_read_as_tomllib_reads_it_or_left_to_tomllib(
    data: ProgressFile,
) -> None:
    text = progressfile.encode(data).decode("utf-8")
    expected = _tomllib(text)
    read = progressfile._written_layout(text)
    if isinstance(expected, Exception):  # a number or a time TOML cannot hold, say
        assert read is None
    elif read is not None:
        assert _same(read, expected)
    assert _same(progressfile.parse_toml(text), expected) or isinstance(expected, Exception)


# --- Text that is not quite what `encode` writes ------------------------------------------

# Characters that change what TOML means, and some that change nothing.
touches = (
    st.sampled_from(list("\"\\\n\r\t #=[]{},.-+:eE0179TZz_'\x00\x7f\x85\u2028é")) | st.characters()
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The text of a progress file with one thing changed: a character inserted, deleted or
    replaced, or a line duplicated or swapped with another."""
    text = progressfile.encode(draw(progress_files(plain_text, unusual=False))).decode("utf-8")
    lines = text.split("\n")
    kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "swap"]))
    if kind in ("duplicate", "swap"):
        first = draw(st.integers(0, len(lines) - 1))
        second = draw(st.integers(0, len(lines) - 1))
        if kind == "duplicate":
            lines.insert(second, lines[first])
        else:
            lines[first], lines[second] = lines[second], lines[first]
        return "\n".join(lines)
    at = draw(st.integers(0, len(text) - (kind != "insert")))
    if kind == "delete":
        return text[:at] + text[at + 1 :]
    skip = kind == "replace"
    return text[:at] + draw(touches) + text[at + skip :]


# Texts found by the property below, kept so that they are always tried.
SEEN = [
    'schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n"a" = { status = "done", '
    'changed = 2026-01-05T08:00:00+00:00 }\n"a" = { status = "done", '
    "changed = 2026-01-05T08:00:00+00:00 }\n",
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n"
    '"a" = { status = "done", changed = 2026-02-30T08:00:00+00:00 }\n',
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[reviews]\n"
    '"a" = { due = 2026-01-05T08:00:00+00:00, last_review = 2026-01-05T08:00:00+00:00, '
    'stability = 01.5, difficulty = 2.0, state = "review" }\n',
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[reviews]\n"
    '"a" = { due = 2026-01-05T08:00:00+00:00, last_review = 2026-01-05T08:00:00+00:00, '
    'stability = 1.5, difficulty = 2.0, state = "review" }\n'
    '"a" = { due = 2026-01-05T08:00:00+00:00, last_review = 2026-01-05T08:00:00+00:00, '
    'stability = 1.5, difficulty = 2.0, state = "review" }\n',
    'schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[notes]\n"a" = []\n'
    '"a" = []\n',
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[notes]\n"
    '"a" = [{ text = "x", time = 2026-01-05T08:00:00+24:00 }]\n',
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[reviews]\n\n[notes]\n",
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[notes]\n\n[notes]\n",
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n\n[entries]\n",
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n"
    '"a" = { status = "done", changed = 2026-01-05T08:00:00+00:00 }',
    "schema_version = 4\r\nrevision = 0\nhistory_size = 0\n\n[entries]\n",
    "schema_version = 04\nrevision = 0\nhistory_size = 0\n\n[entries]\n",
    "schema_version = 4\nrevision = \u0664\nhistory_size = 0\n\n[entries]\n",
    "schema_version = 4\nrevision = 0\nhistory_size = 0\n\n[entries]\n"
    '"\ud800" = { status = "\x85", changed = 2026-01-05T08:00:00+00:00 }\n',
]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEN) | mutated())
def test_a_changed_text_is_read_as_tomllib_reads_it_or_left_to_tomllib(text: str) -> None:
    expected = _tomllib(text)
    read = progressfile._written_layout(text)  # never raises
    if isinstance(expected, Exception):
        assert read is None
    elif read is not None:
        assert _same(read, expected)


# --- In use ---------------------------------------------------------------------------------


def _usual() -> str:
    moment = datetime(2026, 1, 5, 8, 0, 0, 250_000, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    data = ProgressFile(
        progressfile.SCHEMA_VERSION,
        "llm-course",
        revision=3,
        history_size=420,
        entries={TOPIC: Entry("done", moment), "a/b": Entry("in-progress", moment)},
        notes={TOPIC: [Note("read it twice", moment)]},
        reviews={TOPIC: Schedule(moment, moment, 2.3065, 2.1181, "review")},
    )
    return progressfile.encode(data).decode("utf-8")


def test_the_usual_layout_is_read_without_tomllib(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> Any:
        raise AssertionError("tomllib read the layout encode writes")

    text = _usual()
    expected = tomllib.loads(text)
    monkeypatch.setattr(tomllib, "loads", refuse)
    assert _same(progressfile.parse_toml(text), expected)


def test_what_the_fast_reader_leaves_is_read_by_tomllib() -> None:
    text = _usual().replace("[entries]\n", "[entries]\n# a comment\n")
    assert progressfile._written_layout(text) is None
    assert _same(progressfile.parse_toml(text), tomllib.loads(text))


def test_a_key_twice_gets_tomllibs_message_and_line(run: Any, progress_file: Path) -> None:
    lines = _usual().split("\n")
    twice = lines.index(next(line for line in lines if line.startswith(f'"{TOPIC}" = {{ status')))
    lines.insert(twice + 1, lines[twice])
    text = "\n".join(lines)
    with pytest.raises(tomllib.TOMLDecodeError) as raised:
        tomllib.loads(text)
    message = str(raised.value)
    assert f"line {twice + 2}," in message

    reading = progressfile.read(text.encode("utf-8"))
    assert reading.data is None
    [problem] = reading.problems
    assert (problem.code, problem.line) == ("not-toml", twice + 2)
    assert problem.message == "not valid TOML: " + message.split(" (at line")[0]

    progress_file.parent.mkdir(parents=True, exist_ok=True)
    progress_file.write_text(text, encoding="utf-8")
    shown: Run = run("done", TOPIC)
    assert shown.exit_code == 1
    assert f"(at line {twice + 2}, column" in shown.stderr
    assert "Traceback" not in shown.stderr
    assert progress_file.read_text(encoding="utf-8") == text  # left as it was


def test_a_change_to_a_file_in_the_usual_layout_does_not_load_tomllib(
    run: Any, progress_file: Path
) -> None:
    assert run("done", TOPIC).exit_code == 0  # the file, in the layout encode writes
    assert run("note", TOPIC, "read it twice").exit_code == 0
    script = (
        "import sys; from llmcourse.start import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
        "print('tomllib' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "done", OTHER], capture_output=True, text=True, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert OTHER in progress_file.read_text(encoding="utf-8")


def test_a_number_too_long_to_read_is_a_problem_with_the_file(
    run: Any, progress_file: Path
) -> None:
    # tomllib lets Python's ValueError about converting so many digits out, not its own error.
    text = f"schema_version = 4\nrevision = {'1' * 5000}\nhistory_size = 0\n\n[entries]\n"
    progress_file.parent.mkdir(parents=True, exist_ok=True)
    progress_file.write_text(text, encoding="utf-8")
    shown: Run = run("progress")
    assert shown.exit_code == 1
    assert shown.stderr.startswith("error: ")
    said = " ".join(shown.stderr.split())
    assert "is not valid TOML: a number with more digits than can be read." in said
    assert "Traceback" not in said
    assert progress_file.read_text(encoding="utf-8") == text
