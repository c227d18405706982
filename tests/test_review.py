"""Spaced review: a topic done gets a schedule, each rating sets the next review, and every change
to a schedule can be taken back. Time is a fixed clock, moved across weeks; fuzz is off, so the
gaps are the scheduler's own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Run, installed
from llmcourse.cli import app
from llmcourse.session import Session

TOKENIZATION = "scientist/architecture/tokenization"
ATTENTION = "scientist/architecture/attention-mechanisms"
START = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # a Monday evening

At = Callable[..., Run]


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Iterator[At]:
    """Run llmcourse at a given moment, on a clock in UTC, without fuzz."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    runner = CliRunner()

    def invoke(moment: datetime, *args: str) -> Run:
        session = Session(clock=lambda: moment, fuzz=False)
        result = runner.invoke(app, list(args), obj=session, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    yield invoke
    monkeypatch.undo()
    time.tzset()


def _due(doc: dict[str, object], key: str = "due") -> list[str]:
    items = doc[key]
    assert isinstance(items, list)
    return [item["id"] for item in items]


def _schedule(progress_file: Path, topic: str = TOKENIZATION) -> dict[str, object] | None:
    reviews = tomllib.loads(progress_file.read_text("utf-8")).get("reviews", {})
    found = reviews.get(topic)
    assert found is None or isinstance(found, dict)
    return found


def test_a_topic_done_falls_due_and_each_rating_sets_the_next_review(
    at: At, progress_file: Path
) -> None:
    assert at(START, "done", "tokenization").exit_code == 0
    first = _schedule(progress_file)
    assert first is not None and first["last_review"] == START
    first_gap = first["due"] - START  # type: ignore[operator]
    assert timedelta(days=1) <= first_gap <= timedelta(days=4)

    # Not due yet: listed as coming up, and rating it is refused with the day it falls due.
    listed = at(START + timedelta(days=1), "review", "--json").json()
    assert _due(listed) == [] and _due(listed, "upcoming") == [TOKENIZATION]
    refused = at(START + timedelta(days=1), "review", "tokenization", "--rate", "good")
    assert refused.exit_code == 1 and refused.stdout == ""
    due_day = first["due"].date().isoformat()  # type: ignore[attr-defined]
    assert f"not due for review until {due_day}" in refused.stderr
    assert "--early" in refused.stderr

    # Due on its day: good pushes the next review further out than the first gap.
    day = first["due"]
    assert isinstance(day, datetime)
    assert _due(at(day, "review", "--json").json()) == [TOKENIZATION]
    good = at(day, "review", "tokenization", "--rate", "good", "--json")
    assert good.exit_code == 0, good.stderr
    after_good = _schedule(progress_file)
    assert after_good is not None
    good_gap = after_good["due"] - day  # type: ignore[operator]
    assert good_gap > first_gap
    assert good.json()["rated"]["after"]["due"] == _utc(after_good["due"])

    # Undo restores the schedule as it was; again, instead, brings it sooner than good did.
    assert at(day, "undo").exit_code == 0
    assert _schedule(progress_file) == first
    assert at(day, "review", "tokenization", "--rate", "again").exit_code == 0
    after_again = _schedule(progress_file)
    assert after_again is not None
    assert after_again["due"] - day < good_gap  # type: ignore[operator]
    assert after_again["stability"] < after_good["stability"]  # type: ignore[operator]

    # Redo after an undo brings the rating back exactly.
    assert at(day, "undo").exit_code == 0
    assert at(day, "redo").exit_code == 0
    assert _schedule(progress_file) == after_again

    # Weeks on: each good review pushes the next one further out.
    moment, gaps = day, []
    for _ in range(3):
        schedule = _schedule(progress_file)
        assert schedule is not None
        moment = schedule["due"]  # type: ignore[assignment]
        result = at(moment, "review", "tokenization", "--rate", "good")
        assert result.exit_code == 0, result.stderr
        later = _schedule(progress_file)
        assert later is not None
        gaps.append(later["due"] - moment)  # type: ignore[operator]
    assert gaps == sorted(gaps) and gaps[0] < gaps[-1]
    final = _schedule(progress_file)
    assert final is not None and final["due"] - START > timedelta(weeks=3)  # type: ignore[operator]


def _utc(moment: object) -> str:
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_early_rating_is_allowed_when_asked_for(at: At, progress_file: Path) -> None:
    at(START, "done", "tokenization")
    result = at(START + timedelta(hours=2), "review", "tokenization", "--rate", "easy", "--early")
    assert result.exit_code == 0, result.stderr
    assert "(easy, early)" in result.stdout
    schedule = _schedule(progress_file)
    assert schedule is not None and schedule["last_review"] == START + timedelta(hours=2)


@pytest.mark.parametrize("command", ["reset", "skip", "start"])
def test_a_topic_that_leaves_done_drops_its_schedule_and_undo_brings_it_back(
    at: At, progress_file: Path, command: str
) -> None:
    at(START, "done", "tokenization")
    day = START + timedelta(days=3)
    at(day, "review", "tokenization", "--rate", "hard")
    reviewed = _schedule(progress_file)
    assert reviewed is not None and reviewed["last_review"] == day
    assert at(day, command, "tokenization").exit_code == 0
    assert _schedule(progress_file) is None
    assert at(day, "review", "--json").json()["reviews"]["scheduled"] == 0
    assert at(day, "undo").exit_code == 0
    assert _schedule(progress_file) == reviewed  # not a fresh first review


def test_done_again_after_a_reset_starts_a_fresh_schedule(at: At, progress_file: Path) -> None:
    at(START, "done", "tokenization")
    at(START + timedelta(days=3), "review", "tokenization", "--rate", "easy")
    at(START + timedelta(days=4), "reset", "tokenization")
    again = START + timedelta(days=10)
    at(again, "done", "tokenization")
    schedule = _schedule(progress_file)
    assert schedule is not None and schedule["last_review"] == again


def test_what_cannot_be_reviewed_is_refused_clearly(at: At) -> None:
    at(START, "done", "scientist/1/1")
    not_done = at(START, "review", "tokenization", "--rate", "good")
    assert not_done.exit_code == 1
    assert not_done.stderr.startswith(f"error: '{TOKENIZATION}' is not done;")
    assert "llmcourse done" in not_done.stderr
    section = at(START, "review", "scientist/1", "--rate", "good", "--json")
    assert section.exit_code == 2 and section.json()["error"]["code"] == "wrong-kind"
    missing = at(START, "review", "--rate", "good")
    assert missing.exit_code == 2 and "--rate needs the id" in missing.stderr
    bad = at(START, "review", "scientist/1/1", "--rate", "perfect")
    assert bad.exit_code == 2 and "perfect" in bad.stderr
    unknown = at(START, "review", "no-such-topic")
    assert unknown.exit_code == 2


def test_the_first_screen_progress_and_next_say_how_many_reviews_are_due(at: At) -> None:
    at(START, "done", "tokenization", "attention-mechanisms")
    before = at(START, "--json").json()["reviews"]
    assert before["due"] == 0 and before["scheduled"] == 2 and before["next_due"] is not None
    assert "Review: none due today; the next is due in 2 days (2026-03-04)" in at(START).stdout
    day = START + timedelta(days=5)
    assert at(day, "--json").json()["reviews"]["due"] == 2
    screen = at(day).stdout
    assert "Review: 2 topics due today" in screen and "  llmcourse review\n" in screen
    assert at(day, "progress", "--json").json()["reviews"]["due"] == 2
    assert "Review: 2 topics due today" in at(day, "progress").stdout
    assert at(day, "next", "--json").json()["reviews"]["due"] == 2
    assert "Review: 2 topics due today" in at(day, "next").stdout
    at(day, "review", "tokenization", "--rate", "good")
    assert at(day, "--json").json()["reviews"]["due"] == 1


def test_a_learner_with_nothing_done_sees_no_review_line(at: At) -> None:
    assert "Review" not in at(START).stdout
    assert "Review" not in at(START, "progress").stdout
    listed = at(START, "review")
    assert listed.exit_code == 0 and listed.stdout.startswith("Nothing to review yet")


def test_due_is_by_the_learners_day_not_the_hour(at: At, progress_file: Path) -> None:
    at(START, "done", "tokenization")
    schedule = _schedule(progress_file)
    assert schedule is not None and isinstance(schedule["due"], datetime)
    morning = schedule["due"].replace(hour=7)  # the same day, before the hour it falls due
    assert _due(at(morning, "review", "--json").json()) == [TOKENIZATION]
    assert at(morning, "review", "tokenization", "--rate", "good").exit_code == 0


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX TZ rule")
def test_the_day_ends_at_midnight_on_a_day_summer_time_begins(
    at: At, progress_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Adak's rules, written out so that no time zone database is needed: UTC-10, and UTC-9 from
    # 2 a.m. on the second Sunday of March (8 March 2026). At 1 a.m. that day the clock is
    # still at UTC-10, but the day ends at midnight in UTC-9, 09:00 in UTC.
    at(START, "done", "tokenization")
    _set_schedule(
        progress_file,
        "due = 2026-03-09T09:30:00Z, last_review = 2026-03-07T09:30:00Z, "
        'stability = 2.0, difficulty = 5.0, state = "review"',
    )
    monkeypatch.setenv("TZ", "HST10HDT,M3.2.0,M11.1.0")
    time.tzset()
    night = datetime(2026, 3, 8, 11, 0, tzinfo=UTC)  # 1 a.m. on the 8th, on the learner's clock
    listed = at(night, "review", "--json").json()
    assert _due(listed) == [] and _due(listed, "upcoming") == [TOKENIZATION]
    refused = at(night, "review", "tokenization", "--rate", "good")
    assert refused.exit_code == 1 and "until 2026-03-09" in refused.stderr
    # Past midnight, on the 9th, it is due.
    assert _due(at(night + timedelta(hours=22, minutes=1), "review", "--json").json()) == [
        TOKENIZATION
    ]


def test_log_lists_reviews_and_what_undo_took_back(at: At) -> None:
    at(START, "done", "tokenization")
    day = START + timedelta(days=3)
    at(day, "review", "tokenization", "--rate", "good")
    at(day, "undo")
    shown = at(day, "log").stdout
    assert "reviewed: good" in shown and "review taken back" in shown
    events = at(day, "log", "--json").json()["events"]
    review = next(e for e in events if e["command"] == "review")
    assert review["rating"] == "good"
    assert review["before"]["last_review"] == "2026-03-02T20:00:00Z"
    assert review["after"]["last_review"] == "2026-03-05T20:00:00Z"
    assert "review (good) restored" in at(day, "redo").stdout  # the review is back
    assert "review (good) taken back" in at(day, "undo").stdout
    assert at(day, "redo").exit_code == 0
    # A review is not a topic done: the recent work lists tokenization once.
    recent = at(day, "progress").stdout
    assert recent.count("Tokenization") == 1, recent


def test_the_listing_in_a_pipe_is_a_row_a_line_with_the_date_first(at: At, piped: None) -> None:
    at(START, "done", "scientist/1")
    day = START + timedelta(days=5)
    shown = at(day, "review").stdout.splitlines()
    assert shown[0] == "4 topics are due for review today:"
    rows = [line for line in shown if re.match(r"  \d{4}-\d\d-\d\d  scientist/", line)]
    assert len(rows) == 4
    assert "  llmcourse review scientist/1/1 --rate good" in shown[-1] or any(
        "--rate good" in line for line in shown
    )


def test_a_progress_file_of_schema_3_gets_first_reviews_from_when_topics_were_done(
    at: At, data_dir: Path, progress_file: Path
) -> None:
    data_dir.mkdir(parents=True)
    original = (
        'schema_version = 3\ncourse = "llm-course"\nrevision = 0\nhistory_size = 0\n\n'
        "[entries]\n"
        f'"{TOKENIZATION}" = {{ status = "done", changed = 2026-02-01T10:00:00Z }}\n'
        '"scientist/architecture/nanogpt" = { status = "done", changed = 2026-02-01T10:00:00Z }\n'
    ).encode()
    progress_file.write_bytes(original)
    listed = at(START, "review", "--json").json()
    assert _due(listed) == [TOKENIZATION]  # long overdue; a reference has no review
    assert listed["due"][0]["schedule"]["last_review"] == "2026-02-01T10:00:00Z"
    assert progress_file.read_bytes() == original  # reading changes nothing
    assert at(START, "review", "tokenization", "--rate", "good").exit_code == 0
    written = tomllib.loads(progress_file.read_text("utf-8"))
    assert written["schema_version"] == 4 and list(written["reviews"]) == [TOKENIZATION]
    assert (data_dir / "progress.v3.toml").read_bytes() == original


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("stability = nan", "stability"),
        ("stability = 0.0", "stability"),
        ('state = "forgotten"', "state"),
        ("difficulty = 11.0", "difficulty"),
        ("due = 2026-03-01", "due"),
    ],
)
def test_a_damaged_schedule_is_a_clear_error_and_the_file_is_left_alone(
    at: At, progress_file: Path, value: str, says: str
) -> None:
    at(START, "done", "tokenization")
    text = progress_file.read_text("utf-8")
    key = says + " = "
    line = next(line for line in text.splitlines() if line.startswith(f'"{TOKENIZATION}" = {{ due'))
    fields = dict(part.split(" = ", 1) for part in line[line.index("{") + 2 : -2].split(", "))
    fields[says] = value.split(" = ", 1)[1]
    damaged = f'"{TOKENIZATION}" = {{ ' + ", ".join(f"{k} = {v}" for k, v in fields.items()) + " }"
    assert key in damaged
    progress_file.write_text(text.replace(line, damaged), "utf-8")
    before = progress_file.read_bytes()
    for args in (["review"], ["done", "attention-mechanisms"], ["progress"]):
        result = at(START, *args)
        assert result.exit_code == 1, args
        assert f"reviews.{TOKENIZATION}.{says}" in result.stderr or says in result.stderr
        assert "Traceback" not in result.stderr
    assert progress_file.read_bytes() == before


