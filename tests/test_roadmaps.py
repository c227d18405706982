"""Your own roadmaps: `--roadmaps FILE`, `LLMCOURSE_ROADMAPS`, and `llmcourse validate`."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"

HOSTILE = """
schema_version = 1
[course]
id = "hostile"
title = "[bold red]Course[/bold red]"
[[roadmaps]]
id = "one"
title = "[link=file:///etc/passwd]Roadmap[/link]"
[[roadmaps.sections]]
id = "basics"
number = 1
title = "\\u001b[2JBasics\\u0007"
[[roadmaps.sections.topics]]
id = "first"
title = "[red]x[/red] :smile:"
summary = "\\u001b]8;;https://evil.example\\u0007click\\u001b]8;;\\u0007"
"""


def test_the_example_file_is_valid(run: Invoke) -> None:
    result = run("validate", str(EXAMPLE))
    assert result.exit_code == 0, result.stdout
    assert "is a valid roadmap file: course intro-to-retrieval" in result.stdout
    doc = run("validate", str(EXAMPLE), "--json").json()
    assert doc["valid"] is True and doc["problems"] == []
    assert doc["course"] | {"title": None} == {
        "id": "intro-to-retrieval",
        "title": None,
        "roadmaps": 1,
        "sections": 2,
        "topics": 4,
        "references": 2,
        "notebooks": 1,
    }


def test_progress_on_another_course_is_kept_apart(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    bundled = (data_dir / "progress.toml").read_bytes()
    result = run("--roadmaps", str(EXAMPLE), "done", "bm25")
    assert result.exit_code == 0, result.stderr
    assert "retrieval/keyword-search/bm25" in result.stdout
    own = data_dir / "courses" / "intro-to-retrieval" / "progress.toml"
    data = tomllib.loads(own.read_text("utf-8"))
    assert data["course"] == "intro-to-retrieval"
    assert list(data["entries"]) == ["retrieval/keyword-search/bm25"]
    assert (data_dir / "progress.toml").read_bytes() == bundled
    assert run("progress", "--json").json()["course"]["done"] == 1
    shown = run("--roadmaps", str(EXAMPLE), "progress", "--json").json()
    assert (shown["course"]["id"], shown["course"]["done"]) == ("intro-to-retrieval", 1)
    assert shown["progress_file"] == str(own)
    assert run("--roadmaps", str(EXAMPLE), "undo").exit_code == 0
    assert run("--roadmaps", str(EXAMPLE), "log", "--json").json()["events"][0]["undoes"] == 1
    assert run("--roadmaps", str(EXAMPLE), "doctor").exit_code == 0


def test_the_environment_variable_chooses_the_file(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMCOURSE_ROADMAPS", str(EXAMPLE))
    listed = run("list", "--json").json()["course"]
    assert [r["id"] for r in listed["roadmaps"]] == ["retrieval"]
    shown = run("show", "retrieval/2/2", "--json").json()["topic"]
    assert shown["id"] == "retrieval/dense-retrieval/nearest-neighbours"
    # A former id in the file resolves to the item it became.
    assert run("show", "retrieval/keyword-search/ann", "--json").json()["topic"]["id"] == (
        "retrieval/dense-retrieval/nearest-neighbours"
    )


@pytest.mark.usefixtures("piped")
def test_a_file_that_cannot_be_read_is_one_line(run: Invoke, tmp_path: Path) -> None:
    missing = run("--roadmaps", str(tmp_path / "nope.toml"), "list")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: cannot read roadmap file")
    assert missing.stderr.count("\n") == 1
    assert run("validate", str(tmp_path / "nope.toml")).exit_code == 1


BAD = """
schema_version = 1
[course]
id = "Bad Course"
title = ""
[[roadmaps]]
id = "one"
title = "One"
[[roadmaps.sections]]
id = "basics"
number = 1
title = "Basics"
[[roadmaps.sections.topics]]
id = "first"
title = "First"
[[roadmaps.sections.references]]
id = "a-book"
title = "A book"
url = "javascript:alert(1)"
[[roadmaps.sections.references]]
id = "first"
title = "Same id as the topic"
url = "file:///etc/passwd"
"""


@pytest.mark.usefixtures("piped")
def test_validate_reports_every_problem_with_its_place(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    result = run("validate", str(path), "--json")
    assert result.exit_code == 1
    problems = [(p["location"], p["message"]) for p in result.json()["problems"]]
    assert problems == [
        (
            "course.id",
            "an id is lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
        ),
        ("course.title", "must not be empty"),
        (
            "roadmaps[one].sections[basics].references[a-book].url",
            "must be an http:// or https:// URL",
        ),
        (
            "roadmaps[one].sections[basics].references[first].url",
            "must be an http:// or https:// URL",
        ),
        (
            "roadmaps[one].sections[basics]",
            "topic and reference ids must be unique within a section: first",
        ),
    ]
    text = run("validate", str(path))
    assert text.stdout.startswith(f"{path}: 5 problems\n")
    refused = run("--roadmaps", str(path), "list")
    assert refused.exit_code == 1
    assert "course.id" in refused.stderr and "(and 4 more problems)" in refused.stderr
    assert "llmcourse validate" in refused.stderr
    assert refused.stderr.count("\n") == 1


FORMER_ID_TAKEN = """
schema_version = 1
[course]
id = "demo"
title = "Demo"
[[roadmaps]]
id = "one"
title = "One"
[[roadmaps.sections]]
id = "basics"
number = 1
title = "Basics"
[[roadmaps.sections.topics]]
id = "first"
title = "First"
[[roadmaps.sections.topics]]
id = "second"
title = "Second"
former_ids = ["one/basics/first", "one/elsewhere"]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema_version = 1\n[course\n", "not valid TOML"),
        ("schema_version = 2\n", "schema_version"),
        (FORMER_ID_TAKEN, "former id 'one/basics/first' is a current id"),
        (FORMER_ID_TAKEN, "former id 'one/elsewhere' must be a full topic id"),
    ],
)
def test_validate_checks_the_whole_file(
    run: Invoke, tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "file.toml"
    path.write_text(text, encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert expected in result.stdout


def test_hostile_titles_in_a_roadmap_file_are_shown_literally(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE, encoding="utf-8")
    outputs = [
        run("--roadmaps", str(path), *args)
        for args in (["list", "--topics"], ["show", "first"], ["progress"], ["done", "first"])
    ]
    for result in outputs:
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    text = "".join(result.stdout for result in outputs)
    assert "[bold red]Course[/bold red]" in text
    assert "[link=file:///etc/passwd]Roadmap[/link]" in text
    assert "[red]x[/red] :smile:" in text
    assert "\\x1b[2JBasics\\x07" in text


@pytest.mark.parametrize(
    ("course_id", "says"),
    [("x" * 65, "at most 64 characters"), ("nul", "cannot be a folder name"), ("con.v2", "cannot")],
)
def test_a_course_id_must_make_a_folder_everywhere(
    run: Invoke, tmp_path: Path, course_id: str, says: str
) -> None:
    path = tmp_path / "course.toml"
    path.write_text(
        EXAMPLE.read_text("utf-8").replace('id = "intro-to-retrieval"', f'id = "{course_id}"'),
        encoding="utf-8",
    )
    result = run("validate", str(path), "--json")
    assert result.exit_code == 1
    assert any(says in p["message"] for p in result.json()["problems"])


def test_reusing_the_bundled_course_id_is_noted(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_text(
        EXAMPLE.read_text("utf-8").replace('id = "intro-to-retrieval"', 'id = "llm-course"'),
        encoding="utf-8",
    )
    result = run("validate", str(path))
    assert result.exit_code == 0
    assert "is The LLM Course's" in result.stdout
    assert run("validate", str(path), "--json").json()["warnings"]


def _llmcourse(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed program in a process of its own, held to a time and (where it can be) a
    memory limit: reading a device or a pipe without one would wait or grow for ever."""

    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))

    return subprocess.run(
        [sys.executable, "-m", "llmcourse", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        preexec_fn=limit_memory if sys.platform.startswith("linux") else None,
    )


def _not_a_file(tmp_path: Path, kind: str) -> Path:
    from llmcourse.catalog import ROADMAP_LIMIT

    if kind == "a device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero here")
        return Path("/dev/zero")
    if kind == "a named pipe":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(tmp_path / "pipe.toml")
        return tmp_path / "pipe.toml"
    if kind == "a folder":
        return tmp_path
    with (tmp_path / "huge.toml").open("wb") as huge:  # sparse where the file system can
        huge.truncate(ROADMAP_LIMIT + 1)
    return tmp_path / "huge.toml"


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("a device", "it is a device, not a file"),
        ("a named pipe", "it is a named pipe, not a file"),
        ("a folder", "it is a folder, not a file"),
        ("too large", "it is larger than 16 MB"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["validate"]])
def test_a_roadmap_file_that_is_not_a_file_is_refused_at_once(
    tmp_path: Path, kind: str, says: str, command: list[str]
) -> None:
    path = _not_a_file(tmp_path, kind)
    args = ["validate", str(path)] if command == ["validate"] else ["--roadmaps", str(path), "list"]
    result = _llmcourse(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: cannot read roadmap file {path}: {says}")
    assert result.stderr.endswith(". Check the path\n")
    assert result.stderr.count("\n") == 1
