"""Shell completion of ids, called the way bash, zsh and fish call it: a process per Tab."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
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
    assert _complete("bash", "llmcourse show scientist/arch") == ["scientist/architecture/"]
    topics = _complete("bash", "llmcourse done scientist/architecture/")
    assert "scientist/architecture/tokenization" in topics
    assert "scientist/architecture/nanogpt" in topics  # references too
    assert all(t.count("/") == 2 for t in topics)


def test_course_numbers_and_short_ids_complete_too() -> None:
    assert _complete("bash", "llmcourse done scientist/1/") == [
        f"scientist/1/{n}" for n in range(1, 5)
    ]
    assert "tokenization" in _complete("bash", "llmcourse done tok")
    assert _complete("bash", "llmcourse show ") == ["fundamentals/", "scientist/", "engineer/"]


def test_every_completed_id_resolves_to_what_it_names() -> None:
    catalog = load_bundled()
    for typed in ("scientist/", "engineer/rag/", "fundamentals/2/", "eval", "monitoring", "dist"):
        for value, _title in catalog.complete(typed):
            assert catalog.resolve(value)


def test_zsh_and_fish_get_titles_with_the_ids() -> None:
    zsh = _complete("zsh", "llmcourse done scientist/architecture/t")
    assert zsh == ['_arguments \'*: :(("scientist/architecture/tokenization":"Tokenization"))\'']
    fish = _complete("fish", "llmcourse show scientist/arch")
    assert fish == ["scientist/architecture/\tThe LLM Architecture"]


def test_roadmap_arguments_complete_roadmaps() -> None:
    assert _complete("bash", "llmcourse progress sc") == ["scientist"]


def test_completion_follows_the_chosen_roadmap_file() -> None:
    assert _complete("bash", f"llmcourse --roadmaps {EXAMPLE} show retrieval/k") == [
        "retrieval/keyword-search/"
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


# The scripts --install-completion writes: sourced in a real shell, their function called as
# the shell calls it on Tab. They match ids on the id list in the cache folder, by themselves.


def _script(shell: str, folder: Path) -> Path:
    result = subprocess.run(
        [installed(), "--show-completion", shell],
        env=os.environ | {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    path = folder / f"llmcourse.{shell}"
    path.write_text(result.stdout)
    return path


# compopt works only while bash completes on a key: here it records what it was asked.
_BASH_TAB = r"""
source "$SCRIPT"
compopt() { [[ $1 == -o ]] && printf 'compopt %s\n' "$2"; return 0; }
line=$LINE
read -ra COMP_WORDS <<< "$line"
[[ $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
_llmcourse_completion "$PROGRAM" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf 'reply %s\n' "${COMPREPLY[@]}"
"""


def _bash_tab(
    script: Path, line: str, program: str, cwd: Path | None = None, **env: str
) -> tuple[list[str], set[str]]:
    """What one Tab at the end of `line` offers in bash, and the options the function set."""
    here = {"PWD": str(cwd)} if cwd else {}
    if os.environ.get("PYTHONPATH"):  # llmcourse, run in another folder, imports the same code
        paths = os.environ["PYTHONPATH"].split(os.pathsep)
        here["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths)
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", _BASH_TAB],
        cwd=cwd,
        env=os.environ | env | here | {"SCRIPT": str(script), "LINE": line, "PROGRAM": program},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,  # a Tab that waits on something fails the test, not the run
    )
    out = result.stdout.splitlines()
    reply = [line.removeprefix("reply ") for line in out if line.startswith("reply ") and line[6:]]
    return reply, {line.split()[1] for line in out if line.startswith("compopt ")}


@pytest.fixture
def bash_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bash script, with a cache folder of its own that already holds the bundled list."""
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    script = _script("bash", tmp_path)
    _bash_tab(script, "llmcourse show x", installed())  # no list yet: llmcourse writes it
    assert (tmp_path / "cache" / "ids-bundled.tsv").is_file()
    return script


NOWHERE = "/nonexistent/llmcourse"  # a Tab that needs llmcourse itself gets nothing


@pytest.mark.parametrize(
    ("line", "offered", "nospace"),
    [
        ("llmcourse show scientist/arch", ["scientist/architecture/"], True),
        ("llmcourse show SCIENTIST/ARCH", ["scientist/architecture/"], True),
        ("llmcourse done monitoring", ["pre-training/monitoring", "fine-tuning/monitoring"], False),
        (
            "llmcourse done distributed",  # topics, then the reference
            [
                "pre-training/distributed-training",
                "fine-tuning/distributed-training",
                "distributed-training-paper",
            ],
            False,
        ),
        ("llmcourse done architecture/tok", ["architecture/tokenization"], False),
        ("llmcourse show ", ["fundamentals/", "scientist/", "engineer/"], True),
        ("llmcourse progress sc", ["scientist"], False),
        ("llmcourse next --roadmap e", ["engineer"], False),
        ("llmcourse do", ["done", "doctor"], False),
        ("llmcourse done --u", ["--undo"], False),
        ("llmcourse --ro", ["--roadmaps"], False),
        ("llmcourse done scientist/architecture/nothing-like-it", [], False),
    ],
)
def test_a_tab_in_bash_offers_ids_without_starting_llmcourse(
    bash_script: Path, line: str, offered: list[str], nospace: bool
) -> None:
    reply, options = _bash_tab(bash_script, line, NOWHERE)
    assert reply == offered
    assert ("nospace" in options) is nospace
    assert "nosort" in options
    assert "default" not in options  # never file names where an id goes


def test_bash_offers_a_section_s_topics_then_its_references(bash_script: Path) -> None:
    reply, options = _bash_tab(bash_script, "llmcourse show scientist/architecture/", NOWHERE)
    catalog = load_bundled()
    node = catalog.nodes["scientist/architecture"]
    assert node.section is not None
    assert reply == [
        n.id
        for n in catalog.section_topics(node.roadmap, node.section)
        + catalog.section_references(node.roadmap, node.section)
    ]
    assert "nospace" not in options


def test_bash_matches_as_the_program_does(bash_script: Path) -> None:
    catalog = load_bundled()
    for typed in ("", "e", "scientist/", "engineer/rag/", "fundamentals/2/", "pre", "dist", "1"):
        reply, _ = _bash_tab(bash_script, f"llmcourse done {typed}", NOWHERE)
        assert reply == [value for value, _title in catalog.complete(typed)], typed


def test_bash_asks_llmcourse_for_option_values_and_offers_files_after(bash_script: Path) -> None:
    reply, options = _bash_tab(bash_script, "llmcourse list --status d", installed())
    assert reply == ["done"]
    reply, options = _bash_tab(bash_script, "llmcourse validate ", installed())
    assert reply == []
    assert "default" in options  # a roadmap file: bash's own file names
    script = bash_script.read_text()
    assert "complete -F _llmcourse_completion llmcourse" in script
    assert "complete -o default" not in script


def test_a_missing_list_is_written_by_the_llmcourse_the_script_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(cache))
    script = _script("bash", tmp_path)
    assert _bash_tab(script, "llmcourse done monitoring", NOWHERE)[0] == []
    reply, _ = _bash_tab(script, "llmcourse done monitoring", installed())
    assert reply == ["pre-training/monitoring", "fine-tuning/monitoring"]
    assert (cache / "ids-bundled.tsv").is_file()
    assert _bash_tab(script, "llmcourse done monitoring", NOWHERE)[0] == reply


def test_a_roadmap_file_s_list_follows_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    course = tmp_path / "course.toml"
    course.write_text(EXAMPLE.read_text())
    script = _script("bash", tmp_path)
    line = "llmcourse --roadmaps course.toml done b"
    assert _bash_tab(script, line, installed(), tmp_path)[0] == ["bm25"]
    assert _bash_tab(script, line, NOWHERE, tmp_path)[0] == ["bm25"]
    by_env = _bash_tab(
        script, "llmcourse done b", NOWHERE, tmp_path, LLMCOURSE_ROADMAPS="./course.toml"
    )
    assert by_env[0] == ["bm25"]
    # An edited file is newer than its list: the next Tab asks llmcourse, which rewrites it.
    course.write_text(EXAMPLE.read_text().replace('id = "bm25"', 'id = "best-match-25"'))
    later = os.stat(course).st_mtime + 10
    os.utime(course, (later, later))
    assert _bash_tab(script, line, installed(), tmp_path)[0] == ["best-match-25"]


def test_the_list_is_rewritten_when_the_course_cache_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcourse import catalog, idlist

    cache = tmp_path / "cache"
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(cache))
    course = tmp_path / "course.toml"
    course.write_text(EXAMPLE.read_text())
    catalog.load_file(course)
    target = idlist.path_for(str(course))
    assert target is not None
    assert target.read_text().startswith(idlist.HEADER + "\n")
    assert "bm25\ttopic\t0\tbm25\tBM25\n" in target.read_text()
    course.write_text(EXAMPLE.read_text().replace('id = "bm25"', 'id = "best-match-25"'))
    catalog.load_file(course)
    assert "bm25\t" not in target.read_text()
    assert "best-match-25\ttopic\t0\tbest-match-25\t" in target.read_text()
    catalog.load_bundled()
    assert (cache / idlist.BUNDLED_LIST).is_file()


