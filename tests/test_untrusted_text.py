"""Text from data files and from the user is shown literally, never as markup or escapes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from conftest import Run
from llmcourse import render
from llmcourse.catalog import parse
from llmcourse.progressfile import empty as new_progress_file
from llmcourse.results import Shown
from llmcourse.text import escape_controls

Invoke = Callable[..., Run]

HOSTILE = r"""
schema_version = 1
[course]
id = "hostile"
title = "[bold red]Course[/bold red]"
[[roadmaps]]
id = "r"
title = "[link=file:///etc/passwd]Roadmap[/link]"
summary = "Escape \u001b[31mred\u001b[0m and :smile: and [blink]x[/blink]"
[[roadmaps.sections]]
id = "s"
number = 1
title = "Section \u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\"
summary = "Bell \u0007 and right-to-left \u202e override"
[[roadmaps.sections.topics]]
id = "t"
title = "[red]x[/red]"
summary = "[link=file:///etc/passwd]y[/link]"
links = [{ text = "[i]link[/i]", url = "https://example.org/[x]" }]
[[roadmaps.sections.references]]
id = "ref"
title = ":warning: [b]ref[/b]"
author = "\u001b[2J"
url = "https://example.org/ref"
"""


def _render_all() -> str:
    catalog = parse(HOSTILE.encode(), "hostile.toml")
    progress = new_progress_file("hostile")
    buffer = io.StringIO()
    out = Console(file=buffer, width=200, force_terminal=True, color_system="truecolor")
    for node in catalog.nodes.values():
        render.draw(Shown(catalog, progress, node), out)
    return buffer.getvalue()


def test_markup_in_data_is_printed_as_written() -> None:
    out = _render_all()
    for literal in (
        "[link=file:///etc/passwd]Roadmap[/link]",
        "[red]x[/red]",
        "[link=file:///etc/passwd]y[/link]",
        ":smile:",
        ":warning: [b]ref[/b]",
        "[i]link[/i]",
    ):
        assert literal in out
    assert "file:///etc/passwd" not in out.replace("[link=file:///etc/passwd]", "")


def test_control_characters_in_data_never_reach_the_terminal() -> None:
    out = _render_all()
    assert "\\x1b[31mred" in out
    assert "\\x07" in out
    assert "\\u202e" in out
    assert "\\x1b[2J" in out
    assert "evil.example" not in out.replace("\\x1b]8;;https://evil.example", "")
    # The only escape sequences left are rich's own styling and its links to real URLs.
    assert "\x1b[2J" not in out
    assert "\x07" not in out
    assert "\u202e" not in out


def test_escape_controls_keeps_printable_text() -> None:
    assert escape_controls("naïve — 東京 [x] ✓") == "naïve — 東京 [x] ✓"
    assert escape_controls("a\x1bb\x9bc\x00") == "a\\x1bb\\x9bc\\x00"
    assert escape_controls("one\ntwo", multiline=True) == "one\ntwo"
    assert escape_controls("one\ntwo") == "one\\x0atwo"
    assert escape_controls("id\u200b") == "id\\u200b"
    assert escape_controls("bad byte \udcff") == "bad byte \\udcff"
    assert escape_controls("\ufeffbom \u2028") == "\\ufeffbom \\u2028"


def test_a_hostile_id_from_the_user_is_shown_escaped(run: Invoke) -> None:
    result = run("show", "[red]x[/red]\x1b[2J\x07")
    assert result.exit_code == 2
    assert "[red]x[/red]\\x1b[2J\\x07" in result.stderr
    assert "\x1b" not in result.stderr
    assert "\x07" not in result.stderr


def test_every_view_of_a_hostile_course_is_literal() -> None:
    from datetime import UTC, date, datetime

    from llmcourse import lines, tracker
    from llmcourse.results import Listing, Marked, ProgressReport

    catalog = parse(HOSTILE.encode(), "hostile.toml")
    progress = new_progress_file("hostile")
    buffer = io.StringIO()
    out = Console(file=buffer, width=200, force_terminal=True, color_system="truecolor")
    summary = tracker.summarize(catalog, progress)
    render.draw(Listing(catalog, progress, summary, True), out)
    report = ProgressReport(
        catalog, progress, summary, Path("progress.toml"), False, date.today(), list, False
    )
    render.draw(report, out)
    node = catalog.resolve("t")
    update = tracker.mark(catalog, progress, [node], "done", datetime.now(UTC), "done")
    plain = lines.Lines(buffer)
    plain.colour = True  # as on a terminal, escape sequences and all
    lines.write(Marked(update.result, Path("progress.toml")), plain)
    plain.send()
    text = buffer.getvalue()
    assert "[bold red]Course[/bold red]" in text
    assert "[link=file:///etc/passwd]Roadmap[/link]" in text
    assert text.count("[red]x[/red]") >= 2
    assert "\\x1b]8;;https://evil.example" in text
    assert "\x1b]8;;https://evil" not in text


def test_a_hostile_data_folder_path_is_shown_escaped(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "data\x1b[2J[red]x[/red]"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(folder))
    result = run("progress")
    assert "data\\x1b[2J[red]x[/red]" in result.stdout
    assert "\x1b" not in result.stdout
    folder.mkdir(parents=True)
    (folder / "progress.toml").write_text("not toml at all")
    broken = run("progress")
    assert broken.exit_code == 1
    assert "data\\x1b[2J[red]x[/red]" in broken.stderr
    assert "\x1b" not in broken.stderr


def test_text_that_is_printable_holds_nothing_to_escape() -> None:
    """`escape_controls` passes printable text through untouched, without its regex: sound
    only while every character the regex escapes is one Python calls unprintable."""
    import re
    import sys

    from llmcourse.text import UNSAFE

    unsafe = re.compile(UNSAFE)
    caught = [chr(code) for code in range(sys.maxunicode + 1) if unsafe.fullmatch(chr(code))]
    assert len(caught) > 2000  # the controls, the marks and the surrogates
    assert not [char for char in caught if char.isprintable()]
    assert escape_controls("Philschmid\u00a0blog \u200b") == "Philschmid\u00a0blog \\u200b"


def test_doctor_shows_a_hostile_data_folder_path_escaped(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "data\nfolder\u202eevil"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(folder))
    for _ in ("not created yet", "in order"):
        result = run("doctor")
        assert result.exit_code == 0, result.stderr
        assert "No problems: " in result.stdout
        assert "data\\x0afolder\\u202eevil" in result.stdout
        assert "\u202e" not in result.stdout + result.stderr
        lines = result.stdout.splitlines()  # the path breaks no line: it is whole on one
        assert not any(line.startswith("folder") for line in lines), lines
        shown = str(folder).replace("\n", "\\x0a").replace("\u202e", "\\u202e")
        assert any(shown in line for line in lines), lines
        # JSON escapes control characters itself, and keeps the real path.
        assert run("doctor", "--json").json()["progress_file"] == str(folder / "progress.toml")
        run("done", "tokenization")


def test_every_path_a_view_shows_is_escaped(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "data\x1b[2J\u202e"
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(folder))
    exported = tmp_path / "export\x07\u202e.json"
    shown = [
        run("done", "tokenization"),
        run("progress"),
        run("doctor"),
        run("export", "-o", str(exported)),
        run("import", str(exported)),
        run("import", str(exported), "--dry-run"),
        run("validate", str(exported)),
    ]
    (folder / "progress.toml").write_text("not toml at all")
    shown += [run("doctor"), run("progress")]
    for result in shown:
        assert "\x1b" not in result.stdout + result.stderr
        assert "\x07" not in result.stdout + result.stderr
        assert "\u202e" not in result.stdout + result.stderr
    # JSON escapes control characters itself, and keeps the real path.
    assert str(folder) in run("progress", "--json").json()["error"]["message"]
