"""`llmcourse help`: every command, one command, or the roadmap file format, from the tool."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
    lines.write(Version("9.9", course), lines.Lines(buffer))
    assert buffer.getvalue() == "llmcourse 9.9\nDemo, revision 2026 spring term of 2026-02-01\n"