def _set_schedule(progress_file: Path, schedule: str) -> None:
    """Replace tokenization's schedule in the progress file with `schedule` (an inline table's
    fields), as a hand edit would."""
    text = progress_file.read_text("utf-8")
    line = next(line for line in text.splitlines() if line.startswith(f'"{TOKENIZATION}" = {{ due'))
    progress_file.write_text(text.replace(line, f'"{TOKENIZATION}" = {{ {schedule} }}'), "utf-8")


def test_a_rating_long_after_the_last_review_writes_a_file_that_can_be_read_again(
    at: At, progress_file: Path
) -> None:
    # The largest stability a file may hold, last reviewed on the first day a time can be: the
    # scheduler multiplies the stability past that largest, which must not reach the file.
    at(START, "done", "tokenization")
    _set_schedule(
        progress_file,
        "due = 0001-01-03T00:00:00Z, last_review = 0001-01-03T00:00:00Z, "
        'stability = 100000.0, difficulty = 1.0, state = "review"',
    )
    rated = at(START, "review", "tokenization", "--rate", "easy")
    assert rated.exit_code == 0, rated.stderr
    schedule = _schedule(progress_file)
    assert schedule is not None and schedule["stability"] == 100_000.0
    again = at(START, "review", "--json")
    assert again.exit_code == 0, again.stderr
    assert at(START, "undo").exit_code == 0  # the history line reads back too


