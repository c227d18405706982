"""The plain-line views, messages and help fit the terminal: broken at spaces, never inside a
word, continuations indented; left whole in a pipe; and references are read, topics done."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable

import pytest

from conftest import Run
from llmcourse.text import columns, visible_width, wrap

Invoke = Callable[..., Run]

TOKENIZATION = "scientist/architecture/tokenization"
ATTENTION = "scientist/architecture/attention-mechanisms"
DPO = "scientist/preference-alignment/direct-preference-optimization"
NANOGPT = "scientist/architecture/nanogpt"
GREEN = "\x1b[32m"
RESET = "\x1b[0m"


# The wrapping itself


def test_a_line_that_fits_is_left_as_it_is() -> None:
    assert wrap("✓ done    a/b  Title", 20, 10) == "✓ done    a/b  Title"


def test_words_wrap_at_spaces_with_the_continuations_indented() -> None:
    assert wrap("one two three four five", 10, 2) == "one two\n  three\n  four\n  five"
    assert wrap("one two three four five", 11, 2) == "one two\n  three\n  four five"
    assert wrap("one two three four five", 10, 4) == "one two\n    three\n    four\n    five"


def test_escape_codes_take_no_room() -> None:
    styled = f"{GREEN}done{RESET} {GREEN}read{RESET}"
    assert visible_width(styled) == 9
    assert wrap(styled, 9) == styled  # it fits: the codes are not counted
    assert wrap(styled, 8) == f"{GREEN}done{RESET}\n  {GREEN}read{RESET}"


def test_wide_characters_take_two_cells() -> None:
    assert visible_width("日本語") == 6
    assert visible_width("\uff54\uff45\uff58\uff54") == 8  # "text" in fullwidth letters
    assert visible_width("e\u0301") == 1  # a combining accent takes none
    assert wrap("日本語 テキスト", 10) == "日本語\n  テキスト"
    assert wrap("日本語 テキスト", 15) == "日本語 テキスト"


def test_a_word_longer_than_the_line_stays_whole_on_a_line_of_its_own() -> None:
    long_id = "scientist/architecture/attention-mechanisms"
    assert wrap(f"✓ done    {long_id}  Attention", 30, 10) == (
        f"✓ done\n{long_id}\n          Attention"
    )
    # Where the indent alone would push it past the edge, it starts at the left edge.
    assert wrap(f"see {'x' * 27}", 30, 4) == f"see\n{'x' * 27}"
    assert wrap(f"see {'x' * 27}", 30, 2) == f"see\n  {'x' * 27}"


def test_no_line_ends_in_spaces() -> None:
    assert wrap("a  b   ", 80) == "a  b"
    assert wrap("a  b   ", None) == "a  b"
    padded = f"{GREEN}done    {RESET}"  # a padded status column, styled
    assert wrap(f"{padded}\n", 80) == f"{GREEN}done{RESET}\n"
    assert wrap("aaaa    bbbb", 6) == "aaaa\n  bbbb"
    # A space before a closing code, at a break: the code stays, the space goes.
    assert wrap(f"{GREEN}done {RESET} next", 6) == f"{GREEN}done{RESET}\n  next"


def test_a_closing_code_never_starts_a_line_of_its_own() -> None:
    assert wrap(f"{GREEN}aaaa {RESET}", 4) == f"{GREEN}aaaa{RESET}"


def test_without_a_width_nothing_is_wrapped() -> None:
    line = "word " * 50 + "end"
    assert wrap(line, None) == line


def test_each_line_of_a_text_is_wrapped_on_its_own() -> None:
    assert wrap("aaa bbb\nccc ddd", 5) == "aaa\n  bbb\nccc\n  ddd"


# The width


class _Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal

    def fileno(self) -> int:
        return 1


def test_columns_wins_then_the_terminal_and_a_pipe_has_no_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "get_terminal_size", lambda *_: os.terminal_size((57, 20)))
    monkeypatch.setenv("COLUMNS", "33")
    assert columns(_Stream(terminal=False)) == 33
    assert columns(_Stream(terminal=True)) == 33
    for value in ("0", "-5", "wide", ""):
        monkeypatch.setenv("COLUMNS", value)
        assert columns(_Stream(terminal=True)) == 57
        assert columns(_Stream(terminal=False)) is None
    assert columns(None) is None


def test_a_message_is_written_even_where_standard_error_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from llmcourse import output

    monkeypatch.setattr(sys, "stderr", None)
    output.say("error: nobody reads this\n")  # must not raise


# The commands, at 40 and 80 columns


def _fits(text: str, width: int) -> None:
    """Every line fits, but for one that is a single word too long for any line."""
    for line in text.splitlines():
        assert visible_width(line) <= width or len(line.split()) == 1, line
        assert line == line.rstrip(), line


def _whole(text: str, *ids: str) -> None:
    """Each id is on one line, not split across two: whole, or in its short form (the last
    part, for these ids) where the whole one would not fit."""
    for an_id in ids:
        forms = (an_id, an_id.rsplit("/", 1)[-1])
        pattern = "|".join(rf"(?<![\w/-]){re.escape(form)}(?![\w/-])" for form in forms)
        assert any(re.search(pattern, line) for line in text.splitlines()), an_id


@pytest.mark.parametrize("width", [40, 80])
def test_done_fits_the_terminal(run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run("done", "tokenization", "attention-mechanisms", "nanogpt", DPO)
    assert result.exit_code == 0
    _fits(result.stdout, width)
    _whole(result.stdout, TOKENIZATION, ATTENTION, NANOGPT, DPO)
    lines = result.stdout.splitlines()
    if width == 40:  # the title goes under the id, after the status column
        # A full id that does not fit beside the status column is shown in its short form.
        assert lines[:3] == [
            "✓ done    tokenization  Tokenization",
            "✓ done    attention-mechanisms",
            "          Attention mechanisms",
        ]
        assert "The LLM Architecture: 2 of 4 topics done" in lines
        assert "  · 1 of 5 references read · 0 of 1" in lines
    else:
        assert lines[0] == f"✓ done    {TOKENIZATION}  Tokenization"
        assert lines[1] == f"✓ done    {ATTENTION}  Attention mechanisms"
        assert lines[3:5] == [f"✓ done    {DPO}  Direct", "          Preference Optimization"]


@pytest.mark.parametrize("width", [40, 80])
def test_undo_fits_the_terminal(run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    run("done", "tokenization", "attention-mechanisms")
    monkeypatch.setenv("COLUMNS", str(width))
    result = run("undo")
    assert result.exit_code == 0
    _fits(result.stdout, width)
    _whole(result.stdout, TOKENIZATION, ATTENTION)
    if width == 40:
        assert "    Tokenization" in result.stdout.splitlines()  # under its item


@pytest.mark.parametrize("width", [40, 80])
def test_an_error_fits_the_terminal(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run("done", "scientst/archi")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no roadmap, section, topic or")
    _fits(result.stderr, width)
    assert len(result.stderr.splitlines()) > 1
    assert all(line.startswith("  ") for line in result.stderr.splitlines()[1:] if " " in line)
    _whole(result.stderr, "scientist/architecture")
    usage = run("lst")
    _fits(usage.stderr, width)
    assert "Did you mean 'list'? Run 'llmcourse help'" in " ".join(usage.stderr.split())


@pytest.mark.parametrize("width", [40, 80, 200])
@pytest.mark.parametrize("args", [["--help"], ["help"], ["help", "done"], ["done", "--help"]])
def test_help_fits_the_terminal(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int, args: list[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run(*args)
    assert result.exit_code == 0
    _fits(result.stdout, min(width, 100))
    if width == 200:  # prose is held to a readable measure
        assert max(visible_width(line) for line in result.stdout.splitlines()) > 80
    _whole(result.stdout, "scientist/1/2" if "done" in args else "LLMCOURSE_ROADMAPS")


@pytest.mark.parametrize("width", [40, 80])
def test_help_gives_every_commands_summary_whole(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    text = run("--help").stdout
    commands = text.split("Commands:")[1]
    assert "..." not in commands
    words = " ".join(commands.split())
    assert (
        "show Show a roadmap, a section (summary, topics, references, notebooks), a topic, a "
        "reference or a notebook (its Colab and article links, and the topics it teaches)." in words
    )
    assert (
        "import Merge progress exported on another machine: per item, the more recent change wins."
        in words
    )


# In a pipe


@pytest.mark.usefixtures("piped")
def test_in_a_pipe_nothing_is_wrapped(run: Invoke) -> None:
    done = run("done", "tokenization", "attention-mechanisms", "nanogpt")
    assert done.stdout.splitlines() == [
        f"✓ done    {TOKENIZATION}  Tokenization",
        f"✓ done    {ATTENTION}  Attention mechanisms",
        f"✓ read    {NANOGPT}  nanoGPT",
        "The LLM Architecture: 2 of 4 topics done · 1 of 5 references read · 0 of 1 notebooks run",
    ]
    undo = run("undo")
    assert sorted(undo.stdout.splitlines()[1:]) == sorted(
        [
            f"  done → not started  {TOKENIZATION}  Tokenization",
            f"  done → not started  {ATTENTION}  Attention mechanisms",
            f"  read → not read  {NANOGPT}  nanoGPT",
        ]
    )
    error = run("done", "scientst/archi")
    assert error.stderr.count("\n") == 1
    for text in (done.stdout, undo.stdout, error.stderr):
        assert all(line == line.rstrip() for line in text.splitlines())


# The words


def test_references_are_read_and_topics_done(run: Invoke) -> None:
    assert run("done", "nanogpt").stdout.startswith(f"✓ read    {NANOGPT}  nanoGPT\n")
    assert "1 already read, left as it was" in run("done", "nanogpt").stdout
    both = run("done", "nanogpt", "tokenization", "tokenization").stdout
    assert f"✓ done    {TOKENIZATION}" in both
    assert "1 already read, left as it was" in both
    assert run("done", "--undo", "nanogpt").stdout.startswith(f"· unread  {NANOGPT}")
    assert "1 already not read" in run("done", "--undo", "nanogpt").stdout
    assert run("start", "nanogpt").stdout.startswith(f"▸ reading {NANOGPT}")
    assert run("done", "--undo", "tokenization").stdout.startswith(f"· undone  {TOKENIZATION}")
    undone = run("undo").stdout
    assert f"  not done → done  {TOKENIZATION}" not in undone
    assert f"  not started → done  {TOKENIZATION}" in undone
    assert run("undo").stdout.splitlines()[1] == f"  reading → not read  {NANOGPT}  nanoGPT"


def test_a_section_whose_topics_are_all_skipped_says_so(run: Invoke) -> None:
    result = run("skip", "scientist/architecture")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "The LLM Architecture: all 4 topics skipped · 0 of 5 references read · 0 of 1 notebooks run"
    )
    assert "0 of 0" not in result.stdout
    done = run("done", "tokenization")
    assert done.stdout.splitlines()[-1] == (
        "The LLM Architecture: 1 of 1 topics done · 0 of 5 references read · 0 of 1 notebooks run"
        " · section complete"
    )


def test_no_message_ends_in_a_doubled_mark(run: Invoke) -> None:
    from llmcourse.errors import UnknownIdError

    assert str(UnknownIdError("is it 'x'?", "Try 'y'")) == "is it 'x'? Try 'y'"
    assert str(UnknownIdError("it ended.", "Try 'y'")) == "it ended. Try 'y'"
    assert str(UnknownIdError("no 'x'", "Try 'y'")) == "no 'x'. Try 'y'"
    for args in (["lst"], ["done", "scientst/archi"], ["help", "nothing"], ["done", "--josn"]):
        stderr = run(*args).stderr
        assert stderr.startswith("error: "), args
        for doubled in ("?.", "!.", "..", ". ."):
            assert doubled not in stderr, (args, stderr)


def test_a_quoted_command_is_kept_on_one_line_where_it_fits() -> None:
    hint = "see every id: Run 'llmcourse list --topics' to see them"
    assert "'llmcourse list --topics'" in wrap(hint, 30, 2).split("\n")[1]
    # Longer than a line can hold: broken at its spaces like any words.
    assert wrap("x 'a b c d e f'", 8, 2) == "x 'a b c\n  d e f'"


def test_a_style_open_at_a_break_is_closed_and_opened_again() -> None:
    wrapped = wrap(f"{GREEN}one two three{RESET} four", 8, 2).split("\n")
    assert wrapped[0].endswith(RESET) and wrapped[1].startswith(f"  {GREEN}")


def test_a_wide_indent_gives_way_on_a_narrow_line() -> None:
    # An indent of half the line or more would send every longer word to the left edge.
    assert wrap("x Architectural overview", 20, 10) == "x Architectural\n      overview"
    assert wrap("one two three", 20, 10) == "one two three"
