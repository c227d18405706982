"""The course's notebooks: in the data, `notebooks`, `show`, `open`, marking and counting."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from llmcourse import idlist
from llmcourse.catalog import load_bundled

Invoke = Callable[..., Run]

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
UNSLOTH_COLAB = (
    "https://colab.research.google.com/drive/164cg_O7SV7G8kZr_JXqLd6VC7pd86-1Z?usp=sharing"
)
UNSLOTH_ARTICLE = "https://mlabonne.github.io/blog/posts/2024-07-29_Finetune_Llama31.html"

COURSE_FILE = """
schema_version = 1
[course]
id = "tiny"
title = "Tiny"
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
"""


def test_the_course_has_its_23_notebooks_in_its_groups() -> None:
    course = load_bundled()
    groups: dict[str, int] = {}
    for notebook in course.notebooks:
        groups[notebook.group] = groups.get(notebook.group, 0) + 1
        assert notebook.summary and notebook.colab_url.startswith("https://colab.research")
        assert all(course.nodes[topic].kind == "topic" for topic in notebook.topics)
    assert groups == {"Tools": 8, "Fine-tuning": 6, "Quantization": 4, "Other": 5}
    unsloth = course.nodes["notebooks/llama-3.1-unsloth"]
    assert unsloth.item is not None and unsloth.section is not None
    assert unsloth.section.id == "fine-tuning"  # with the fine-tuning topics
    # The project URL is kept where the course has one.
    assert course.nodes["notebooks/llm-autoeval"].item.project_url == (  # type: ignore[union-attr]
        "https://github.com/mlabonne/llm-autoeval"
    )


def test_every_notebook_has_a_short_id_of_its_own() -> None:
    course = load_bundled()
    for node in course.notebook_nodes():
        short = course.short_id(node)
        assert short == node.id.removeprefix("notebooks/")
        assert course.resolve(short) is node


def test_notebooks_lists_them_by_group_with_their_status(run: Invoke) -> None:
    run("done", "llama-3.1-unsloth")
    result = run("notebooks")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Notebooks: 1 of 23 run"
    assert lines.index("Tools") < lines.index("Fine-tuning") < lines.index("Quantization")
    unsloth = next(line for line in lines if "llama-3.1-unsloth" in line)
    assert unsloth.split()[0] == "✓" and "Fine-tune Llama 3.1 with Unsloth" in unsloth
    zerospace = next(line for line in lines if "zerospace" in line)
    assert zerospace.split()[0] == "·"


def test_notebooks_json(run: Invoke) -> None:
    run("done", "notebooks/autoquant")
    doc = run("notebooks", "--json").json()
    assert (doc["done"], doc["total"]) == (1, 23)
    assert [g["group"] for g in doc["groups"]] == ["Tools", "Fine-tuning", "Quantization", "Other"]
    fine_tuning = doc["groups"][1]["notebooks"][0]
    assert fine_tuning["id"] == "notebooks/llama-3.1-unsloth"
    assert fine_tuning["colab_url"] == UNSLOTH_COLAB
    assert fine_tuning["article_url"] == UNSLOTH_ARTICLE
    assert fine_tuning["status"] == "not-started"
    assert doc["groups"][0]["notebooks"][3]["status"] == "done"


def test_a_course_without_notebooks_says_so(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(COURSE_FILE, "utf-8")
    result = run("--roadmaps", str(path), "notebooks")
    assert result.exit_code == 0
    assert result.stdout == "This course has no notebooks.\n"
    assert run("--roadmaps", str(path), "notebooks", "--json").json()["groups"] == []
    # Nor do its counts speak of notebooks.
    assert "notebooks run" not in run("--roadmaps", str(path), "progress").stdout


def test_a_notebook_is_marked_run_and_counts_like_a_reference(run: Invoke) -> None:
    marked = run("done", "mistral-7b-dpo")
    assert marked.exit_code == 0, marked.stderr
    assert marked.stdout.split()[:3] == ["✓", "run", "notebooks/mistral-7b-dpo"]
    # Its main topic's section counts it, as it counts its references.
    assert "1 of 2 notebooks run" in marked.stdout
    course = run("progress", "--json").json()["course"]
    assert (course["notebooks_done"], course["notebooks_total"]) == (1, 23)
    scientist = next(r for r in course["roadmaps"] if r["id"] == "scientist")
    alignment = next(s for s in scientist["sections"] if s["id"].endswith("preference-alignment"))
    assert (alignment["notebooks_done"], alignment["notebooks_total"]) == (1, 2)
    assert "1 of 23 notebooks run" in run("progress").stdout
    assert "1 of 23 notebooks run" in run().stdout.splitlines()[0]  # the first screen
    # Skipped, it leaves the totals, as a skipped reference does.
    run("skip", "zerospace")
    course = run("progress", "--json").json()["course"]
    assert "1 of 22 notebooks run" in run("progress").stdout
    assert course["notebooks_total"] == 23
    assert run("show", "zerospace").stdout.splitlines()[2] == "Status: - skipped" or (
        "skipped" in run("show", "zerospace").stdout.splitlines()[2]
    )
    undone = run("done", "--undo", "mistral-7b-dpo")
    assert undone.stdout.split()[:2] == ["·", "not"]
    assert run("progress", "--json").json()["course"]["notebooks_done"] == 0


def test_an_optional_roadmap_not_started_leaves_its_notebooks_out(
    run: Invoke, tmp_path: Path
) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(
        COURSE_FILE.replace('title = "One"', 'title = "One"\noptional = true')
        + """