def test_a_schedule_relearning_without_its_step_can_be_rated(at: At, progress_file: Path) -> None:
    # A step is written only where the scheduler gave one; a hand edit may leave it out.
    state = "relearning"
    at(START, "done", "tokenization")
    _set_schedule(
        progress_file,
        "due = 2026-03-03T20:00:00Z, last_review = 2026-03-02T20:00:00Z, "
        f'stability = 1.0, difficulty = 5.0, state = "{state}"',
    )
    rated = at(START + timedelta(days=2), "review", "tokenization", "--rate", "good")
    assert rated.exit_code == 0, rated.stderr
    schedule = _schedule(progress_file)
    assert schedule is not None and schedule["last_review"] == START + timedelta(days=2)


def test_a_topic_done_in_the_far_future_does_not_keep_llmcourse_from_starting(
    at: At, progress_file: Path
) -> None:
    # Its first review would fall due past the last day a time can be: it is worked out at the
    # latest time that leaves room for a year's gap, and the file is written as it can be read.
    at(START, "done", "attention-mechanisms")
    text = progress_file.read_text("utf-8")
    far = "9999-12-30T00:00:00+00:00"
    text = text.split("\n[reviews]")[0]  # the schedule as a file of schema 3 would lack it
    text += f'"{TOKENIZATION}" = {{ status = "done", changed = {far} }}\n'
    progress_file.write_text(text, "utf-8")
    for args in (["progress"], ["review", "--json"], ["done", "nanogpt"]):
        result = at(START, *args)
        assert result.exit_code == 0, (args, result.stderr)
    schedule = _schedule(progress_file)
    assert schedule is not None and isinstance(schedule["due"], datetime)
    assert schedule["due"].year >= 9998  # never due in this course's lifetime
    assert at(START, "review", "--json").exit_code == 0


