"""Properties of the CLI as a whole, driven by hypothesis."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import Run
from llmcourse.catalog import load_bundled

Invoke = Callable[..., Run]

CATALOG = load_bundled()
ITEMS = [node for node in CATALOG.nodes.values() if node.kind in ("topic", "reference")]
TYPED_FORMS = st.sampled_from(ITEMS).flatmap(
    lambda node: st.sampled_from(
        [node.id, CATALOG.short_id(node)] + ([node.number] if node.number else [])
    )
)
# A step is `done` (False), `done --undo` (True) with some ids, or `undo N` (an int).
STEPS = st.lists(
    st.one_of(
        st.tuples(st.booleans(), st.lists(TYPED_FORMS, min_size=1, max_size=3)),
        st.integers(min_value=1, max_value=3),
    ),
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example([(False, ["fundamentals/mathematics/3blue1brown-essence-linear-algebra"])])
@example([(False, ["fundamentals/1/1", "fundamentals/mathematics/seeing-theory"])])
@given(STEPS)
def test_done_and_undo_agree_with_a_simple_model(
    run: Invoke, data_dir: Path, steps: list[tuple[bool, list[str]] | int]
) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
    expected: set[str] = set()
    # The model of undo: each change as (done before, done after, is an undo). An undo reverts
    # the newest changes that are neither undos nor undone already, item by item, where the
    # item still has the status the change gave it.
    changes: list[tuple[set[str], set[str], bool]] = []
    undone: set[int] = set()
    for step in steps:
        before = set(expected)
        if isinstance(step, int):
            result = run("undo", str(step), "--json")
            newest = [i for i in reversed(range(len(changes))) if not changes[i][2]]
            left = [i for i in newest if i not in undone]
            if 0 < len(left) < step:  # more than there are: refused, nothing reverted
                assert result.exit_code == 2, result.stdout
                continue
            assert result.exit_code == 0, result.stderr
            picked = left[:step]
            assert [u["rev"] for u in result.json()["undone"]] == [i + 1 for i in picked]
            for i in picked:
                was, became, _ = changes[i]
                for item in was ^ became:
                    if (item in expected) == (item in became):
                        expected = expected | {item} if item in was else expected - {item}
                undone.add(i)
            if picked:
                changes.append((before, set(expected), True))
            continue
        undo, typed = step
        args = ["done", *typed, "--json"] + (["--undo"] if undo else [])
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        ids = {CATALOG.resolve(t).id for t in typed}
        doc = result.json()
        assert {c["id"] for c in doc["changed"]} == (ids & expected if undo else ids - expected)
        expected = expected - ids if undo else expected | ids
        if doc["changed"]:
            changes.append((before, set(expected), False))
    report = run("progress", "--json").json()["course"]
    # The optional roadmap counts in the overall figures once one of its topics is done.
    started = {
        CATALOG.nodes[i].roadmap.id
        for i in expected
        if CATALOG.nodes[i].kind == "topic" and CATALOG.nodes[i].roadmap.optional
    }

    def counted(item: str) -> bool:
        roadmap = CATALOG.nodes[item].roadmap
        return not roadmap.optional or roadmap.id in started

    assert report["done"] == sum(
        1 for i in expected if CATALOG.nodes[i].kind == "topic" and counted(i)
    )
    assert report["references_done"] == sum(
        1 for i in expected if CATALOG.nodes[i].kind == "reference" and counted(i)
    )
    assert report["not_counted"] == [
        r.id for r in CATALOG.roadmaps if r.optional and r.id not in started
    ]
    listed = run("list", "--topics", "--json").json()["course"]
    done_topics = {
        topic["id"]
        for roadmap in listed["roadmaps"]
        for section in roadmap["sections"]
        for topic in section["topics"]
        if topic["status"] == "done"
    }
    assert done_topics == {i for i in expected if CATALOG.nodes[i].kind == "topic"}
