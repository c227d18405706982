"""Commands about files: doctor, validate, export, import."""

import contextlib
import sys
from enum import StrEnum
from typing import Annotated

import typer

from llmcourse.commands import common
from llmcourse.commands.common import (
    JsonOption,
    _course,
    _kept,
    _note,
    _progress,
    handled,
)


def doctor(
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Set a bad progress file (or history) aside under a timestamped name and "
            "restore the backup, or start afresh when there is none.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check your progress file, its history and backup; say what is wrong and where.

    Exits 1 while a problem remains. Example: llmcourse doctor --fix
    """
    from llmcourse import doctor as checks
    from llmcourse import store

    with handled(as_json):
        catalog = _course()
        path = store.progress_path(catalog.course.id)
        if fix:
            with store.locked(path):
                report = checks.fix(catalog, path)
        else:
            report = checks.examine(catalog, path)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.doctor(report))
        else:
            from llmcourse import render

            render.doctor(render.console(), report, fix)
        if report.problems:
            raise typer.Exit(1)


def validate(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The roadmap file to check.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Check a roadmap file of your own and report every problem, with where it is.

    Exits 1 when there is any. The format is described in docs/roadmaps.md.
    Example: llmcourse validate my-course.toml
    """
    from pathlib import Path

    from llmcourse import catalog

    with handled(as_json):
        path = Path(file).expanduser()
        course, found = catalog.problems(catalog.read_file(path))
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.validated(path, course, found))
    else:
        from llmcourse import lines

        lines.validated(lines.Lines(), path, course, found)
    if found:
        raise typer.Exit(1)


class ExportFormat(StrEnum):
    json = "json"
    markdown = "markdown"
    csv = "csv"


def export(
    format_: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json: everything (progress, unknown keys, history), for 'llmcourse import'; "
            "markdown: the course as a checklist; csv: a row per topic and reference.",
        ),
    ] = ExportFormat.json,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        ),
    ] = None,
) -> None:
    """Export your progress as JSON, as a Markdown checklist of the course, or as CSV.

    Example: llmcourse export --format markdown -o llm-course.md
    """
    from llmcourse import export as exporting

    with handled(False):
        catalog = _course()
        progress = _progress(catalog)
        if format_ is ExportFormat.json:
            found = progress.read_history()
            if found.problems:
                _note(
                    f"{len(found.problems)} line(s) of {found.path} cannot be read and are not "
                    "in the export. Run 'llmcourse doctor'"
                )
            text = exporting.as_json(catalog, progress.data, found.events, common._now())
        elif format_ is ExportFormat.markdown:
            text = exporting.as_markdown(catalog, progress.data)
        else:
            text = exporting.as_csv(catalog, progress.data)
        if output is None:
            sys.stdout.write(text)
            return
        _write_output(output, text)


def _write_output(output: str, text: str) -> None:
    """Write an export where the learner said: a file is replaced whole, anything else
    (a named pipe, /dev/stdout, a terminal) is written into, and a link writes its target."""
    import os
    import stat
    from pathlib import Path

    from llmcourse import store
    from llmcourse.errors import ProgressFileError

    path = Path(output).expanduser()
    content = text.encode("utf-8")
    try:
        target = Path(os.path.realpath(path))
        kind = target.stat().st_mode if target.exists() else None
        if kind is not None and not stat.S_ISREG(kind):
            with open(target, "wb") as stream:
                stream.write(content)
        elif not target.parent.is_dir():
            raise FileNotFoundError(2, f"the folder {target.parent} does not exist")
        else:
            store.write_atomic(target, content)
            if kind is None:  # a new file: readable as the learner's other files are
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(target, 0o666 & ~umask)
    except OSError as err:
        raise ProgressFileError(
            f"cannot write {path}: {err.strerror or err}", "Check the path and its permissions"
        ) from None
    _note(f"written to {path}")


def import_(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A file written by 'llmcourse export'.", show_default=False
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change, and change nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Merge progress exported on another machine: per item, the more recent change wins.

    The other history's events are added without duplicates; importing twice changes
    nothing, and 'llmcourse undo' reverts an import. Example: llmcourse import laptop.json
    """
    from pathlib import Path

    from llmcourse import export, store, tracker
    from llmcourse.errors import ImportFileError

    with handled(as_json):
        catalog = _course()
        path = Path(file).expanduser()
        try:
            content = path.read_bytes()
        except OSError as err:
            raise ImportFileError(
                f"cannot read {path}: {err.strerror or err}", "Check the path and its permissions"
            ) from None
        theirs = export.parse_export(content, str(path))
        if theirs.course_id != catalog.course.id:
            raise ImportFileError(
                f"{path} holds progress on the course '{theirs.course_id}', not "
                f"'{catalog.course.id}'",
                "Import it with --roadmaps naming that course's roadmap file; nothing was changed",
            )
        target = store.progress_path(catalog.course.id)
        lock = contextlib.nullcontext() if dry_run else store.locked(target)
        now = common._now()
        with lock:
            progress = _progress(catalog, target, reading=False)
            store.ensure_writable(progress)
            updated, result = tracker.merge(
                catalog,
                progress.data,
                progress.trusted_history(),
                theirs.entries,
                theirs.extra,
                theirs.history,
                theirs.notes,
            )
            changes = result.changed or result.updated or result.foreign or result.notes_added
            if not dry_run and changes:
                progress.data = updated
                if result.adopted:
                    last = theirs.history[-1].rev if theirs.history else theirs.revision
                    progress.data.revision = 0
                    _kept(store.commit(progress, theirs.history, revision=last))
                else:
                    revision = progress.data.revision + 1
                    records = tracker.merge_events(result, revision, now)
                    _kept(store.commit(progress, records, revision if records else None))
    if as_json:
        from llmcourse import jsonout

        jsonout.emit(jsonout.merged(result, path, dry_run))
        return
    from llmcourse import lines

    lines.merged(lines.Lines(), result, path, dry_run)
