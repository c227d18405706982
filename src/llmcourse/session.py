"""One run of llmcourse: the course it works on, its clock, the learner's progress on that
course, and the notes it has for the learner along the way.

Commands get the session from the command group (`ctx.ensure_object(Session)`). Reading the
progress carries entries kept under former ids over to today's ids; changing it happens under
the lock as one recorded change (`change`), so that no command handles the lock, the history or
the files itself.

Every run makes a session, a Tab completion and `--help` included. Completion never touches the
progress and `--help` not even the course, so the catalog, the store and the tracker are
imported by the methods that use them: loaded at the top, they would add about 3% to completing
an id (measured in instructions).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from llmcourse import store
    from llmcourse.catalog import Catalog
    from llmcourse.tracker import Update

R = TypeVar("R")


def utc_now() -> datetime:
    """The time now, to the second, in UTC: the clock every session uses unless given one."""
    return datetime.now(UTC).replace(microsecond=0)


class Session:
    """What one run of llmcourse works with."""

    def __init__(
        self,
        roadmaps: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        fuzz: bool = True,
    ) -> None:
        self.roadmaps = roadmaps  # a roadmap file of the learner's own, else the bundled course
        self._clock = clock
        # Whether review gaps are moved by a little at random (see `review.reviewed`); a test
        # turns it off to check the scheduler's own gaps.
        self.fuzz = fuzz
        self._catalog: Catalog | None = None
        # Notes for the learner that are not the command's output (on standard error).
        self.notices: list[str] = []
        # Whether the command was asked for JSON: set as its options are read, None before.
        self.wants_json: bool | None = None
        # What the group's own options answer instead of a command (--version), to be shown.
        self.group_result: object | None = None

    def now(self) -> datetime:
        return self._clock() if self._clock is not None else utc_now()

    def note(self, message: str) -> None:
        if message not in self.notices:  # read twice (before an editor, then to change), said once
            self.notices.append(message)

    @property
    def program(self) -> str:
        """How to run llmcourse on this course, in a command shown to be copied: with
        `--roadmaps FILE` where the file was given on the command line, not by
        `LLMCOURSE_ROADMAPS` (which the copied command finds by itself)."""
        import os
        import shlex

        if self.roadmaps is None:
            return "llmcourse"
        from_env = os.environ.get("LLMCOURSE_ROADMAPS", "")
        if from_env and Path(from_env).expanduser() == self.roadmaps:
            return "llmcourse"
        return f"llmcourse --roadmaps {shlex.quote(str(self.roadmaps))}"

    def course(self) -> Catalog:
        """The course this run works on: the bundled one, or the roadmap file chosen."""
        from llmcourse import catalog as catalogs

        if self._catalog is None:
            if self.roadmaps is not None:
                self._catalog = catalogs.load_file(self.roadmaps)
            else:
                self._catalog = catalogs.load_bundled()
        return self._catalog

    def progress_path(self) -> Path:
        from llmcourse import store

        return store.progress_path(self.course().course.id)

    def progress(self, *, to_change: bool = False) -> store.Progress:
        """The learner's progress as it is, for a command that reads it; `to_change` for one
        about to change it, which a file this version cannot write refuses at once."""
        from llmcourse import store

        progress = self._load(reading=not to_change)
        if to_change:
            store.ensure_writable(progress)
        return progress

    def _load(self, *, reading: bool) -> store.Progress:
        """The progress file, with entries under former ids carried over to today's ids, and a
        review schedule for each topic done."""
        from llmcourse import review, store, tracker

        course = self.course()
        path = self.progress_path()
        progress = store.load(path, course.course.id)
        progress.data, _ = tracker.carry_over(course, progress.data)
        progress.data = review.settle(course, progress.data, fuzz=self.fuzz)
        if progress.read_only and reading:
            self.note(f"{progress.read_only}. Upgrade llmcourse to change it")
        if not progress.exists and store.backup_path(path).exists():
            self.note(
                f"{path} does not exist, but its backup does; 'llmcourse doctor --fix' restores it"
            )
        return progress

    def change(
        self,
        apply: Callable[[store.Progress], Update[R]],
        *,
        dry_run: bool = False,
        after: Callable[[store.Progress], None] | None = None,
    ) -> R:
        """Apply an operation to the progress and record what it changes, as one change.

        The progress is read under the lock and `apply` works on it there, so two commands at
        once cannot lose each other's change; its update is then written (history first, then
        the progress file). `after` is given the progress as it is now, still under the lock
        (`sync` writes this machine's file from it). With `dry_run` nothing is locked or written.
        """
        from llmcourse import review, store

        lock = contextlib.nullcontext() if dry_run else store.locked(self.progress_path())
        with lock:
            progress = self._load(reading=False)
            update = apply(progress)
            if update.progress is not None and not dry_run:
                # A topic the change marks done gets its first review.
                changed = review.settle(self.course(), update.progress, fuzz=self.fuzz)
                self._kept(store.commit(progress, changed, update.events))
            if after is not None and not dry_run:
                after(progress)
        return update.result

    @contextlib.contextmanager
    def locked(self) -> Iterator[Path]:
        """Hold the progress lock, for work on the files themselves (`doctor --fix`)."""
        from llmcourse import store

        path = self.progress_path()
        with store.locked(path):
            yield path

    def _kept(self, paths: list[Path]) -> None:
        for path in paths:
            self.note(f"history lines that your progress file does not hold were kept in {path}")
