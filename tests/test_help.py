"""`llmcourse help`: every command, one command, or the roadmap file format, from the tool."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]

ROOT = Path(__file__).resolve().parents[1]


def test_help_alone_is_the_apps_help(run: Invoke) -> None:
    result = run("help")
    assert result.exit_code == 0
    assert result.stdout == run("--help").stdout


def test_help_on_a_command_is_its_help(run: Invoke) -> None:
    result = run("help", "done")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: llmcourse done [OPTIONS] ")
    assert result.stdout == run("done", "--help").stdout


@pytest.mark.usefixtures("piped")  # in a pipe, the document as it is written
def test_help_on_roadmaps_is_the_format_and_where_its_example_is(run: Invoke) -> None:
    result = run("help", "roadmaps")
    assert result.exit_code == 0
    guide = (ROOT / "docs" / "roadmaps.md").read_text("utf-8")
    assert result.stdout.startswith(guide.rstrip())
    example = Path(result.stdout.rstrip().rsplit(": ", 1)[1])
    assert example.read_bytes() == (ROOT / "docs" / "example-roadmaps.toml").read_bytes()


def test_help_on_something_unknown_names_what_there_is(run: Invoke) -> None:
    result = run("help", "nothing")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: there is no help on 'nothing'. Try one of: roadmaps,")
    assert "import" in result.stderr


def test_no_help_points_at_a_file_an_installed_tool_lacks(run: Invoke) -> None:
    for args in (["--help"], ["validate", "--help"]):
        text = run(*args).stdout
        assert "docs/" not in text
        assert "llmcourse help roadmaps" in " ".join(text.split())


def test_json_before_the_command_is_the_commands_own(run: Invoke) -> None:
    assert run("--json", "list").json() == run("list", "--json").json()
    refused = run("--json", "export")
    assert refused.exit_code == 2
    assert refused.json()["error"]["code"] == "usage"
    assert "'export' has no JSON output" in refused.stderr


def test_a_missing_shipped_file_is_named_where_it_belongs() -> None:
    import pytest

    from llmcourse import catalog
    from llmcourse.errors import RoadmapFileError

    with pytest.raises(RoadmapFileError, match=r"missing a file it ships with: .*docs/absent\.md"):
        catalog.shipped("docs", "absent.md")


def test_a_revision_that_is_a_name_is_shown_whole() -> None:
    import io

    from llmcourse import lines
    from llmcourse.models import CourseInfo
    from llmcourse.results import Version

    buffer = io.StringIO()
    course = CourseInfo("demo", "Demo", revision="2026 spring term", revision_date="2026-02-01")
    out = lines.Lines(buffer)
    lines.write(Version("9.9", course), out)
    out.send()
    assert buffer.getvalue() == "llmcourse 9.9\nDemo, revision 2026 spring term of 2026-02-01\n"


def test_help_speaks_of_what_is_typed_not_of_python_types(run: Invoke) -> None:
    for command in ("done", "undo", "log", "note", "open", "search", "export", "list"):
        text = run("help", command).stdout
        assert "<" not in text and "{" not in text, text  # no <list[str]>, <int range>, {ID}
        assert "x>=" not in text, text
    assert "Usage: llmcourse done [OPTIONS] ID..." in run("help", "done").stdout
    assert "Usage: llmcourse undo [OPTIONS] [N]" in run("help", "undo").stdout
    log = run("help", "log").stdout
    assert "--since DATE" in log and "-n, --limit N" in log
    assert "--format [json|markdown|csv|html]" in run("help", "export").stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["undo", "0"], "Invalid value for 'N': give a whole number of 1 or more."),
        (["undo", "abc"], "Invalid value for 'N': give a whole number, such as 3."),
        (["log", "-n", "-3"], "give a whole number of 0 or more."),
        (["log", "-n", "x"], "Invalid value for '--limit' / '-n': give a whole number, such as 3."),
        (["check-links", "--timeout", "0.01"], "'--timeout': give a number from 0.1 to 600."),
        (["check-links", "--timeout", "soon"], "'--timeout': give a number, such as 2.5."),
        (["status"], "No such command 'status'. Did you mean 'progress'?"),
        (["lsit"], "No such command 'lsit'. Did you mean 'list'?"),
        (["frobnicate"], "No such command 'frobnicate'. Run 'llmcourse help' for the commands"),
    ],
)
def test_mistakes_get_a_sentence_in_peoples_words(run: Invoke, args: list[str], says: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    line = " ".join(result.stderr.split())
    assert says in line, line
    assert "Input should" not in line and "range" not in line


@pytest.mark.parametrize("width", [80, 200])
def test_the_roadmap_file_guide_fits_the_terminal(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """`help roadmaps` is a Markdown document: its prose and its tables' rows are wrapped to
    the terminal (at most 100 columns); only code is left as it is."""
    monkeypatch.setenv("COLUMNS", str(width))
    text = run("help", "roadmaps").stdout
    fenced, too_wide = False, []
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and len(line) > min(width, 100) and len(line.split()) > 1:
            too_wide.append(line)
    assert not too_wide, too_wide
    assert "- `schema_version` (integer, `1`): the version of this format" in text
    assert "| --- |" not in text
    assert text.isascii()


def test_an_example_in_help_is_a_line_of_its_own(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert "\n  Example: llmcourse done scientist/1/2 tokenization\n" in run("help", "done").stdout
    monkeypatch.setenv("COLUMNS", "56")
    lines = run("help", "export").stdout.splitlines()
    at = lines.index("  Example:")
    assert lines[at + 1] == "    llmcourse export --format html -o progress.html"
