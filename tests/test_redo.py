"""`redo` takes back an undo, until a new change is made; undo and redo go back and forth."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Run

Invoke = Callable[..., Run]


def _status(run: Invoke, item: str) -> str:
    shown = run("show", item, "--json").json()
    status = (shown.get("topic") or shown["reference"])["status"]
    assert isinstance(status, str)
    return status


def test_redo_takes_back_the_last_undo(run: Invoke) -> None:
    run("done", "tokenization")
    run("undo")
    assert _status(run, "tokenization") == "not-started"
    result = run("redo")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Redid what undo #2 reverted")
    assert "not started → done" in result.stdout
    assert _status(run, "tokenization") == "done"


def test_undo_and_redo_go_back_and_forth(run: Invoke) -> None:
    run("done", "tokenization")
    for _ in range(2):
        run("undo")
        assert _status(run, "tokenization") == "not-started"
        run("redo")
        assert _status(run, "tokenization") == "done"
    assert "Nothing to redo" in run("redo").stdout  # each undo was taken back


def test_redo_goes_back_through_several_undos_newest_first(run: Invoke) -> None:
    run("done", "tokenization")
    run("done", "nanogpt")
    run("undo")
    run("undo")
    run("redo")  # the later undo first: tokenization again
    assert (_status(run, "tokenization"), _status(run, "nanogpt")) == ("done", "not-started")
    run("redo")
    assert _status(run, "nanogpt") == "done"


def test_a_new_change_ends_what_can_be_redone(run: Invoke) -> None:
    run("done", "tokenization")
    run("undo")
    run("done", "nanogpt")
    result = run("redo")
    assert result.exit_code == 0
    assert "Nothing to redo: no undo is recorded since your last other change." in result.stdout
    assert _status(run, "tokenization") == "not-started"


def test_redo_n_past_the_undos_is_refused_unless_all(run: Invoke) -> None:
    run("done", "tokenization")
    run("done", "nanogpt")
    run("undo", "--all")  # one undo, of both changes
    refused = run("redo", "2")
    assert refused.exit_code == 2
    assert "only 1 undo is left to redo, not 2" in refused.stderr
    assert _status(run, "tokenization") == "not-started"  # nothing was changed
    done = run("redo", "--all", "--json").json()
    assert done["requested"] == 1
    assert {item["id"] for item in done["reverted"]} == {
        "scientist/architecture/tokenization",
        "scientist/architecture/nanogpt",
    }
    assert _status(run, "nanogpt") == "done"


def test_an_item_changed_since_the_undo_is_left_as_it_is(run: Invoke) -> None:
    run("done", "tokenization")
    run("undo")
    run("start", "tokenization")  # a new change: nothing to redo at all
    assert "Nothing to redo" in run("redo").stdout
    assert _status(run, "tokenization") == "in-progress"


def test_the_log_names_a_redo(run: Invoke) -> None:
    run("done", "tokenization")
    run("undo")
    run("redo")
    log = run("log").stdout
    assert "(redo: takes back undo #2)" in log
    assert "(undo #1)" in log


def test_a_redo_of_several_undos_takes_back_each_of_them(run: Invoke) -> None:
    run("done", "linear-algebra")
    run("done", "calculus")
    run("undo")
    run("undo")
    run("redo", "2")
    result = run("redo")
    assert "Nothing to redo" in result.stdout, result.stdout
    assert run("log", "--json").json()["matching"] == 6  # no empty change recorded


def test_a_number_and_all_together_are_refused(run: Invoke) -> None:
    run("done", "tokenization")
    for command in ("undo", "redo"):
        refused = run(command, "5", "--all")
        assert refused.exit_code == 2
        assert "give a number or --all, not both" in refused.stderr
    assert _status(run, "tokenization") == "done"  # nothing was changed