def test_schedules_with_keys_of_a_newer_version_keep_them(at: At, progress_file: Path) -> None:
    at(START, "done", "tokenization")
    text = progress_file.read_text("utf-8").replace(
        'state = "review"', 'state = "review", seen = 3'
    )
    progress_file.write_text(text, "utf-8")
    at(START + timedelta(days=5), "review", "tokenization", "--rate", "good")
    schedule = _schedule(progress_file)
    assert schedule is not None and schedule["seen"] == 3
    assert schedule["last_review"] == START + timedelta(days=5)


def test_a_file_of_a_newer_schema_shows_its_schedules_and_refuses_a_rating(
    at: At, data_dir: Path, progress_file: Path
) -> None:
    data_dir.mkdir(parents=True)
    content = (
        'schema_version = 99\ncourse = "llm-course"\n[entries]\n'
        f'"{TOKENIZATION}" = {{ status = "done", changed = 2026-02-01T10:00:00Z }}\n[reviews]\n'
        f'"{TOKENIZATION}" = {{ due = 2026-04-01T10:00:00Z, last_review = 2026-03-01T10:00:00Z, '
        'stability = 30.0, difficulty = 5.0, state = "review", mood = "calm" }\n'
    ).encode()
    progress_file.write_bytes(content)
    listed = at(START, "review", "--json")
    assert listed.json()["upcoming"][0]["schedule"]["due"] == "2026-04-01T10:00:00Z"
    assert "newer than this llmcourse understands" in listed.stderr
    refused = at(START, "review", "tokenization", "--rate", "good", "--early")
    assert refused.exit_code == 1 and "newer" in refused.stderr
    assert progress_file.read_bytes() == content


