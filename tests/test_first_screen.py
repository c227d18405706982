"""`llmcourse` alone: a short first screen of where the learner stands and what to do next."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"


def test_a_fresh_start_says_where_to_begin_and_how_to_mark_it(run: Invoke) -> None:
    result = run()
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "The LLM Course: 0 of 62 topics done (0%) · 0 of 82 references read · 0 of 23 notebooks run"
    )
    assert "Next: Architectural overview  architectural-overview" in lines
    assert "  llmcourse start architectural-overview" in lines
    assert "  llmcourse done architectural-overview" in lines
    assert not any(line.startswith(("Now:", "Streak:")) for line in lines)  # nothing begun
    fundamentals = next(i for i, line in enumerate(lines) if line.startswith("LLM Fundamentals"))
    assert "optional and not counted" in lines[fundamentals]
    assert lines[fundamentals + 1] == "  llmcourse start fundamentals"
    assert lines[-1].startswith("More: ") and "llmcourse help" in lines[-1]


def test_with_progress_it_shows_the_roadmap_in_progress_and_the_streak(run: Invoke) -> None:
    run("done", "scientist/1/1", "scientist/1/2")
    run("start", "attention-mechanisms")
    lines = run().stdout.splitlines()
    assert lines[0].startswith("The LLM Course: 2 of 62 topics done (3%)")
    now = next(line for line in lines if line.startswith("Now: "))
    assert now.startswith("Now: The LLM Scientist  2/32 ") and now.endswith(" 6%")
    assert "Carry on with: Attention mechanisms  attention-mechanisms" in lines
    assert "  llmcourse done attention-mechanisms" in lines
    assert "  llmcourse start attention-mechanisms" not in lines  # begun already
    assert "Streak: 1 day in a row" in lines


def test_once_fundamentals_is_started_it_counts_and_is_not_offered(run: Invoke) -> None:
    run("done", "fundamentals/1/1")
    text = run().stdout
    assert "not counted" not in text
    assert "of 77 topics done" in text


def test_nothing_left_says_so(run: Invoke) -> None:
    for roadmap in ("scientist", "engineer"):
        run("done", roadmap)
    result = run()
    assert result.exit_code == 0
    assert "Nothing left: every topic is done or skipped. Well done!" in result.stdout


def test_a_roadmap_file_of_your_own_gets_its_first_screen(run: Invoke) -> None:
    result = run("--roadmaps", str(EXAMPLE))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Introduction to Retrieval: 0 of 4 topics done")


@pytest.mark.parametrize("width", [40, 80])
def test_it_fits_the_terminal(run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    run("done", "scientist/1/1")
    monkeypatch.setenv("COLUMNS", str(width))
    lines = run().stdout.splitlines()
    assert all(len(line) <= width for line in lines), lines
    assert "  llmcourse done architectural-overview" not in lines  # done already
    assert any(line.strip() == "llmcourse done tokenization" for line in lines)


def test_help_is_a_command_too(run: Invoke) -> None:
    result = run("help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: llmcourse")


ALL_OPTIONAL = """
schema_version = 1
[course]
id = "electives"
title = "Electives"
[[roadmaps]]
id = "one"
title = "One"
optional = true
[[roadmaps.sections]]
id = "s"
number = 1
title = "S"
[[roadmaps.sections.topics]]
id = "t"
title = "T"
[[roadmaps]]
id = "two"
title = "Two"
optional = true
[[roadmaps.sections]]
id = "s"
number = 1
title = "S"
[[roadmaps.sections.topics]]
id = "t"
title = "T"
"""


def test_a_course_all_optional_offers_each_roadmap_and_no_congratulations(
    run: Invoke, tmp_path: Path
) -> None:
    course = tmp_path / "electives.toml"
    course.write_text(ALL_OPTIONAL, encoding="utf-8")
    for shown in (
        run("--roadmaps", str(course)).stdout,
        run("--roadmaps", str(course), "next").stdout,
    ):
        assert "Well done" not in shown
        assert f"  llmcourse --roadmaps {course} start one" in shown
        assert f"  llmcourse --roadmaps {course} start two" in shown


def test_commands_shown_for_a_roadmap_file_name_it_unless_the_environment_does(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert f"  llmcourse --roadmaps {EXAMPLE} start " in run("--roadmaps", str(EXAMPLE)).stdout
    monkeypatch.setenv("LLMCOURSE_ROADMAPS", str(EXAMPLE))
    shown = run().stdout
    assert "--roadmaps" not in shown and "\n  llmcourse start " in shown