[[roadmaps]]
id = "two"
title = "Two"
[[roadmaps.sections]]
id = "more"
number = 1
title = "More"
[[roadmaps.sections.topics]]
id = "third"
title = "Third"

[[notebooks]]
id = "try-first"
title = "Try the first"
group = "Hands-on"
colab_url = "https://colab.research.google.com/drive/abc"
topics = ["one/basics/first"]

[[notebooks]]
id = "try-third"
title = "Try the third"
group = "Hands-on"
colab_url = "https://colab.research.google.com/drive/def"
topics = ["two/more/third", "one/basics/second"]
""",
        "utf-8",
    )
    course = run("--roadmaps", str(path), "progress", "--json").json()["course"]
    assert course["notebooks_total"] == 1  # only try-third: its main topic's roadmap counts
    run("--roadmaps", str(path), "start", "one")
    course = run("--roadmaps", str(path), "progress", "--json").json()["course"]
    assert course["notebooks_total"] == 2


def test_show_section_and_topic_list_the_notebooks_that_teach_them(run: Invoke) -> None:
    section = run("show", "scientist/fine-tuning")
    assert section.exit_code == 0
    listed = section.stdout.split("\nNotebooks\n", 1)[1]
    assert "llama-3.1-unsloth" in listed and "llama-3-orpo" in listed
    topic = run("show", "direct-preference-optimization")
    listed = topic.stdout.split("\nNotebooks that teach it\n", 1)[1]
    assert "mistral-7b-dpo" in listed and "llama-3-orpo" in listed
    assert "lazymergekit" not in listed
    doc = run("show", "scientist/new-trends", "--json").json()["section"]
    assert "notebooks/moe-mergekit" in [n["id"] for n in doc["notebooks"]]
    doc = run("show", "sampling-techniques", "--json").json()["topic"]
    assert [n["id"] for n in doc["notebooks"]] == ["notebooks/decoding-strategies"]


def test_show_notebook(run: Invoke) -> None:
    result = run("show", "llama-3.1-unsloth")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Fine-tune Llama 3.1 with Unsloth  notebooks/llama-3.1-unsloth"
    assert lines[1] == "Notebooks > Fine-tuning"
    assert f"Colab    {UNSLOTH_COLAB}" in lines
    assert f"Article  {UNSLOTH_ARTICLE}" in lines
    assert any(line.startswith("· training-techniques") for line in lines)
    doc = run("show", "notebooks/llama-3.1-unsloth", "--json").json()["notebook"]
    assert doc["topics"][0] == "scientist/fine-tuning/training-techniques"
    assert (doc["roadmap"], doc["section"]) == ("scientist", "scientist/fine-tuning")


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *_, **__: opened.append(url) or True)
    return opened


def test_open_notebook_opens_its_colab_link(run: Invoke, browser: list[str]) -> None:
    result = run("open", "llama-3.1-unsloth")
    assert result.exit_code == 0, result.stderr
    assert browser == [UNSLOTH_COLAB]
    refused = run("open", "llama-3.1-unsloth", "--ref", "1")
    assert refused.exit_code != 0
    assert "is a notebook itself" in refused.stderr


@pytest.mark.usefixtures("piped")  # a row a line
def test_open_topic_ref_reaches_the_notebooks_show_numbers(run: Invoke, browser: list[str]) -> None:
    shown = run("show", "direct-preference-optimization").stdout
    listed = shown.split("\nNotebooks that teach it\n", 1)[1].splitlines()
    row = next(line for line in listed if "mistral-7b-dpo" in line)
    number = row.split()[0]
    run("open", "direct-preference-optimization", "--ref", number)
    assert browser == [
        "https://colab.research.google.com/drive/15iFBr1xWgztXvhrj5I9fBv20c7CFOPBE?usp=sharing"
    ]


def test_a_typo_suggests_the_notebook(run: Invoke) -> None:
    result = run("show", "lazymergkit")
    assert result.exit_code == 2
    assert "notebooks/lazymergekit" in result.stderr


def test_former_ids_of_a_notebook_carry_progress_over(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    notebook = """
[[notebooks]]
id = "{id}"
title = "A notebook"
group = "Hands-on"
colab_url = "https://colab.research.google.com/drive/abc"
topics = ["one/basics/first"]
{former}
"""
    path.write_text(COURSE_FILE + notebook.format(id="old-name", former=""), "utf-8")
    assert run("--roadmaps", str(path), "done", "old-name").exit_code == 0
    path.write_text(
        COURSE_FILE + notebook.format(id="new-name", former='former_ids = ["notebooks/old-name"]'),
        "utf-8",
    )
    assert run("--roadmaps", str(path), "show", "notebooks/old-name").stdout.startswith(
        "A notebook  notebooks/new-name"
    )
    doc = run("--roadmaps", str(path), "notebooks", "--json").json()
    assert doc["groups"][0]["notebooks"][0]["status"] == "done"


def test_validate_checks_notebooks(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_text(
        COURSE_FILE.replace('id = "one"', 'id = "notebooks"')
        + """
