"""Every failure is one `error:` line on stderr with the documented exit code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Run

Invoke = Callable[..., Run]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["done"], "Missing argument 'ID'"),
        (["list", "--bogus"], "No such option: --bogus"),
        (["show", "a", "b"], "unexpected extra argument"),
        (["nope"], "No such command 'nope'"),
        (["progress", "--json", "x", "y"], "unexpected extra argument"),
    ],
)
def test_usage_mistakes_are_one_line_and_exit_2(run: Invoke, args: list[str], says: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    if "--json" in args:  # the same, and a JSON error object on stdout
        assert result.json()["error"]["code"] == "usage"
    else:
        assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert says in result.stderr
    # Where to read on: the command's help, or for a word that is no command, the commands.
    assert ("--help' for usage" in result.stderr) != (
        "'llmcourse help' for the commands" in result.stderr
    )
    assert result.stderr.count("\n") == 1


def test_json_errors_come_as_json_and_as_a_line(run: Invoke) -> None:
    result = run("show", "no-such-thing", "--json")
    assert result.exit_code == 2
    assert result.json() == {
        "schema_version": 1,
        "error": {
            "code": "unknown-id",
            "message": "no roadmap, section, topic or reference has the id 'no-such-thing'",
            "hint": "Run 'llmcourse list --topics' to see every id",
        },
    }
    assert result.stderr.startswith("error: no roadmap, section, topic or reference")
    assert result.stderr.count("\n") == 1


def test_version_names_the_program_and_the_course_it_carries(run: Invoke) -> None:
    import tomllib
    from pathlib import Path

    from llmcourse import __version__

    bundled = Path(__file__).resolve().parents[1] / "data" / "roadmaps.toml"
    course = tomllib.loads(bundled.read_text("utf-8"))["course"]
    result = run("--version")
    assert result.exit_code == 0
    program, carried, url = result.stdout.splitlines()
    assert program == f"llmcourse {__version__}"
    revision, date = course["revision"], course["revision_date"].isoformat()
    assert carried == f"The LLM Course, revision {revision[:12]} of {date}"
    assert url == course["url"]
    for args in (["--version", "--json"], ["--json", "--version"]):
        doc = run(*args).json()
        assert doc["version"] == __version__
        assert (doc["course"]["revision"], doc["course"]["revision_date"]) == (revision, date)
    # Like --help, it answers before any command would run.
    assert run("--version", "list").stdout == result.stdout
