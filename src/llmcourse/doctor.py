"""`llmcourse doctor`: look over the progress, its history and backup, and say what is wrong.

Examining never changes a file. Fixing (an explicit flag) only ever moves a bad file aside
under a timestamped name and puts the backup, or nothing, in its place: no byte is deleted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from llmcourse import history, progressfile, regular, review, store, tracker
from llmcourse.catalog import Catalog
from llmcourse.errors import ProgressFileError
from llmcourse.progressfile import SCHEMA_VERSION, ProgressFile
from llmcourse.wording import status_word

Level = Literal["problem", "note"]

# Findings of one kind beyond this many are told as a count: a file may hold thousands.
LISTED = 20


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    message: str
    file: Path | None = None
    line: int | None = None
    hint: str | None = None


@dataclass
class Report:
    progress_path: Path
    findings: list[Finding] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)  # what `--fix` did, in words

    @property
    def problems(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.level == "problem"]

    @property
    def fixable(self) -> bool:
        """Whether `--fix` would act on any of the problems (it cannot make a folder writable
        or a pipe a file)."""
        return any(finding.code in FIXABLE for finding in self.problems)

    def add(self, level: Level, code: str, message: str, **where: Any) -> None:
        self.findings.append(Finding(level, code, message, **where))


@dataclass
class _Read:
    """What examining the progress file found: its data, or why it is bad."""

    data: ProgressFile | None = None
    bad: bool = False  # a file `--fix` may set aside: not UTF-8, not TOML, not the right shape


def examine(catalog: Catalog, path: Path, *, kept: bool = True) -> Report:
    """What is wrong with the progress file at `path`, its history and backup.

    With `kept` (the default), what an earlier run found in the history's lines is used while
    those bytes are the same (`history.check`). `fix` examines without: it acts on what it
    finds.
    """
    report = Report(path)
    folder = path.parent
    if not folder.exists():
        report.add("note", "no-data-folder", f"nothing recorded yet: {folder} does not exist")
        return report
    if not os.access(folder, os.W_OK):
        report.add(
            "problem",
            "folder-not-writable",
            f"the data folder {folder} is not writable: changes will fail",
            file=folder,
            hint="Fix its permissions, or set LLMCOURSE_DATA_DIR to a writable folder",
        )
    read = _examine_progress(catalog, path, report)
    if read.data is not None:
        _examine_entries(catalog, read.data, report)
        _examine_history(history.history_path(path), read.data, report, kept)
    _examine_backup(catalog, path, report)
    stale = store.stale_temporaries(path)
    if stale:
        report.add(
            "note",
            "stale-temporary",
            f"{len(stale)} temporary file{'s' if len(stale) > 1 else ''} left by an interrupted "
            f"write ({', '.join(p.name for p in stale)}); the next change clears "
            f"{'them' if len(stale) > 1 else 'it'}",
            file=folder,
        )
    return report


def _missing_progress(catalog: Catalog, path: Path, report: Report) -> _Read:
    """What it means that there is no progress file: a broken link, a lost file whose backup is
    still there, or nothing recorded yet."""
    if path.is_symlink():
        report.add(
            "problem",
            "dangling-link",
            f"{path} is a link to {os.readlink(path)}, which does not exist",
            file=path,
            hint="Restore or mount its target; --fix sets the link aside",
        )
        return _Read(bad=True)
    backup = store.backup_path(path)
    if _usable_backup(catalog, backup) is not None:
        report.add(
            "problem",
            "missing-progress",
            f"{path} does not exist, but its backup {backup.name} does",
            file=path,
            hint="--fix restores the backup; or, to start afresh, move the backup away",
        )
    else:
        report.add("note", "no-progress-file", f"nothing recorded yet: {path} does not exist")
    history_file = history.history_path(path)
    if history_file.exists() and history_file.stat().st_size:
        report.add(
            "note",
            "history-without-progress",
            f"{history_file.name} holds the history of a progress file that is gone; the "
            "next change keeps it whole as history.set-aside-<time>.jsonl and starts anew",
            file=history_file,
        )
    return _Read()


def _examine_progress(catalog: Catalog, path: Path, report: Report) -> _Read:
    try:
        content = store.read_file(path)
    except FileNotFoundError:
        return _missing_progress(catalog, path, report)
    except OSError as err:
        report.add(
            "problem",
            "unreadable",
            f"cannot read {path}: {err.strerror or err}",
            file=path,
            hint=regular.MOVE_IT if regular.refused(err) else "Check its permissions",
        )
        return _Read()
    reading = progressfile.read(content)
    for problem in reading.problems:
        report.add("problem", problem.code, problem.message, file=path, line=problem.line)
    if reading.newer is not None:
        report.add(
            "note",
            "newer-schema",
            f"schema_version {reading.newer} is newer than this llmcourse understands "
            f"({SCHEMA_VERSION}): it can be read but not changed",
            file=path,
            hint="Upgrade llmcourse to change your progress",
        )
        return _Read()
    data = reading.data
    if data is None:
        return _Read(bad=True)
    if data.course is not None and data.course != catalog.course.id:
        report.add(
            "problem",
            "other-course",
            f"{path} belongs to the course '{data.course}', not '{catalog.course.id}'",
            file=path,
            hint="Point LLMCOURSE_DATA_DIR at another folder; --fix leaves this file alone",
        )
        return _Read()
    if data.schema_version < SCHEMA_VERSION:
        original = store.original_path(path, data.schema_version).name
        report.add(
            "note",
            "older-schema",
            f"schema_version {data.schema_version}: the next change migrates it to "
            f"{SCHEMA_VERSION} and keeps the original as {original}",
            file=path,
        )
    return _Read(data)


def _examine_entries(catalog: Catalog, data: ProgressFile, report: Report) -> None:
    carried, moved = tracker.carry_over(catalog, data)
    for item in moved:
        report.add(
            "note",
            "carried-over",
            f"the entry '{item.former_id}' is for {item.node.id} now (the course renamed or "
            "moved it); the next change writes it under the new id",
        )
    orphaned = [key for key in carried.notes if key not in catalog.nodes]
    _listed(
        report,
        [
            f"your notes on '{key}' are for nothing in this course (from an earlier course "
            "version?); they are kept"
            for key in orphaned[: LISTED + 1]
        ],
        f"and your notes on {len(orphaned) - LISTED:,} more ids like these, all kept",
    )
    unknown = tracker.unknown_entries(catalog, carried)
    _listed(
        report,
        [
            f"the entry '{entry_id}' is for {current} now, which has an entry of its own; "
            "it is kept and counted nowhere"
            if (current := catalog.former.get(entry_id))
            else f"the entry '{entry_id}' matches nothing in this course (from an earlier "
            "course version?); it is kept and counted nowhere"
            for entry_id in unknown[: LISTED + 1]
        ],
        f"and {len(unknown) - LISTED:,} more entries like these, kept and counted nowhere "
        "('llmcourse export --format json' lists every entry)",
    )
    _examine_reviews(catalog, carried, report)


def _examine_reviews(catalog: Catalog, data: ProgressFile, report: Report) -> None:
    """Review schedules that nothing uses (only a topic done in the course is reviewed), and
    schedules whose next review the scheduler could not have set."""
    unused: list[str] = []
    longest = timedelta(days=review.MAX_INTERVAL_DAYS)
    for key, schedule in data.reviews.items():
        node = catalog.nodes.get(key)
        if node is None:
            current = catalog.former.get(key)
            unused.append(
                f"the review schedule kept under '{key}' is for {current} now, which has one "
                "of its own; it is kept, not used"
                if current
                else f"the review schedule of '{key}' is for nothing in this course (from an "
                "earlier course version?); it is kept, not used"
            )
        elif node.kind != "topic":
            unused.append(
                f"'{key}' is a {node.kind}, and only topics are reviewed: its review schedule "
                "is kept, not used"
            )
        elif (status := tracker.status_of(data, key)) != "done":
            unused.append(
                f"'{key}' is {status_word(status)}, not done: its review schedule is kept, not used"
            )
        elif schedule.due < schedule.last_review or schedule.due - schedule.last_review > longest:
            when = "before" if schedule.due < schedule.last_review else "more than a year after"
            report.add(
                "problem",
                "bad-schedule",
                f"the review schedule of '{key}' falls due {when} its last review "
                f"({_day(schedule.due)}, reviewed {_day(schedule.last_review)}): the scheduler "
                f"never sets that (its longest gap is {review.MAX_INTERVAL_DAYS} days)",
                hint="Your next review of it sets a new schedule",
            )
    _listed(
        report,
        unused[: LISTED + 1],
        f"and {len(unused) - LISTED:,} more review schedules like these, kept, not used",
        code="unused-schedule",
    )


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _listed(
    report: Report, messages: list[str], rest: str, code: str = "earlier-course-version"
) -> None:
    """Notes on items from an earlier course version: the first `LISTED`, then `rest` in their
    place when there are more (`messages` holds at most one more, to tell)."""
    for message in messages[:LISTED]:
        report.add("note", code, message)
    if len(messages) > LISTED:
        report.add("note", code, rest)


def _examine_history(path: Path, data: ProgressFile, report: Report, kept: bool) -> None:
    try:
        found = history.check(path, data.history_size, data.revision, kept=kept)
    except ProgressFileError as err:
        report.add("problem", "unreadable-history", err.message, file=path, hint=err.hint)
        return
    # A history that is not this progress's is one problem, however its lines read.
    for line, reason in [] if found.mismatch else found.problems:
        report.add(
            "problem",
            "bad-history-line",
            f"a history line cannot be read: {reason}",
            file=path,
            line=line,
            hint="--fix sets the history aside and starts a new one",
        )
    if found.missing_bytes:
        report.add(
            "problem",
            "history-cut-short",
            f"the history is {found.missing_bytes} bytes shorter than the progress file "
            "records: something else cut or replaced it",
            file=path,
            hint="--fix sets it aside and starts a new one",
        )
    elif found.mismatch:
        report.add(
            "problem",
            "history-mismatch",
            f"the history does not end where the progress file says (change "
            f"{data.revision}): one of them was restored or copied without the other",
            file=path,
            hint="--fix sets the history aside and starts a new one; the next change would too",
        )
    if found.pending_bytes and not found.mismatch:
        report.add(
            "note",
            "unrecorded-events",
            f"{found.pending_bytes} bytes at the end of the history are events the progress "
            "file does not hold (a change that never completed, or one undone by restoring a "
            "backup); the next change moves them to a file of their own",
            file=path,
        )


def _examine_backup(catalog: Catalog, path: Path, report: Report) -> None:
    backup = store.backup_path(path)
    if not backup.exists():
        return
    if backup.is_dir():  # no change can put the backup where a folder is
        report.add(
            "problem",
            "backup-not-a-file",
            f"the backup {backup.name} is a folder, not a file: no backup of your progress "
            "can be kept",
            file=backup,
            hint=regular.MOVE_IT,
        )
        return
    if _usable_backup(catalog, backup) is None:
        report.add(
            "note",
            "bad-backup",
            f"the backup {backup.name} cannot be used (unreadable, or another course); the "
            "next change replaces it",
            file=backup,
        )


def _usable_backup(catalog: Catalog, backup: Path) -> ProgressFile | None:
    try:
        data = store.parse(store.read_file(backup), backup)
    except (OSError, ProgressFileError):
        return None
    if data.schema_version > SCHEMA_VERSION:
        return None
    if data.course is not None and data.course != catalog.course.id:
        return None
    return data


# The problems `fix` acts on: a progress file it sets aside (restoring the backup), a missing one
# whose backup it restores, a history it sets aside.
BAD_PROGRESS = frozenset({"not-utf8", "not-toml", "bad-field", "dangling-link"})
BAD_HISTORY = frozenset(
    {"bad-history-line", "history-cut-short", "history-mismatch", "unreadable-history"}
)
FIXABLE = BAD_PROGRESS | BAD_HISTORY | {"missing-progress"}


def fix(catalog: Catalog, path: Path) -> Report:
    """Set a bad progress file or history aside, restoring the backup where it can be used.

    Call it under the progress lock; it examines again, so it acts on what is there now.
    At no moment is there no progress file: the bad one is kept under another name first,
    then replaced in one step.
    """
    report = examine(catalog, path, kept=False)
    codes = {finding.code for finding in report.problems}
    bad_progress = BAD_PROGRESS & codes
    bad_history = BAD_HISTORY & codes
    try:
        if bad_progress:
            _replace_progress(catalog, path, report)
        elif "missing-progress" in codes:
            _restore_backup(catalog, path, report)
        elif bad_history:
            _set_history_aside(catalog, path, report)
    except OSError as err:
        raise ProgressFileError(
            f"cannot set files aside in {path.parent}: {err.strerror or err}",
            "Check that the folder is writable; nothing was lost",
        ) from None
    if report.fixed:
        after = examine(catalog, path, kept=False)
        after.fixed = report.fixed
        return after
    return report


def _replace_progress(catalog: Catalog, path: Path, report: Report) -> None:
    target = Path(os.path.realpath(path))
    if target.exists():
        kept = store.keep_copy(target, "broken")
    else:  # a link to nothing: the link itself goes aside
        kept = store.set_aside(path, label="broken")
        target = path
    report.fixed.append(f"kept the bad progress file as {kept}")
    if not _restore_backup(catalog, target, report, progress_path=path):
        history_file = history.history_path(path)
        if os.path.lexists(history_file):
            aside = store.set_aside(history_file, label="set-aside")
            report.fixed.append(f"kept the history of the bad file as {aside.name}")
        empty = progressfile.empty(catalog.course.id)
        store.write_atomic(target, progressfile.encode(empty))
        report.fixed.append("no usable backup: started afresh with no progress recorded")


def _restore_backup(
    catalog: Catalog, target: Path, report: Report, progress_path: Path | None = None
) -> bool:
    backup = store.backup_path(progress_path or target)
    restored = _usable_backup(catalog, backup)
    if restored is None:
        return False
    store.write_atomic(target, store.read_file(backup))
    when = datetime.fromtimestamp(backup.stat().st_mtime, UTC).astimezone()
    report.fixed.append(
        f"restored the backup of {when:%Y-%m-%d %H:%M} ({_count(restored)}); what changed "
        "after it is not in your progress, and its events are kept in a file of their own "
        "with the next change"
    )
    return True


def _set_history_aside(catalog: Catalog, path: Path, report: Report) -> None:
    history_file = history.history_path(path)
    if os.path.lexists(history_file):
        aside = store.set_aside(history_file, label="set-aside")
        report.fixed.append(f"kept the history aside as {aside.name}; a new one starts")
    else:
        report.fixed.append("the history file is missing: a new one starts with the next change")
    progress = store.load(path, catalog.course.id)
    progress.data = progress.data.replace(history_size=0)
    store.save(progress)


def _count(data: ProgressFile) -> str:
    done = sum(1 for entry in data.entries.values() if entry.status == "done")
    return f"{done} item{'s' if done != 1 else ''} done"
