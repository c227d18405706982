"""`llmcourse note`: the learner's own words on a topic, section or reference."""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]

TOKENIZATION = "scientist/architecture/tokenization"


def _notes(run: Invoke, item: str) -> list[str]:
    return [n["text"] for n in run("note", item, "--json").json()["notes"]]


def test_notes_are_added_listed_and_shown(run: Invoke) -> None:
    assert "No notes on" in run("note", "tokenization").stdout
    assert run("note", "tokenization", "BPE", "vs", "WordPiece").exit_code == 0
    run("note", "scientist/1", "read the whole section twice")
    run("note", "nanogpt", "watch at 1.5x")
    assert _notes(run, "tokenization") == ["BPE vs WordPiece"]
    shown = run("show", "tokenization").stdout
    assert "Your notes (1)" in shown and "BPE vs WordPiece" in shown
    assert "read the whole section twice" in run("show", "scientist/1").stdout
    assert run("show", "nanogpt", "--json").json()["reference"]["notes"][0]["text"] == (
        "watch at 1.5x"
    )


def test_a_note_is_shown_literally(run: Invoke) -> None:
    hostile = "[red]x[/red] [link=file:///etc/passwd]y[/link] \x1b[2J line\nnext"
    run("note", "tokenization", hostile)
    for args in (["note", "tokenization"], ["show", "tokenization"]):
        out = run(*args).stdout
        assert "[red]x[/red] [link=file:///etc/passwd]y[/link] \\x1b[2J line" in out
        assert "\x1b" not in out
    assert _notes(run, "tokenization") == [hostile]


