"""The course is declared once: the models check a roadmap file and are the course at run time."""

from __future__ import annotations

import datetime as dt
import marshal
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from conftest import Run
from llmcourse import models
from llmcourse.catalog import load_bundled, parse

Invoke = Callable[..., Run]

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "roadmaps.toml"


def _walk(value: Any) -> list[Any]:
    """Every model inside `value`, itself included."""
    found = [value] if type(value) in models.MODELS else []
    for item in value if isinstance(value, tuple) else ():
        found.extend(_walk(item))
    return found


def test_the_course_a_command_uses_is_made_of_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(tmp_path))
    fresh = parse(BUNDLED.read_bytes(), "bundled")  # validated by pydantic
    cached = parse(BUNDLED.read_bytes(), "bundled")  # built from the cache
    for catalog in (fresh, cached):
        kinds = {type(item) for item in _walk((catalog.course, *catalog.roadmaps))}
        assert kinds == {
            models.CourseInfo,
            models.Roadmap,
            models.Section,
            models.Topic,
            models.Reference,
            models.Link,
        }
    assert (cached.course, cached.roadmaps) == (fresh.course, fresh.roadmaps)


def test_every_field_of_the_file_reaches_the_course() -> None:
    """What the roadmap file says is what the course holds, field by field, by name."""
    raw = tomllib.loads(BUNDLED.read_text("utf-8"))
    course = load_bundled()

    def same(data: dict[str, Any], model: Any) -> None:
        for name, value in data.items():
            held = getattr(model, name)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                assert len(held) == len(value)
                for item, built in zip(value, held, strict=True):
                    same(item, built)
            elif isinstance(value, list):
                assert held == tuple(value), name
            elif isinstance(value, dt.date):  # a date is kept as its ISO text
                assert held == value.isoformat(), name
            else:
                assert held == value, name

    same(raw["course"], course.course)
    for data, roadmap in zip(raw["roadmaps"], course.roadmaps, strict=True):
        same(data, roadmap)


