"""`llmcourse next`: the topic to study now, in the course's order."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Run

Invoke = Callable[..., Run]


def _next(run: Invoke, *args: str) -> dict[str, object]:
    result = run("next", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()  # type: ignore[no-any-return]


def test_a_new_learner_starts_with_the_scientist_not_the_optional_fundamentals(
    run: Invoke,
) -> None:
    up = _next(run)
    assert up["next"]["id"] == "scientist/architecture/architectural-overview"  # type: ignore[index]
    assert up["reason"] == "not-started"
    assert len(up["unread_references"]) == 5  # type: ignore[arg-type]


def test_a_topic_in_progress_comes_first(run: Invoke) -> None:
    run("done", "scientist/1/1")
    run("start", "engineer/3/2")
    up = _next(run)
    assert (up["next"]["id"], up["reason"]) == (  # type: ignore[index]
        "engineer/rag/retrievers",
        "in-progress",
    )
    assert "Carry on with Retrievers" in run("next").stdout


def test_done_and_skipped_topics_are_passed_over(run: Invoke) -> None:
    run("done", "scientist/1/1")
    run("skip", "scientist/1/2")
    run("done", "visual-intro-to-transformers")
    up = _next(run)
    assert up["next"]["id"] == "scientist/architecture/attention-mechanisms"  # type: ignore[index]
    unread = [r["id"] for r in up["unread_references"]]  # type: ignore[attr-defined]
    assert "scientist/architecture/visual-intro-to-transformers" not in unread


def test_the_fundamentals_once_started_and_a_chosen_roadmap(run: Invoke) -> None:
    run("done", "fundamentals/1/1")
    assert _next(run)["next"]["id"] == "fundamentals/mathematics/calculus"  # type: ignore[index]
    engineer = _next(run, "--roadmap", "engineer")
    assert engineer["next"]["id"] == "engineer/running-llms/llm-apis"  # type: ignore[index]
    fundamentals_only = _next(run, "-r", "fundamentals")
    assert fundamentals_only["next"]["id"] == "fundamentals/mathematics/calculus"  # type: ignore[index]


def test_nothing_left(run: Invoke) -> None:
    run("done", "scientist", "engineer")
    assert _next(run) == {"schema_version": 1, "next": None}
    assert "Nothing left" in run("next").stdout
