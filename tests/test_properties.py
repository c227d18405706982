"""Properties of the CLI as a whole, driven by hypothesis."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
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
STEPS = st.lists(
    st.tuples(st.booleans(), st.lists(TYPED_FORMS, min_size=1, max_size=3)), max_size=6
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(STEPS)
def test_done_and_undo_agree_with_a_simple_model(
    run: Invoke, progress_file: Path, steps: list[tuple[bool, list[str]]]
) -> None:
    progress_file.unlink(missing_ok=True)
    expected: set[str] = set()
    for undo, typed in steps:
        args = ["done", *typed, "--json"] + (["--undo"] if undo else [])
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        ids = {CATALOG.resolve(t).id for t in typed}
        doc = result.json()
        assert {c["id"] for c in doc["changed"]} == (ids & expected if undo else ids - expected)
        expected = expected - ids if undo else expected | ids
    report = run("progress", "--json").json()["course"]
    assert report["done"] == sum(1 for i in expected if CATALOG.nodes[i].kind == "topic")
    assert report["references_done"] == sum(
        1 for i in expected if CATALOG.nodes[i].kind == "reference"
    )
    listed = run("list", "--topics", "--json").json()["course"]
    done_topics = {
        topic["id"]
        for roadmap in listed["roadmaps"]
        for section in roadmap["sections"]
        for topic in section["topics"]
        if topic["status"] == "done"
    }
    assert done_topics == {i for i in expected if CATALOG.nodes[i].kind == "topic"}
