"""`llmcourse export` and `llmcourse import`: to notes apps, spreadsheets and other machines."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]

TOKENIZATION = "scientist/architecture/tokenization"


def _state(folder: Path) -> dict[str, object]:
    return tomllib.loads((folder / "progress.toml").read_text("utf-8"))["entries"]  # type: ignore[no-any-return]


def _folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(folder))


def test_markdown_is_the_course_as_a_checklist(run: Invoke) -> None:
    run("done", "tokenization", "nanogpt")
    text = run("export", "--format", "markdown").stdout
    assert text.startswith("# The LLM Course\n")
    assert "## LLM Fundamentals (optional)" in text
    assert "### 1. The LLM Architecture" in text
    assert f"- [x] Tokenization (`{TOKENIZATION}`)" in text
    assert "- [ ] Attention mechanisms" in text
    assert "- [x] [nanoGPT](https://www.youtube.com/watch?v=kCc8FmEb1nY) — Andrej Karpathy" in text
    assert text.count("- [") == 77 + 104


def test_csv_is_a_row_per_topic_and_reference(run: Invoke) -> None:
    run("done", "tokenization")
    rows = list(csv.DictReader(io.StringIO(run("export", "-f", "csv").stdout)))
    assert len(rows) == 77 + 104
    row = next(r for r in rows if r["id"] == TOKENIZATION)
    assert (row["kind"], row["number"], row["status"]) == ("topic", "scientist/1/2", "done")
    assert row["changed"].endswith("Z")
    assert {r["kind"] for r in rows} == {"topic", "reference"}


def test_a_spreadsheet_never_reads_a_title_as_a_formula(run: Invoke, tmp_path: Path) -> None:
    course = (Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml").read_text()
    path = tmp_path / "course.toml"
    path.write_text(course.replace('title = "BM25"', 'title = "=HYPERLINK(1)"'), encoding="utf-8")
    rows = list(
        csv.DictReader(io.StringIO(run("--roadmaps", str(path), "export", "-f", "csv").stdout))
    )
    assert "'=HYPERLINK(1)" in [r["title"] for r in rows]


def test_the_exports_show_what_hides_or_reorders_text(run: Invoke, tmp_path: Path) -> None:
    """Bidirectional overrides ("Trojan Source"), invisible and separator characters: a
    spreadsheet or a Markdown viewer shows them as they are, so the exports write them as the
    terminal does, and in an address percent-encoded (the same address, seen as it is)."""
    course = (Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml").read_text()
    hidden = "\u202e \u200b \u2028 \u2066"
    path = tmp_path / "course.toml"
    path.write_text(
        course.replace('title = "BM25"', f'title = "BM25 {hidden}"').replace(
            "https://nlp.stanford.edu/IR-book/", "https://nlp.stanford.edu/\u202efdp.exe"
        ),
        encoding="utf-8",
    )
    exported = {
        form: run("--roadmaps", str(path), "export", "-f", form).stdout
        for form in ("csv", "markdown")
    }
    for text in exported.values():
        assert not {"\u202e", "\u200b", "\u2028", "\u2066"} & set(text)
        assert "https://nlp.stanford.edu/%E2%80%AEfdp.exe" in text
    rows = list(csv.DictReader(io.StringIO(exported["csv"])))
    assert "BM25 \\u202e \\u200b \\u2028 \\u2066" in [r["title"] for r in rows]


@pytest.mark.usefixtures("piped")
def test_export_to_a_file(run: Invoke, tmp_path: Path) -> None:
    run("done", "tokenization")
    out = tmp_path / "out" / "state.json"
    missing = run("export", "-o", str(out))
    assert missing.exit_code == 1
    assert "does not exist" in missing.stderr
    out.parent.mkdir()
    result = run("export", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text("utf-8"))["format"] == "llmcourse-export"
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    failed = run("export", "-o", str(blocked / "state.json"))
    assert failed.exit_code == 1
    assert failed.stderr.startswith("error: cannot write")
    assert failed.stderr.count("\n") == 1


def test_export_then_import_into_an_empty_folder_reproduces_the_state(
    run: Invoke, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("done", "tokenization", "nanogpt")
    run("done", "scientist/2")
    run("undo")
    progress = data_dir / "progress.toml"
    progress.write_text(
        progress.read_text("utf-8").replace("[entries]\n", 'device = "laptop"\n\n[entries]\n'),
        encoding="utf-8",
    )
    exported = tmp_path / "state.json"
    run("export", "-o", str(exported))
    other = tmp_path / "other"
    _folder(monkeypatch, other)
    result = run("import", str(exported))
    assert result.exit_code == 0, result.stderr
    assert _state(other) == _state(data_dir)
    assert tomllib.loads((other / "progress.toml").read_text())["device"] == "laptop"
    assert (other / "history.jsonl").read_bytes() == (data_dir / "history.jsonl").read_bytes()
    assert run("doctor").exit_code == 0
    undo = run("undo", "--json").json()  # the history came along: undo goes on where it was
    assert [u["rev"] for u in undo["undone"]] == [1]


def test_merging_takes_the_newer_change_per_item_and_loses_nothing(
    run: Invoke, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, desktop = tmp_path / "laptop", tmp_path / "desktop"
    _folder(monkeypatch, laptop)
    run("done", "tokenization", "attention-mechanisms")
    _folder(monkeypatch, desktop)
    run("done", "nanogpt")
    # The desktop later sets attention-mechanisms back: its change is the newer one.
    run("done", "attention-mechanisms")
    entries = desktop / "progress.toml"
    entries.write_text(
        entries.read_text("utf-8").replace("+00:00 }", '+00:00, note = "mine" }', 1),
        encoding="utf-8",
    )
    _folder(monkeypatch, laptop)
    run("export", "-o", str(tmp_path / "laptop.json"))
    _folder(monkeypatch, desktop)
    before = entries.read_bytes()
    dry = run("import", str(tmp_path / "laptop.json"), "--dry-run", "--json").json()
    assert entries.read_bytes() == before
    assert [c["id"] for c in dry["changed"]] == [TOKENIZATION]
    result = run("import", str(tmp_path / "laptop.json"), "--json")
    assert result.json() == dry | {"dry_run": False}
    state = _state(desktop)
    assert {k for k, v in state.items() if v["status"] == "done"} == {  # type: ignore[index]
        TOKENIZATION,
        "scientist/architecture/attention-mechanisms",
        "scientist/architecture/nanogpt",
    }
    assert state["scientist/architecture/nanogpt"]["note"] == "mine"  # type: ignore[index]

    def imported() -> list[dict[str, object]]:
        events = run("log", "--json", "-n", "0").json()["events"]
        return [e for e in events if e.get("imported")]

    # The laptop's events, less any the desktop holds already (the same item, change and
    # second, as a fast test can make them), each once.
    records = imported()
    assert any(e["id"] == TOKENIZATION for e in records)
    after = entries.read_bytes()
    again = run("import", str(tmp_path / "laptop.json"))
    assert "Nothing to import" in again.stdout
    assert entries.read_bytes() == after
    assert imported() == records
    undone = run("undo", "--json").json()
    assert undone["reverted"] == [
        {"id": TOKENIZATION, "from": "done", "to": "not-started", "undoes": 3}
    ]


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not a JSON document"),
        (b'{"format": "something-else"}', "not an llmcourse export"),
        (
            b'{"format": "llmcourse-export", "version": 1, "course": {"id": "other"}, '
            b'"progress": {"entries": {}}}',
            "holds progress on the course 'other'",
        ),
        (
            b'{"format": "llmcourse-export", "version": 1, "course": {"id": "llm-course"}, '
            b'"progress": {"entries": {"a/b/c": {"status": "done", "changed": "soon"}}}}',
            "progress.entries.a/b/c.changed",
        ),
        (
            b'{"format": "llmcourse-export", "version": 1, "course": {"id": "llm-course"}, '
            b'"progress": {"entries": {"a/b/c": {"status": "finished", '
            b'"changed": "2026-01-01T00:00:00Z"}}}}',
            "status",
        ),
    ],
)
def test_a_bad_import_file_changes_nothing(
    run: Invoke, data_dir: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    run("done", "tokenization")
    before = (data_dir / "progress.toml").read_bytes()
    path = tmp_path / "import.json"
    path.write_bytes(content)
    result = run("import", str(path))
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert (data_dir / "progress.toml").read_bytes() == before


def test_export_writes_into_pipes_and_through_links(run: Invoke, tmp_path: Path) -> None:
    import os
    import threading

    run("done", "tokenization")
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert run("export", "-f", "markdown", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text("utf-8").startswith("# The LLM Course")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert run("export", "-f", "csv", "-o", str(fifo)).exit_code == 0
    reader.join(timeout=10)
    assert received and received[0].startswith(b"kind,id,")
    assert fifo.is_fifo()


@pytest.mark.usefixtures("piped")
def test_hostile_export_files_are_refused(run: Invoke, data_dir: Path, tmp_path: Path) -> None:
    run("done", "tokenization")
    exported = tmp_path / "state.json"
    run("export", "-o", str(exported))
    doc = json.loads(exported.read_text("utf-8"))
    before = (data_dir / "progress.toml").read_bytes()
    entry = doc["progress"]["entries"][TOKENIZATION]
    for change, says in (
        ({"entry_extra": 'status = "skipped"\n'}, "must not set status"),
        ({"top_extra": "revision = 99\n"}, "must not set revision"),
        ({"id": "a\ud800b"}, "not valid Unicode"),
        ({"rev": 7}, "numbered in order"),
    ):
        bad = json.loads(json.dumps(doc))
        if "entry_extra" in change:
            bad["progress"]["entries"][TOKENIZATION] = entry | {"extra_toml": change["entry_extra"]}
        if "top_extra" in change:
            bad["progress"]["extra_toml"] = change["top_extra"]
        if "rev" in change:
            bad["history"][0]["rev"] = change["rev"]
        text = json.dumps(bad, ensure_ascii=True)
        if "id" in change:
            text = text.replace(TOKENIZATION, "a\\ud800b", 1)
        path = tmp_path / "bad.json"
        path.write_text(text, encoding="utf-8")
        result = run("import", str(path))
        assert result.exit_code == 1, change
        assert says in result.stderr, (change, result.stderr)
        assert (data_dir / "progress.toml").read_bytes() == before


def test_an_entry_under_a_former_id_meets_its_item(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    older = tmp_path / "older.toml"
    older.write_text(
        example.read_text("utf-8")
        .replace(
            'former_ids = ["retrieval/keyword-search/ann"]   # moved here from the first section\n',
            "",
        )
        .replace('id = "nearest-neighbours"', 'id = "moved-away"'),
        encoding="utf-8",
    )
    newer = tmp_path / "newer.toml"
    newer.write_text(
        example.read_text("utf-8").replace(
            '["retrieval/keyword-search/ann"]', '["retrieval/dense-retrieval/moved-away"]'
        ),
        encoding="utf-8",
    )
    _folder(monkeypatch, tmp_path / "old-machine")
    run("--roadmaps", str(older), "done", "moved-away")
    run("--roadmaps", str(older), "export", "-o", str(tmp_path / "old.json"))
    _folder(monkeypatch, tmp_path / "new-machine")
    run("--roadmaps", str(newer), "done", "bm25")
    result = run("--roadmaps", str(newer), "import", str(tmp_path / "old.json"), "--json")
    assert [c["id"] for c in result.json()["changed"]] == [
        "retrieval/dense-retrieval/nearest-neighbours"
    ]


def test_equal_times_converge_both_ways(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def export_with(status: str, name: str) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_text(
            json.dumps(
                {
                    "format": "llmcourse-export",
                    "version": 1,
                    "course": {"id": "llm-course"},
                    "progress": {
                        "revision": 0,
                        "entries": {
                            TOKENIZATION: {"status": status, "changed": "2026-11-01T10:00:00Z"}
                        },
                    },
                }
            ),
            encoding="utf-8",
        )
        return path

    done, not_started = export_with("done", "a"), export_with("not-started", "b")
    for folder, first, second in (("one", done, not_started), ("two", not_started, done)):
        _folder(monkeypatch, tmp_path / folder)
        run("done", "nanogpt")  # something here already: a merge, not an adoption
        run("import", str(first))
        run("import", str(second))
        assert _state(tmp_path / folder)[TOKENIZATION]["status"] == "done"  # type: ignore[index]


def _whole_document(course_args: tuple[str, ...], exported: str) -> str:
    """The JSON export as it was made before it was written as it goes: the whole document in
    memory, dumped at once (the reference the streamed export must match byte for byte)."""
    from llmcourse import exchange
    from llmcourse.progressfile import toml_text
    from llmcourse.session import Session

    run = Session(Path(course_args[1]) if course_args else None)
    progress = run.progress()
    data = progress.data
    entries: dict[str, object] = {}
    for entry_id, entry in data.entries.items():
        doc: dict[str, object] = {"status": entry.status, "changed": exchange._time(entry.changed)}
        if entry.extra:
            doc["extra_toml"] = toml_text(entry.extra)
        entries[entry_id] = doc
    whole: dict[str, object] = {
        "format": "llmcourse-export",
        "version": 1,
        "exported": exported,
        "course": {"id": run.course().course.id, "title": run.course().course.title},
        "progress": {
            "revision": data.revision,
            "entries": entries,
            "reviews": {key: exchange._schedule_doc(s) for key, s in data.reviews.items()},
        },
        "history": [event.to_json() for event in progress.read_history().events],
        "notes": {key: [exchange._note_doc(n) for n in notes] for key, notes in data.notes.items()},
    }
    if data.extra:
        whole["progress"]["extra_toml"] = toml_text(data.extra)  # type: ignore[index]
    return json.dumps(whole, ensure_ascii=False, indent=1) + "\n"


def _damage_history(
    data_dir: Path, after_line: int, bad: bytes = b'{"rev": 1, "time": "not a time"}\n'
) -> None:
    """A line that cannot be read, among those the progress file vouches for."""
    history = data_dir / "history.jsonl"
    lines = history.read_bytes().splitlines(keepends=True)
    history.write_bytes(b"".join([*lines[:after_line], bad, *lines[after_line:]]))
    progress = data_dir / "progress.toml"
    text = progress.read_text("utf-8")
    size = tomllib.loads(text)["history_size"]
    progress.write_text(
        text.replace(f"history_size = {size}\n", f"history_size = {size + len(bad)}\n"), "utf-8"
    )


EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"


@pytest.mark.parametrize(
    "state",
    ["nothing", "statuses", "notes-and-reviews", "unknown-keys", "former-ids", "damaged-history"],
)
def test_the_json_export_written_as_it_goes_is_the_whole_document_byte_for_byte(
    state: str, run: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    course: tuple[str, ...] = ()
    if state == "former-ids":
        course = ("--roadmaps", str(EXAMPLE))
        run(*course, "done", "bm25", "embeddings")
        run(*course, "note", "bm25", 'a quote " and a \\ back\nslash')
        progress = data_dir / "courses" / "intro-to-retrieval" / "progress.toml"
        # An entry and notes kept under an id the item had before it moved.
        former = '"retrieval/keyword-search/ann"'
        text = (
            progress.read_text("utf-8")
            .replace(
                "[entries]\n",
                f'[entries]\n{former} = {{ status = "in-progress", '
                "changed = 2026-01-02T03:04:05Z }\n",
            )
            .replace(
                "[notes]\n",
                f'[notes]\n{former} = [{{ text = "kept", time = 2026-01-02T03:04:05Z }}]\n',
            )
        )
        assert text.count(former) == 2
        progress.write_text(text, "utf-8")
    elif state != "nothing":
        run("done", "tokenization", "nanogpt", "scientist/2")
        run("start", "attention")
        run("skip", "scientist/3")
        run("undo")
    if state == "notes-and-reviews":
        run("note", "tokenization", "BPE — vs — WordPiece 🙂\n\ttabbed \x1b[31m red")
        run("note", "scientist/1", "a section's note")
        run("review", "tokenization", "--rate", "good", "--early")
    if state == "unknown-keys":
        progress = data_dir / "progress.toml"
        progress.write_text(
            progress.read_text("utf-8")
            .replace("[entries]\n", 'device = "laptop"\n\n[entries]\n')
            .replace('status = "done",', 'status = "done", mood = ["calm", 3],', 1),
            "utf-8",
        )
    if state == "damaged-history":
        _damage_history(data_dir, after_line=1)
    to_file = tmp_path / "state.json"
    written = run(*course, "export", "-o", str(to_file))
    shown = run(*course, "export")
    assert written.exit_code == shown.exit_code == 0, written.stderr + shown.stderr
    for text in (to_file.read_text("utf-8"), shown.stdout):
        exported = json.loads(text)["exported"]
        assert text == _whole_document(course, exported)
    if state == "damaged-history":
        assert json.loads(shown.stdout)["history"]  # the lines around the bad one are there
        for result in (written, shown):
            assert "1 line(s) of" in result.stderr and "cannot be read" in result.stderr
    else:
        assert "cannot be read" not in written.stderr + shown.stderr


def test_a_history_read_in_blocks_gives_what_a_whole_read_gives(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcourse import history

    for topic in ("tokenization", "attention", "scientist/2", "scientist/3"):
        run("done", topic)
    _damage_history(data_dir, after_line=2)
    _damage_history(data_dir, after_line=4, bad=b'{"rev": 2, "id": "\xff"}\n')  # not UTF-8
    # A torn line past what the progress file vouches for is left out by both.
    with (data_dir / "history.jsonl").open("ab") as handle:
        handle.write(b'{"rev": 9, "ti')
    size = tomllib.loads((data_dir / "progress.toml").read_text("utf-8"))["history_size"]
    path = data_dir / "history.jsonl"
    whole = history.read(path, size, 4)
    assert [line for line, _ in whole.problems] == [3, 5] and len(whole.events) > 3
    assert "utf-8" in whole.problems[1][1]
    for block in (1, 7, 100, 1 << 20):
        monkeypatch.setattr(history.Stream, "BLOCK", block)
        stream = history.Stream(path, size)
        assert list(stream) == whole.events
        assert stream.problems == whole.problems
        # What doctor reads: all that a whole read finds wrong, for any size vouched for.
        for vouched in (size, size - 1, size + 5, 0, 10**9):
            for revision in (3, 4):
                expected = history.read(path, vouched, revision)
                found = history.check(path, vouched, revision)
                assert found.events == []
                assert (
                    found.problems,
                    found.missing_bytes,
                    found.pending_bytes,
                    found.mismatch,
                ) == (
                    expected.problems,
                    expected.missing_bytes,
                    expected.pending_bytes,
                    expected.mismatch,
                ), (block, vouched, revision)


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_half_a_surrogate_pair_in_an_exports_bytes_is_refused(
    encoding: str, run: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    run("done", "tokenization")
    exported = tmp_path / "state.json"
    run("export", "-o", str(exported))
    before = (data_dir / "progress.toml").read_bytes()
    # Not an escape, which the import finds in the text, but the bytes of one (json reads them).
    text = exported.read_text("utf-8").replace(TOKENIZATION, "a\udc00b", 1)
    exported.write_bytes(text.encode(encoding, "surrogatepass"))
    result = run("import", str(exported))
    assert result.exit_code == 1
    assert "not valid Unicode" in result.stderr and result.stderr.count("\n") == 1
    assert (data_dir / "progress.toml").read_bytes() == before