def test_edit_replaces_the_notes_with_what_the_editor_leaves(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("note", "tokenization", "first")
    run("note", "tokenization", "second")
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "text = p.read_text()\n"
        "assert '%% Notes on scientist/architecture/tokenization' in text\n"
        "p.write_text(text.replace('second', 'second, edited') + '%% note\\nthird\\n')\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    before = {n["text"]: n["time"] for n in run("note", "tokenization", "--json").json()["notes"]}
    result = run("note", "tokenization", "--edit", "--json")
    assert result.exit_code == 0, result.stderr
    after = result.json()["notes"]
    assert [n["text"] for n in after] == ["first", "second, edited", "third"]
    assert after[0]["time"] == before["first"]  # unchanged notes keep their time


def test_an_editor_that_fails_changes_nothing(
    run: Invoke, progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("note", "tokenization", "keep me")
    before = progress_file.read_bytes()
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'import sys; sys.exit(3)'")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("note", "tokenization", "--edit")
    assert result.exit_code == 2
    assert "exited with 3" in " ".join(result.stderr.split())  # wrapped where the path is long
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere")
    assert "cannot start the editor" in run("note", "tokenization", "--edit").stderr
    assert progress_file.read_bytes() == before


def test_notes_survive_everything_the_progress_does(
    run: Invoke, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("note", "tokenization", "kept")
    run("done", "tokenization")
    run("undo")
    run("skip", "scientist/1")
    assert run("doctor").exit_code == 0
    assert _notes(run, "tokenization") == ["kept"]
    stored = tomllib.loads((data_dir / "progress.toml").read_text("utf-8"))
    assert stored["notes"][TOKENIZATION][0]["text"] == "kept"
    exported = tmp_path / "state.json"
    run("export", "-o", str(exported))
    assert json.loads(exported.read_text())["notes"][TOKENIZATION][0]["text"] == "kept"
    assert "> kept (" in run("export", "-f", "markdown").stdout
    other = tmp_path / "other"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(other))
    run("done", "nanogpt")
    run("note", "tokenization", "from the other machine")
    merged = run("import", str(exported), "--json").json()
    assert merged["notes_added"] == 1
    assert sorted(_notes(run, "tokenization")) == ["from the other machine", "kept"]
    assert run("import", str(exported), "--json").json()["notes_added"] == 0


def test_a_bad_note_in_the_file_is_a_bad_field(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    content = 'schema_version = 3\n[notes]\n"a/b" = [{ text = 3 }]\n'
    progress_file.write_text(content, encoding="utf-8")
    result = run("progress")
    assert result.exit_code == 1
    assert "notes.a/b" in result.stderr
    assert progress_file.read_text("utf-8") == content


def test_an_editor_that_changes_nothing_changes_nothing(
    run: Invoke, progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tricky = ["# a heading\nmerges pairs\n---\nsecond part", "#hashtag idea", "%% odd", "\\x"]
    for text in tricky:
        run("note", "tokenization", text)
    before = run("note", "tokenization", "--json").json()["notes"]
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c pass")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("note", "tokenization", "--edit", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["notes"] == before
    assert [n["text"] for n in before] == tricky


def test_an_emptied_file_or_a_blank_note_changes_nothing(
    run: Invoke, progress_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("note", "tokenization", "keep me")
    before = progress_file.read_bytes()
    emptier = tmp_path / "empty.py"
    emptier.write_text("import sys, pathlib\npathlib.Path(sys.argv[1]).write_text('')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {emptier}")
    monkeypatch.delenv("VISUAL", raising=False)
    emptied = run("note", "tokenization", "--edit")
    assert emptied.exit_code == 2 and "came back empty" in emptied.stderr
    blank = run("note", "tokenization", "   ")
    assert blank.exit_code == 2 and "needs some text" in blank.stderr
    assert progress_file.read_bytes() == before


def test_markdown_keeps_note_lines_statuses_and_roadmap_notes(run: Invoke) -> None:
    run("note", "tokenization", "line one\nline two")
    run("note", "scientist", "the whole roadmap")
    run("start", "tokenization")
    run("skip", "nanogpt")
    text = run("export", "-f", "markdown").stdout
    assert "  > line one\n  > line two (" in text
    assert "> the whole roadmap (" in text
    assert "(`scientist/architecture/tokenization`) *(in progress)*" in text
    assert "Andrej Karpathy *(skipped)*" in text


def test_doctor_lists_notes_on_ids_the_course_does_not_have(
    run: Invoke, progress_file: Path
) -> None:
    run("note", "tokenization", "x")
    text = progress_file.read_text("utf-8").replace(
        '"scientist/architecture/tokenization" = [', '"scientist/gone/topic" = ['
    )
    progress_file.write_text(text, encoding="utf-8")
    findings = run("doctor", "--json").json()["findings"]
    assert any("'scientist/gone/topic'" in f["message"] for f in findings)


def test_notes_added_while_the_editor_is_open_are_kept(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import installed

    run("note", "tokenization", "first")
    run("note", "tokenization", "second")
    script = tmp_path / "editor.py"
    # While the learner edits, another terminal adds a note: the edit must not write over it.
    script.write_text(
        "import subprocess, sys, pathlib\n"
        f"subprocess.run([{installed()!r}, 'note', 'tokenization', 'added elsewhere'], "
        "check=True)\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('second', 'second, edited'))\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("note", "tokenization", "--edit", "--json")
    assert result.exit_code == 0, result.stderr
    assert [n["text"] for n in result.json()["notes"]] == [
        "first",
        "second, edited",
        "added elsewhere",
    ]
    assert "1 note was added while the editor was open; kept after yours" in result.stderr
    assert _notes(run, "tokenization") == ["first", "second, edited", "added elsewhere"]


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("EDITOR", '"unclosed', "no closing quotation"),
        ("VISUAL", "vi\\", "no escaped character"),
        ("EDITOR", "   ", "no command in it"),
    ],
)
def test_an_editor_command_that_cannot_be_read_is_one_error_line(
    run: Invoke,
    progress_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    reason: str,
) -> None:
    run("note", "tokenization", "keep me")
    before = progress_file.read_bytes()
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(variable, value)
    result = run("note", "tokenization", "--edit")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot read the editor command {variable}='{value}': {reason}. "
        f"Set {variable} to a command as a shell reads it, such as nano or 'code --wait'; "
        "nothing was changed\n"
    )
    assert progress_file.read_bytes() == before
