"""Shell completion of ids, called the way bash, zsh and fish call it: a process per Tab."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import installed
from llmcourse.catalog import load_bundled

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"


def _complete(shell: str, words: str, **env: str) -> list[str]:
    """What the shell would be offered for the last of `words`."""
    environment = os.environ | env | {"_LLMCOURSE_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        environment |= {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    else:
        environment |= {"_TYPER_COMPLETE_ARGS": words}
        if shell == "fish":
            environment["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = subprocess.run(
        [installed()], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completes_full_ids_one_level_at_a_time() -> None:
    assert _complete("bash", "llmcourse show scientist/arch") == ["scientist/architecture"]
    topics = _complete("bash", "llmcourse done scientist/architecture/")
    assert "scientist/architecture/tokenization" in topics
    assert "scientist/architecture/nanogpt" in topics  # references too
    assert all(t.count("/") == 2 for t in topics)


def test_course_numbers_and_short_ids_complete_too() -> None:
    assert _complete("bash", "llmcourse done scientist/1/") == [
        f"scientist/1/{n}" for n in range(1, 5)
    ]
    assert "tokenization" in _complete("bash", "llmcourse done tok")
    assert _complete("bash", "llmcourse show ") == ["fundamentals", "scientist", "engineer"]


def test_every_completed_id_resolves_to_what_it_names() -> None:
    catalog = load_bundled()
    for typed in ("scientist/", "engineer/rag/", "fundamentals/2/", "eval"):
        for value, _title in catalog.complete(typed):
            assert catalog.resolve(value)


def test_zsh_and_fish_get_titles_with_the_ids() -> None:
    zsh = _complete("zsh", "llmcourse done scientist/architecture/t")
    assert zsh == ['_arguments \'*: :(("scientist/architecture/tokenization":"Tokenization"))\'']
    fish = _complete("fish", "llmcourse show scientist/arch")
    assert fish == ["scientist/architecture\tThe LLM Architecture"]


def test_roadmap_arguments_complete_roadmaps() -> None:
    assert _complete("bash", "llmcourse progress sc") == ["scientist"]


def test_completion_follows_the_chosen_roadmap_file() -> None:
    assert _complete("bash", f"llmcourse --roadmaps {EXAMPLE} show retrieval/k") == [
        "retrieval/keyword-search"
    ]
    assert _complete("bash", "llmcourse done b", LLMCOURSE_ROADMAPS=str(EXAMPLE)) == ["bm25"]
    assert _complete("bash", "llmcourse --roadmaps /no/such/file show x") == []


def test_completion_never_touches_the_progress(data_dir: Path) -> None:
    _complete("bash", "llmcourse done scientist/")
    assert not data_dir.exists()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_there(shell: str) -> None:
    result = subprocess.run(
        [installed(), "--show-completion", shell], capture_output=True, text=True, check=True
    )
    assert "_LLMCOURSE_COMPLETE" in result.stdout