def test_a_hostile_title_stays_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    hostile = '$(touch pwned)`touch pwned`\\t"; touch pwned; #\\n'
    text = EXAMPLE.read_text().replace('title = "BM25"', f"title = '{hostile}'")
    (tmp_path / "course.toml").write_text(text)
    script = _script("bash", tmp_path)
    reply, _ = _bash_tab(script, "llmcourse --roadmaps course.toml done b", installed(), tmp_path)
    assert reply == ["bm25"]
    assert _bash_tab(script, "llmcourse --roadmaps course.toml done b", NOWHERE, tmp_path)[0]
    assert not (tmp_path / "pwned").exists()


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed")
def test_zsh_offers_ids_with_titles_and_no_space_after_a_slash(
    bash_script: Path, tmp_path: Path
) -> None:
    script = _script("zsh", tmp_path)
    # compadd works only inside zsh's completion system: here it prints what it was given.
    tab = r"""
compdef() { : }
_files() { print -r -- _files }
compadd() { print -r -- "compadd ${(j:|:)@}" }
source "$SCRIPT"
words=(${(z)LINE}); [[ $LINE == *" " ]] && words+=("")
CURRENT=${#words}; PREFIX=${words[CURRENT]}
_llmcourse_completion
"""

    def zsh_tab(line: str) -> list[str]:
        result = subprocess.run(
            ["zsh", "-f", "-c", tab],
            env=os.environ | {"SCRIPT": str(script), "LINE": line, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.splitlines()

    assert zsh_tab("llmcourse show scientist/arch") == [
        "compadd -U|-V|llmcourse_completion|-l|-d|shown|-S||--|scientist/architecture/"
    ]
    assert [line.rsplit("|", 1)[1] for line in zsh_tab("llmcourse done distributed")] == [
        "pre-training/distributed-training",
        "fine-tuning/distributed-training",
        "distributed-training-paper",
    ]
    assert all("-S|" not in line for line in zsh_tab("llmcourse done monitoring"))
    assert [line.rsplit("|", 1)[1] for line in zsh_tab("llmcourse do")] == ["done", "doctor"]
    assert zsh_tab("llmcourse validate ") == ["_files"]  # llmcourse (not on PATH) gave nothing


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed")
def test_fish_offers_ids_with_titles(bash_script: Path, tmp_path: Path) -> None:
    script = _script("fish", tmp_path)

    def fish_tab(line: str) -> list[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", 'source $SCRIPT; complete -C "$LINE"'],
            env=os.environ | {"SCRIPT": str(script), "LINE": line, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.splitlines()

    assert fish_tab("llmcourse show scientist/arch") == [
        "scientist/architecture/\tThe LLM Architecture"
    ]
    assert fish_tab("llmcourse done monitoring") == [
        "pre-training/monitoring\tMonitoring",
        "fine-tuning/monitoring\tMonitoring",
    ]
    assert fish_tab("llmcourse show ") == [
        "fundamentals/\tLLM Fundamentals",
        "scientist/\tThe LLM Scientist",
        "engineer/\tThe LLM Engineer",
    ]
    assert [line.split("\t")[0] for line in fish_tab("llmcourse do")] == ["done", "doctor"]


def test_a_list_that_is_a_named_pipe_never_holds_a_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named pipe (or a device) where the id list should be is not read: a Tab would wait on
    it for ever. The script asks llmcourse instead, as for a missing list; a cache folder with
    a quote in its name works as any other."""
    cache = tmp_path / "it's cache"
    cache.mkdir()
    os.mkfifo(cache / "ids-bundled.tsv")
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(cache))
    script = _script("bash", tmp_path)
    started = time.monotonic()
    assert _bash_tab(script, "llmcourse done monitoring", NOWHERE)[0] == []
    assert time.monotonic() - started < 10
    (cache / "ids-bundled.tsv").unlink()
    reply, _ = _bash_tab(script, "llmcourse done monitoring", installed())
    assert reply == ["pre-training/monitoring", "fine-tuning/monitoring"]
    assert _bash_tab(script, "llmcourse done monitoring", NOWHERE)[0] == reply  # read there
