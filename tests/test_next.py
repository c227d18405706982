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
    # Nothing left of what counts; the optional roadmap not begun is offered still.
    found = _next(run)
    assert found.pop("reviews")["scheduled"] == 62
    assert found == {"schema_version": 1, "next": None, "not_counted": ["fundamentals"]}
    assert "Nothing left" in run("next").stdout


def test_next_mentions_an_optional_roadmap_until_it_is_started(run: Invoke) -> None:
    shown = " ".join(run("next").stdout.split())
    assert "LLM Fundamentals is optional and not counted yet. To count it" in shown
    assert "\n  llmcourse start fundamentals\n" in run("next").stdout
    started = run("start", "fundamentals")
    assert started.stdout.splitlines() == [
        "▸ started fundamentals  LLM Fundamentals",
        "LLM Fundamentals counts in your progress from now on; its topics are left as they are.",
    ]
    after = run("next", "--json").json()
    assert after["not_counted"] == []
    assert after["next"]["id"] == "fundamentals/mathematics/linear-algebra"  # no topic marked
    assert run("progress", "--json").json()["course"]["total"] == 77
    assert run("list", "fundamentals", "--topics", "--json").json()["course"]["in_progress"] == 0
    assert "matches nothing" not in run("doctor").stdout  # the roadmap's own entry is known


def test_starting_a_section_starts_its_first_topic_not_begun(run: Invoke) -> None:
    run("done", "scientist/2/1")
    started = run("start", "scientist/2")
    assert started.stdout.startswith("▸ started scientist/pre-training/distributed-training")
    again = run("start", "scientist/2")  # one in progress already: nothing more is started
    assert "1 already in progress, left as it was" in again.stdout
    assert run("progress", "scientist", "--json").json()["course"]["in_progress"] == 1
    run("done", "scientist/8")
    assert "Nothing to start there" in run("start", "scientist/8").stdout


def test_resetting_an_optional_roadmap_stops_it_counting(run: Invoke) -> None:
    run("start", "fundamentals")
    run("reset", "fundamentals")
    assert run("progress", "--json").json()["course"]["not_counted"] == ["fundamentals"]