[[notebooks]]
id = "a"
title = "A"
group = "G"
colab_url = "https://colab.research.google.com/drive/abc"
topics = ["notebooks/basics/first", "notebooks/basics/third"]

[[notebooks]]
id = "a"
title = "Again"
group = "G"
colab_url = "javascript:alert(1)"
topics = []
""",
        "utf-8",
    )
    doc = run("validate", str(path), "--json").json()
    assert doc["valid"] is False
    problems = {(p["location"], p["message"]) for p in doc["problems"]}
    locations = {where for where, _ in problems}
    assert "notebooks[a].topics[#2]" in locations
    assert any("no topic has the id 'notebooks/basics/third'" in m for _, m in problems)
    assert ("notebooks", "notebook ids must be unique: a") in problems
    assert any(where == "roadmaps[notebooks].id" for where in locations)
    assert any(where.endswith("colab_url") for where in locations)
    assert any(where.endswith("topics") and "at least 1" in m for where, m in problems)
    valid = run("validate", str(EXAMPLE))
    assert valid.exit_code == 0 and "1 notebook" in valid.stdout


def test_a_former_id_of_a_notebook_is_a_notebook_id(run: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_text(
        COURSE_FILE
        + """
[[notebooks]]
id = "a"
title = "A"
group = "G"
colab_url = "https://colab.research.google.com/drive/abc"
topics = ["one/basics/first"]
former_ids = ["one/old"]
""",
        "utf-8",
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "must be a full notebook id (notebooks/notebook)" in result.stdout


def test_the_id_list_offers_notebooks() -> None:
    forms = {row.form: row for row in idlist.forms(load_bundled())}
    assert forms["moe-mergekit"].kind == "notebook"
    assert forms["notebooks/moe-mergekit"].offer == "notebooks/moe-mergekit"
    assert ("notebooks/moe-mergekit", "Create MoEs with MergeKit") in load_bundled().complete(
        "notebooks/moe"
    )
