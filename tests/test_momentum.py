"""Momentum: what was done lately, streaks by the learner's own calendar, the activity chart."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from conftest import Run
from llmcourse import session
from llmcourse.progressfile import Event
from llmcourse.timeline import momentum

Invoke = Callable[..., Run]

NEW_YORK = timezone(timedelta(hours=-5))
TOKYO = timezone(timedelta(hours=9))


def _event(rev: int, when: datetime, item: str = "a/b/c", new: str = "done") -> Event:
    return Event(rev, when, "done", item, "not-started", new)


def test_a_streak_counts_days_in_a_row_up_to_today() -> None:
    days = [datetime(2026, 11, d, 20, 0, tzinfo=UTC) for d in (20, 21, 22, 25, 26, 27)]
    going = momentum([_event(i, t) for i, t in enumerate(days, 1)], date(2026, 11, 27), UTC)
    assert (going.streak, going.longest) == (3, 3)
    # Today is not over: a streak that reached yesterday is still alive.
    assert momentum([_event(1, days[-1])], date(2026, 11, 28), UTC).streak == 1
    assert momentum([_event(1, days[-1])], date(2026, 11, 29), UTC).streak == 0


def test_midnight_divides_days_on_the_learners_clock() -> None:
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    early = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    events = [_event(1, late), _event(2, early)]
    assert momentum(events, date(2026, 11, 27), UTC).streak == 2
    # In New York both were on the 26th (18:30 and 19:30): one day, not two.
    in_new_york = momentum(events, date(2026, 11, 26), NEW_YORK)
    assert (in_new_york.streak, list(in_new_york.days.values())) == (1, [2])


def test_a_time_zone_change_moves_the_days_with_the_learner() -> None:
    # Done at 20:00 UTC on three days in a row; seen from Tokyo (UTC+9) the same moments fall
    # at 05:00 the next mornings: still three days in a row, each a day later.
    events = [_event(d, datetime(2026, 11, d, 20, 0, tzinfo=UTC)) for d in (24, 25, 26)]
    assert momentum(events, date(2026, 11, 26), UTC).streak == 3
    in_tokyo = momentum(events, date(2026, 11, 27), TOKYO)
    assert in_tokyo.streak == 3
    assert sorted(in_tokyo.days) == [date(2026, 11, d) for d in (25, 26, 27)]


def test_recent_is_the_last_things_done_newest_first() -> None:
    start = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    events = [
        _event(1, start, "x/y/one"),
        _event(2, start + timedelta(hours=1), "x/y/two"),
        _event(3, start + timedelta(hours=2), "x/y/three", new="not-started"),
        _event(4, start + timedelta(hours=3), "x/y/four"),
    ]
    recent = momentum(events, date(2026, 11, 27), UTC).recent
    assert [e.id for e in recent] == ["x/y/four", "x/y/two", "x/y/one"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    """Set the time llmcourse sees, and the learner's time zone (UTC unless a test says)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(session, "utc_now", lambda: moment)

    yield set_to
    monkeypatch.undo()
    time.tzset()