def test_loading_the_cached_course_does_not_import_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from llmcourse import catalog\n"
        "catalog.load_bundled()\n"
        "print('pydantic' in sys.modules, 'pydantic_core' in sys.modules)\n"
    )
    env = {**os.environ, "LLMCOURSE_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.stdout.split() == ["True", "True"], first.stderr  # validated: pydantic needed
    assert again.stdout.split() == ["False", "False"], again.stderr  # from the cache: not


def test_models_are_kept_and_built_in_the_order_of_their_fields() -> None:
    course = load_bundled()
    whole = models.RoadmapFile(1, course.course, tuple(course.roadmaps), tuple(course.notebooks))
    data = models.dump(whole)
    # Plain tuples all the way down, which marshal keeps (it refuses a NamedTuple).
    assert not [item for item in _walk_tuples(data) if type(item) is not tuple]
    assert marshal.loads(marshal.dumps(data)) == data
    built = models.build(models.RoadmapFile, data)
    assert built == whole and _walk(built) == _walk(whole)
    assert [type(item) for item in _walk(built)] == [type(item) for item in _walk(whole)]
    topic = course.roadmaps[1].sections[0].topics[0]
    assert models.dump(topic) == tuple(topic)  # each value where `_fields` has its name
    with pytest.raises(TypeError):
        models.build(models.Topic, (*models.dump(topic), 1))  # a value too many
    with pytest.raises(TypeError):
        models.build(models.Topic, models.dump(topic)[:-1])  # one too few
    section = list(models.dump(course.roadmaps[1].sections[0]))
    topics = models.Section._fields.index("topics")
    section[topics] = (section[topics][0][:-1],)
    with pytest.raises(TypeError):  # inside a tuple of models too
        models.build(models.Section, tuple(section))


def _walk_tuples(value: Any) -> list[Any]:
    """Every tuple inside `value`, itself included."""
    if not isinstance(value, tuple):
        return []
    return [value] + [found for item in value for found in _walk_tuples(item)]


class _Leaf(NamedTuple):
    name: str


class _Branch(NamedTuple):
    title: str
    leaves: tuple[_Leaf, ...] = ()
    only: _Leaf | None = None


def test_a_new_nested_field_needs_nothing_but_its_declaration() -> None:
    with pytest.raises(TypeError, match="a model only as itself or in a tuple"):
        models.build(_Branch, ("t", (), None))

    class Branch(NamedTuple):
        title: str
        leaves: tuple[_Leaf, ...] = ()
        first: _Leaf = _Leaf("none")

    data = ("t", (("a",), ("b",)), ("c",))
    built = models.build(Branch, data)
    assert built == Branch("t", (_Leaf("a"), _Leaf("b")), _Leaf("c"))
    assert models.dump(built) == data


TOPIC = """
schema_version = 1
[course]
id = "demo"
title = "Demo"
[[roadmaps]]
id = "one"
title = "One"
{roadmap}
[[roadmaps.sections]]
id = "basics"
number = {number}
title = "Basics"
[[roadmaps.sections.topics]]
id = "first"
title = "First"
{topic}
"""


def _problems(run: Invoke, tmp_path: Path, line: str, instead: str) -> list[dict[str, str]]:
    """What validate finds in the small course above with one of its lines written otherwise."""
    path = tmp_path / "course.toml"
    text = TOPIC.format(roadmap="", number="1", topic="").replace(line, instead, 1)
    path.write_text(text, encoding="utf-8")
    problems: list[dict[str, str]] = run("validate", str(path), "--json").json()["problems"]
    return problems


@pytest.mark.parametrize("version", ['"1"', "true", "2"])
def test_the_format_version_is_exactly_1(run: Invoke, tmp_path: Path, version: str) -> None:
    problems = _problems(run, tmp_path, "schema_version = 1", f"schema_version = {version}")
    assert problems == [{"location": "schema_version", "message": "Input should be 1"}]


@pytest.mark.parametrize(
    ("roadmap", "number", "topic", "where", "says"),
    [
        ("", '"1"', "", "roadmaps[one].sections[basics].number", "valid integer"),
        ("optional = 1", "1", "", "roadmaps[one].optional", "valid boolean"),
        ("", "1", "summary = 7", "roadmaps[one].sections[basics].topics[first].summary", "string"),
        (
            "",
            "1",
            'links = [["Tool", "https://example.org"]]',
            "roadmaps[one].sections[basics].topics[first].links[#1]",
            "Input should be a table",
        ),
        ("", "1", "color = 'red'", "roadmaps[one].sections[basics].topics[first].color", "Extra"),
        ("", "0", "", "roadmaps[one].sections[basics].number", "greater than or equal to 1"),
        (
            "",
            "1",
            'former_ids = "x"',
            "roadmaps[one].sections[basics].topics[first].former_ids",
            "Input should be a valid list",
        ),
    ],
)
def test_a_roadmap_file_is_read_strictly(
    run: Invoke, tmp_path: Path, roadmap: str, number: str, topic: str, where: str, says: str
) -> None:
    path = tmp_path / "course.toml"
    path.write_text(TOPIC.format(roadmap=roadmap, number=number, topic=topic), encoding="utf-8")
    result = run("validate", str(path), "--json")
    assert result.exit_code == 1
    [problem] = result.json()["problems"]
    assert problem["location"] == where
    assert says in problem["message"]


@pytest.mark.parametrize(
    ("written", "valid"),
    [
        ("2026-02-01", True),
        ('"2026-02-01"', True),
        ('"20260201"', False),
        ('"2026-W05-1"', False),
        ('"2026-13-45"', False),
        ("2026-02-01T10:00:00", False),
        ("20260201", False),
        ('""', False),
    ],
)
def test_a_revision_date_is_a_plain_iso_date(
    run: Invoke, tmp_path: Path, written: str, valid: bool
) -> None:
    title = 'title = "Demo"'
    problems = _problems(run, tmp_path, title, f"{title}\nrevision_date = {written}")
    expected = {"location": "course.revision_date", "message": "must be a date such as 2026-02-04"}
    assert problems == ([] if valid else [expected])


@pytest.mark.parametrize(
    ("aliases", "says"),
    [
        ('["RAG", "KV cache", "llama.cpp", "A2A", "Q&A", "C++"]', None),
        ('[""]', "an alias must not be empty"),
        ('["  "]', "an alias must not be empty"),
        ('[" RAG"]', "an alias is letters and digits"),
        ('["KV  cache"]', "an alias is letters and digits"),
        ('["[red]RAG[/red]"]', "an alias is letters and digits"),
        ('["RAG\\u001b[2J"]', "an alias is letters and digits"),
        ('["RAG\\nSFT"]', "an alias is letters and digits"),
        (f'["{"x" * 41}"]', "an alias is at most 40 characters"),
        ('["RAG", "rag"]', "aliases must differ (in any case): RAG, rag"),
        ('"RAG"', "Input should be a valid list"),
    ],
)
def test_validate_checks_aliases(
    run: Invoke, tmp_path: Path, aliases: str, says: str | None
) -> None:
    for line, where in [
        ('title = "First"', "roadmaps[one].sections[basics].topics[first].aliases"),
        ('title = "Basics"', "roadmaps[one].sections[basics].aliases"),
    ]:
        problems = _problems(run, tmp_path, line, f"{line}\naliases = {aliases}")
        assert [p["location"].rsplit("[#", 1)[0] for p in problems] == ([where] if says else [])
        assert all(says in p["message"] for p in problems)