def test_the_first_screen_and_review_json_do_not_load_the_scheduler(at: At) -> None:
    at(START, "done", "tokenization", "attention-mechanisms")
    script = (
        "import sys; from llmcourse.cli import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('fsrs' in sys.modules, file=sys.stderr)"
    )
    for args in ([], ["review", "--json"], ["progress", "--json"], ["next", "--json"]):
        result = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
        )
        assert result.stderr.strip().splitlines()[-1] == "False", args


class _OnATerminal:
    """`llmcourse review` run by the installed command on a pseudo-terminal, as a learner meets
    it (real time: what it reviews was done a month ago)."""

    def __init__(self) -> None:
        import pty

        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"TERM": "xterm"}
        self.main, side = pty.openpty()
        self.process = subprocess.Popen(
            [installed(), "review"], stdin=side, stdout=side, stderr=side, env=env, close_fds=True
        )
        os.close(side)
        self.seen = b""

    def until(self, pattern: bytes, times: int = 1) -> bool:
        """Read until `pattern` has been shown `times` times, or the review has ended, or 30
        seconds have passed; whether it was."""
        import select

        deadline = time.monotonic() + 30
        while self.seen.count(pattern) < times and time.monotonic() < deadline:
            if select.select([self.main], [], [], 1)[0]:
                try:
                    chunk = os.read(self.main, 65536)
                except OSError:  # the review has ended and its terminal closed
                    break
                if not chunk:
                    break
                self.seen += chunk
            elif self.process.poll() is not None:
                break
        return self.seen.count(pattern) >= times

    def press(self, keys: bytes) -> None:
        os.write(self.main, keys)

    def end(self) -> str:
        """Wait for the review to end: all it showed, without colour, lines ended by \\n."""
        self.process.wait(timeout=30)
        self.until(b"\0")  # what is left to read, up to the terminal's closing
        os.close(self.main)
        text = self.seen.decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")


