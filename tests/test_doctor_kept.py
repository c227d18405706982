"""`doctor` keeps what it found in the history and reads only what follows: its report stays
exactly what checking the whole history gives, whatever happened to the file or the cache."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import Run
from llmcourse import history
from test_history_lines import BAD, GOOD

Invoke = Callable[..., Run]


def _report(found: history.History) -> tuple[object, ...]:
    return (found.problems, found.missing_bytes, found.pending_bytes, found.mismatch)


def _checked(path: Path, size: int, revision: int) -> tuple[object, ...]:
    """The report with the kept check, which must be the report without it."""
    kept = _report(history.check(path, size, revision, kept=True))
    assert kept == _report(history.check(path, size, revision))
    return kept


line = st.one_of(st.sampled_from(GOOD), st.sampled_from(BAD[:-6]), st.binary(max_size=8))
contents = st.lists(line, max_size=8).map(lambda lines: b"".join(x + b"\n" for x in lines))


def _changes(content: bytes) -> st.SearchStrategy[bytes]:
    """The same file after an append, a cut, an edit in place (of the same length or not)."""
    where = st.integers(0, len(content))
    return st.one_of(
        st.just(content),
        st.binary(max_size=40).map(lambda more: content + more),
        contents.map(lambda more: content + more),
        where.map(lambda at: content[:at]),
        st.tuples(where, st.binary(min_size=1, max_size=3)).map(
            lambda edit: content[: edit[0]] + edit[1] + content[edit[0] + len(edit[1]) :]
        ),
        st.tuples(where, st.binary(max_size=3)).map(
            lambda edit: content[: edit[0]] + edit[1] + content[edit[0] :]
        ),
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), first=contents, revision=st.integers(1, 6), cut=st.integers(0, 30))
@example(data=None, first=GOOD[0] + b"\n" + GOOD[1] + b"\n", revision=2, cut=0)
def test_the_kept_check_is_the_full_check(
    tmp_path: Path, data: st.DataObject | None, first: bytes, revision: int, cut: int
) -> None:
    path = tmp_path / "history.jsonl"
    path.write_bytes(first)
    _checked(path, len(first), revision)
    then = first + GOOD[3] + b"\n" if data is None else data.draw(_changes(first))
    path.write_bytes(then)
    # The progress file may vouch for all of it, less (a change that never completed) or more.
    for size in (len(then), max(len(then) - cut, 0), len(then) + cut):
        _checked(path, size, revision)
        _checked(path, size, revision)


LINE = len(GOOD[0]) + 1  # the first line of `_history`, whole


def _history(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"".join(x + b"\n" for x in [GOOD[0], BAD[0], GOOD[1], GOOD[2]]))
    return path


def test_only_the_lines_after_the_kept_ones_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _history(tmp_path)
    size = path.stat().st_size
    first = _checked(path, size, 3)
    assert first[0] == [(2, "not a JSON object")]
    with path.open("ab") as handle:
        handle.write(BAD[4] + b"\n" + GOOD[3] + b"\n")
    numbers: list[int] = []
    parse = history.parse_lines

    def counting(content: bytes, first: int, *args: object) -> history.Lines:
        numbers.append(first)
        return parse(content, first, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(history, "parse_lines", counting)
    found = history.check(path, path.stat().st_size, 4, kept=True)
    assert numbers == [5]
    assert found.problems == [(2, "not a JSON object"), (5, "not a JSON object (Extra data)")]
    assert not found.mismatch


def test_a_byte_changed_in_the_middle_is_noticed(tmp_path: Path) -> None:
    path = _history(tmp_path)
    size = path.stat().st_size
    _checked(path, size, 3)
    content = bytearray(path.read_bytes())
    at = content.index(b'"rev": 2')
    content[at : at + 8] = b'"rev": 0'  # the same length, the same size: only the bytes differ
    stat = path.stat()
    path.write_bytes(bytes(content))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _checked(path, size, 3)[0] == [
        (2, "not a JSON object"),
        (3, "'rev' must be a positive whole number"),
    ]
    content[0:1] = b"<"
    path.write_bytes(bytes(content))
    assert _checked(path, size, 3)[0] == [
        (1, "not a JSON object (Expecting value)"),
        (2, "not a JSON object"),
        (3, "'rev' must be a positive whole number"),
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: b"",
        lambda entry: entry[:-3],
        lambda entry: entry[:40] + bytes([entry[40] ^ 1]) + entry[41:],
        lambda entry: b"garbage" * 100,
    ],
)
def test_a_damaged_kept_check_is_ignored(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    path = _history(tmp_path)
    size = path.stat().st_size
    _checked(path, size, 3)
    entry = history._kept_check_path(path)
    entry.write_bytes(damage(entry.read_bytes()))
    assert _checked(path, size, 3)[0] == [(2, "not a JSON object")]


@pytest.mark.parametrize(
    "planted",
    [
        (10**6, "crc", 4, [], 3),  # more bytes than the file holds
        (LINE, 12345, 1, [], 1),  # not the CRC of those bytes
        (10, "crc", 1, [], 1),  # not the end of a line
        (LINE, "crc", 0, [], 1),  # no lines
        (LINE, "crc", 1, [(2, "x")], 1),  # a problem past its lines
        (LINE, "crc", 2, [(2, "x"), (1, "y")], 1),  # problems out of order
        (LINE, "crc", 1, [(1, 3)], 1),
        (LINE, "crc", 1, [[1, "x"]], 1),
        (LINE, "crc", 1, [], True),
        (LINE, -1, 1, [], 1),
        (LINE, "crc", 1, []),
        "not a check",
    ],
)
def test_a_planted_kept_check_is_ignored(tmp_path: Path, planted: object) -> None:
    import marshal
    import zlib

    from llmcourse.catalog import frame

    path = _history(tmp_path)
    size = path.stat().st_size
    if isinstance(planted, tuple) and planted[1] == "crc":
        planted = (planted[0], zlib.crc32(path.read_bytes()[: planted[0]]), *planted[2:])
    entry = history._kept_check_path(path)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(frame(history._kept_check_source(path), marshal.dumps(planted)))
    assert _checked(path, size, 3)[0] == [(2, "not a JSON object")]


def test_a_kept_check_of_another_file_is_not_used(tmp_path: Path) -> None:
    path = _history(tmp_path)
    size = path.stat().st_size
    _checked(path, size, 3)
    other = tmp_path / "elsewhere" / "history.jsonl"
    other.parent.mkdir()
    other.write_bytes(path.read_bytes())
    entry = history._kept_check_path(path)
    # The other file's entry name, holding this one's check: its source names this file.
    os.replace(entry, history._kept_check_path(other))
    other.write_bytes(GOOD[0] + b"\n" + BAD[1] + b"\n")
    assert _checked(other, other.stat().st_size, 1)[0] == [(2, "not a JSON object")]


def test_a_cache_folder_that_cannot_be_written_fails_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(blocked / "cache"))
    path = _history(tmp_path)
    assert _checked(path, path.stat().st_size, 3)[0] == [(2, "not a JSON object")]


def test_doctor_after_a_change_reports_what_a_full_check_does(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    history_file = data_dir / "history.jsonl"
    assert run("doctor", "--json").exit_code == 0
    assert history._kept_check_path(history_file).exists()
    run("done", "scientist/1/4")
    assert run("doctor", "--json").exit_code == 0
    content = history_file.read_bytes()
    history_file.write_bytes(content.replace(b'"rev": 2', b'"rev": 9', 1))
    result = run("doctor", "--json")
    assert result.exit_code == 0  # a line in the middle that still reads is no problem
    history_file.write_bytes(content.replace(b'"rev": 2', b'"rev": X', 1))
    result = run("doctor", "--json")
    assert result.exit_code == 1
    findings = [(f["code"], f["line"]) for f in result.json()["findings"]]
    assert findings == [("bad-history-line", 2)]
