"""Every --json output (and the JSON export) matches its documented shape in docs/json/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conftest import Run

Invoke = Callable[..., Run]

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "json"
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"


def _check(name: str, document: Any) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=str)
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"


@pytest.fixture
def busy(run: Invoke) -> None:
    """A learner with some progress, an undo and a fixed problem behind them."""
    run("done", "tokenization", "nanogpt")
    run("done", "scientist/2")
    run("done", "--undo", "tokenization")
    run("undo")
    run("note", "scientist/1", "sections take notes too")


CASES: list[tuple[str, list[str]]] = [
    ("list", ["list"]),
    ("list", ["list", "--topics"]),
    ("list", ["list", "scientist", "--topics"]),
    ("progress", ["progress"]),
    ("progress", ["progress", "engineer"]),
    ("show", ["show", "scientist"]),
    ("show", ["show", "scientist/1"]),
    ("show", ["show", "tokenization"]),
    ("show", ["show", "nanogpt"]),
    ("show", ["show", "gptq-awq"]),
    ("done", ["done", "engineer/1"]),
    ("done", ["done", "--undo", "nanogpt", "scientist/2/1"]),
    ("undo", ["undo", "2"]),
    ("log", ["log"]),
    ("log", ["log", "scientist", "--since", "7d"]),
    ("doctor", ["doctor"]),
    ("validate", ["validate", str(EXAMPLE)]),
    ("search", ["search", "attention"]),
    ("next", ["next"]),
    ("redo", ["redo"]),
    ("note", ["note", "tokenization", "a [red]note[/red]"]),
    ("note", ["note", "scientist/1"]),
    ("next", ["next", "--roadmap", "engineer"]),
    ("search", ["search", "nothing-at-all"]),
    ("search", ["search", "RAG"]),  # a hit in an alias
    ("review", ["review"]),
    ("review", ["review", "scientist/2/1"]),
    ("review", ["review", "scientist/2/1", "--rate", "hard", "--early"]),
    ("error", ["review", "--rate", "good"]),
    ("error", ["show", "no-such-thing"]),
    ("error", ["done", "monitoring"]),
    ("error", ["log", "--since", "whenever"]),
]


@pytest.mark.usefixtures("busy")
@pytest.mark.parametrize(("name", "args"), CASES, ids=[" ".join(a) for _, a in CASES])
def test_the_output_matches_its_documented_shape(run: Invoke, name: str, args: list[str]) -> None:
    result = run(*args, "--json")
    assert result.exit_code == (0 if name != "error" else 2), result.stderr
    _check(name, result.json())


def test_the_version_matches_its_shape(run: Invoke) -> None:
    _check("version", run("--version", "--json").json())


def test_an_error_from_a_bad_file_matches_too(run: Invoke, progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("not = [toml", encoding="utf-8")
    result = run("progress", "--json")
    assert result.exit_code == 1
    _check("error", result.json())
    _check("doctor", run("doctor", "--json").json())


def test_validate_with_problems_and_import_match(run: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\n[course]\nid = "Bad"\n', encoding="utf-8")
    _check("validate", run("validate", str(bad), "--json").json())
    run("done", "tokenization")
    exported = tmp_path / "state.json"
    run("export", "-o", str(exported))
    _check("export", json.loads(exported.read_text("utf-8")))
    _check("import", run("import", str(exported), "--dry-run", "--json").json())


def test_a_usage_error_under_json_is_a_json_error(run: Invoke) -> None:
    result = run("log", "--limit", "many", "--json")
    assert result.exit_code == 2
    _check("error", result.json())
    assert result.json()["error"]["code"] == "usage"
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize("busy_learner", [False, True])
def test_the_first_screen_matches_its_shape(
    run: Invoke, busy_learner: bool, request: pytest.FixtureRequest
) -> None:
    if busy_learner:
        request.getfixturevalue("busy")
    result = run("--json")
    assert result.exit_code == 0, result.stderr
    _check("dashboard", result.json())


def test_sync_matches_its_shape(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(tmp_path / "desktop"))
    run("done", "tokenization")
    run("note", "tokenization", "a note")
    assert run("sync", str(shared), "--machine", "desktop").exit_code == 0
    (shared / "llmcourse-phone.json").write_text("{", encoding="utf-8")
    (shared / "llmcourse-phone (conflicted copy).json").write_text("{", encoding="utf-8")
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(tmp_path / "laptop"))
    run("done", "nanogpt")
    result = run("sync", str(shared), "--machine", "laptop", "--json")
    assert result.exit_code == 1
    doc = result.json()
    assert doc["incoming"][0]["changed"] and doc["skipped"] and doc["conflicted_copies"]
    _check("sync", doc)