def _done_a_month_ago(at: At) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)  # the installed command keeps real time
    at(long_ago, "done", "tokenization", "attention-mechanisms")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_review_on_a_terminal_asks_a_key_per_topic_and_q_stops(
    at: At, progress_file: Path
) -> None:
    _done_a_month_ago(at)
    at(datetime.now(UTC), "note", "tokenization", "BPE merges the most frequent pair [red]x[/red]")
    review = _OnATerminal()
    review.until(b"Recalled it?")
    review.press(b"x")  # not a rating: asked again
    review.until(b"Recalled it?", 2)
    review.press(b"g")
    review.until(b"Recalled it?", 3)
    review.press(b"q")
    text = review.end()
    assert review.process.returncode == 0
    assert "Review 1 of 2" in text and "Review 2 of 2" in text
    assert "[red]x[/red]" in text  # the learner's note, literally
    assert "Reviewed Tokenization (good)" in text
    assert "Reviewed 1 topic." in text and "1 topic is still due today" in text
    history = (progress_file.parent / "history.jsonl").read_text("utf-8")
    assert history.count('"command": "review"') == 1


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_keys_typed_ahead_answer_a_question_each(at: At, progress_file: Path) -> None:
    # Two keys that reach llmcourse in one read (typed quickly, pasted, over a slow link) are
    # two answers, in order, and an arrow between them is one key that answers nothing.
    _done_a_month_ago(at)
    review = _OnATerminal()
    review.until(b"Recalled it?")
    review.press(b"g\x1b[Ah")
    text = review.end()
    assert review.process.returncode == 0, text
    assert "Reviewed Tokenization (good)" in text, text
    assert "(hard)" in text, text
    history = (progress_file.parent / "history.jsonl").read_text("utf-8")
    assert '"rating": "good"' in history and '"rating": "hard"' in history


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_topic_rated_elsewhere_during_a_review_is_passed_over(
    at: At, progress_file: Path
) -> None:
    # A second review on another terminal (or a script) rates the topic that comes next: the
    # review in progress passes over it, rather than ending in an error after a rating.
    _done_a_month_ago(at)
    review = _OnATerminal()
    review.until(b"Recalled it?")
    elsewhere = at(datetime.now(UTC), "review", "attention-mechanisms", "--rate", "easy")
    assert elsewhere.exit_code == 0, elsewhere.stderr
    review.press(b"g")
    review.until(b"Review 2 of 2")  # until the review ends, or shows the topic rated
    if review.process.poll() is None:
        review.press(b"g")  # the rating that would end in an error
    text = review.end()
    assert review.process.returncode == 0, text
    assert "error" not in text and "Review 2 of 2" not in text, text
    assert "Reviewed 1 topic." in text, text
    history = (progress_file.parent / "history.jsonl").read_text("utf-8")
    assert history.count('"command": "review"') == 2


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_review_on_a_terminal_of_a_file_it_cannot_change_is_refused_before_a_topic(
    data_dir: Path, progress_file: Path
) -> None:
    # A file of a newer schema is read but never written: rather than show a topic and refuse
    # its rating, the review says so at once.
    data_dir.mkdir(parents=True)
    long_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat(timespec="seconds")
    content = (
        'schema_version = 99\ncourse = "llm-course"\n[entries]\n'
        f'"{TOKENIZATION}" = {{ status = "done", changed = {long_ago} }}\n'
    ).encode()
    progress_file.write_bytes(content)
    review = _OnATerminal()
    if review.until(b"Recalled it?"):
        review.press(b"q")
    text = review.end()
    assert review.process.returncode == 1, text
    assert "Recalled it?" not in text and "newer than" in text, text
    assert progress_file.read_bytes() == content


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_with_nothing_due_review_says_what_comes_next(at: At) -> None:
    at(datetime.now(UTC), "done", "tokenization")  # its first review is two days off
    review = _OnATerminal()
    text = review.end()
    assert review.process.returncode == 0, text
    assert "Recalled it?" not in text and "Nothing is due for review today." in text, text
    assert "Coming up:" in text and "Tokenization" in text, text