def test_progress_ends_with_recent_work_and_the_streak(
    run: Invoke, clock: Callable[[datetime], None]
) -> None:
    for day, topic in ((25, "scientist/1/1"), (26, "scientist/1/2"), (27, "scientist/1/3")):
        clock(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        run("done", topic)
    text = run("progress").stdout
    assert "Recently done: Attention mechanisms (2026-11-27), Tokenization (2026-11-26)" in text
    assert "Streak: 3 days in a row (longest 3)" in text
    clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert "Streak: 0 days in a row (longest 3)" in run("progress").stdout


def test_a_fresh_learner_sees_no_momentum(run: Invoke) -> None:
    assert "Streak" not in run("progress").stdout


def test_the_chart_shades_each_day_of_the_last_twelve_weeks(
    run: Invoke, clock: Callable[[datetime], None]
) -> None:
    clock(datetime(2026, 11, 26, 21, 0, tzinfo=UTC))  # a Thursday
    run("done", "scientist/2")  # four changes
    clock(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # a Friday
    run("done", "tokenization")
    lines = run("log", "--chart").stdout.splitlines()
    rows = {line[:3]: line for line in lines if line[:3] in ("Mon", "Thu", "Fri", "Sat")}
    cells = {name: row[5:].split() for name, row in rows.items()}
    assert len(cells["Mon"]) == 12
    assert cells["Thu"][-1] == "▒" and cells["Fri"][-1] == "░"  # 4 events, then 1
    assert len(cells["Sat"]) == 11  # tomorrow is not drawn
    assert "5 events in 12 weeks" in lines[-1]


def test_recent_leaves_out_what_was_undone_or_is_done_no_more(
    run: Invoke, clock: Callable[[datetime], None]
) -> None:
    clock(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    run("done", "nanogpt")
    run("undo")
    run("done", "tokenization")
    run("reset", "tokenization")
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    run("reset", "attention-mechanisms")
    text = run("progress").stdout
    line = next(row for row in text.splitlines() if row.startswith("Recently done"))
    assert line.count("Tokenization") == 1
    assert "nanoGPT" not in line and "Attention" not in line


def test_daylight_saving_time_does_not_move_past_days(
    run: Invoke, clock: Callable[[datetime], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database here")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    summer, winter = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))
    # Berlin leaves summer time on 2026-10-25: 00:30 on the 24th is still the 24th there.
    for moment, topic in (
        (datetime(2026, 10, 24, 0, 30, tzinfo=summer), "scientist/1/1"),
        (datetime(2026, 10, 25, 12, 0, tzinfo=winter), "scientist/1/2"),
        (datetime(2026, 10, 26, 12, 0, tzinfo=winter), "scientist/1/3"),
    ):
        clock(moment)
        run("done", topic)
    assert "Streak: 3 days in a row" in run("progress").stdout
    chart = run("log", "--chart").stdout.splitlines()
    friday = next(row for row in chart if row.startswith("Fri"))
    saturday = next(row for row in chart if row.startswith("Sat"))
    assert friday[5:].split()[-1] == "·" and saturday[5:].split()[-1] == "░"


def test_progress_activity_draws_the_calendar(run: Invoke) -> None:
    run("done", "tokenization")
    text = run("progress", "--activity").stdout
    assert "1 event in 12 weeks" in text and "Mon" in text


def test_dates_typed_for_log_follow_the_clock_of_the_run(
    run: Invoke, clock: Callable[[datetime], None]
) -> None:
    clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    run("done", "scientist/1/1")
    clock(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    run("done", "scientist/1/2")
    clock(datetime(2026, 3, 4, 21, 0, tzinfo=UTC))
    today = run("log", "--since", "today", "--json").json()["events"]
    assert [event["id"] for event in today] == ["scientist/architecture/tokenization"]
    span = run("log", "--since", "3d", "--until", "yesterday", "--json").json()["events"]
    assert [event["id"] for event in span] == ["scientist/architecture/architectural-overview"]


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="TZ strings are read on POSIX only")
@pytest.mark.parametrize("zone", ["UTC+24", "AAA-24", "AAA-23BBB+25"])
def test_a_clock_a_day_or_more_from_utc_falls_back_to_utc(
    run: Invoke, clock: Callable[[datetime], None], monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    # glibc takes these zones; a Python time's offset must be under a day.
    clock(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    run("done", "scientist/1/2")
    run("note", "scientist/1/2", "BPE first")
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    said = f"note: the time zone TZ='{zone}' is a day or more from UTC"
    for args in (
        ["progress"],
        ["progress", "--activity"],
        ["log", "--chart"],
        ["log"],
        ["log", "--since", "today"],
        ["export", "--format", "markdown"],
    ):
        monkeypatch.setenv("TZ", zone)  # as the learner has it, each run
        time.tzset()
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr.startswith(said), (args, result.stderr)
        if args == ["progress"]:
            assert "Recently done: Tokenization (2026-11-27)" in result.stdout
        if args == ["log"]:
            assert "2026-11-27 21:00" in result.stdout
        if args[0] == "export":
            assert "BPE first (2026-11-27)" in result.stdout
