"""How llmcourse words things for people, in every view: the status symbols (each with an ASCII
form), status words, counts and local times."""

from __future__ import annotations

from datetime import datetime

from llmcourse.tracker import Count

# Each status's symbol, its ASCII form (for a terminal that cannot show the first), and colour.
SYMBOLS = {
    "not-started": ("·", "-", "dim"),
    "in-progress": ("▸", ">", "yellow"),
    "done": ("✓", "x", "green"),
    "skipped": ("⤼", "s", "magenta"),
}


def status_word(status: str, kind: str = "topic") -> str:
    """A status in words; references are read rather than done."""
    if kind == "reference":
        return {"done": "read", "not-started": "not read", "in-progress": "reading"}.get(
            status, status.replace("-", " ")
        )
    return status.replace("-", " ")


def local_time(moment: datetime) -> str:
    """A time as the learner's own clock shows it (in UTC where that clock cannot)."""
    try:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError):  # the first or last days a datetime can hold
        return moment.isoformat(sep=" ", timespec="minutes")


def counts(topics: Count, references: Count, dot: str = "·") -> str:
    """Done of those that count (skipped ones do not), topics and references."""
    return (
        f"{topics.done} of {topics.counted} topics done {dot} "
        f"{references.done} of {references.counted} references read"
    )
