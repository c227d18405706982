"""Commands about files: doctor, validate, export, import, sync.

Each imports its domain modules when it runs: see `llmcourse.commands`.
"""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmcourse.commands.options import JsonOption, session
from llmcourse.results import Checked, Exported, Imported, Synced, Validated, Written

if TYPE_CHECKING:  # for the annotations of a command's helpers, which Typer never reads
    from llmcourse import exchange, store
    from llmcourse.tracker import Update


def doctor(
    ctx: typer.Context,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Set a bad progress file (or history) aside under a timestamped name and "
            "restore the backup, or start afresh when there is none.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> Checked:
    """Check your progress file, its history and backup; say what is wrong and where.

    Exits 1 while a problem remains. Example: llmcourse doctor --fix
    """
    from llmcourse import doctor as checks

    run = session(ctx)
    course = run.course()
    if not fix:
        return Checked(checks.examine(course, run.progress_path()), fixing=False)
    with run.locked() as path:
        return Checked(checks.fix(course, path), fixing=True)


def validate(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The roadmap file to check.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> Validated:
    """Check a roadmap file of your own and report every problem, with where it is.

    Exits 1 when there is any. How to write one: llmcourse help roadmaps.
    Example: llmcourse validate my-course.toml
    """
    from llmcourse import catalog as catalogs

    path = Path(file).expanduser()
    course, found = catalogs.problems(catalogs.read_file(path))
    return Validated(path, course, found)


class ExportFormat(StrEnum):
    json = "json"
    markdown = "markdown"
    csv = "csv"
    html = "html"


def export(
    ctx: typer.Context,
    format_: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json: everything (progress, unknown keys, history), for 'llmcourse import'; "
            "markdown: the course as a checklist; csv: a row per topic and reference; "
            "html: a page to share, the course as a map with your progress.",
        ),
    ] = ExportFormat.json,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        ),
    ] = None,
    with_notes: Annotated[
        bool,
        typer.Option(
            "--with-notes",
            help="html: put your notes on the page (they are left out: a page to share is "
            "read by others). json and markdown always carry notes, csv never does.",
        ),
    ] = False,
) -> Exported | Written:
    """Export your progress as JSON, as a Markdown checklist of the course, as CSV, or as a
    page to share.

    The html page is one file that needs nothing else: no script, no font or image from
    elsewhere. Example: llmcourse export --format html -o progress.html
    """
    from llmcourse import store

    if with_notes and format_ is not ExportFormat.html:
        from llmcourse.errors import BadValueError

        raise BadValueError(
            f"--with-notes is for --format html: the {format_.value} export "
            + ("never carries notes" if format_ is ExportFormat.csv else "always carries notes"),
            "Leave --with-notes out, or use --format html",
        )
    run = session(ctx)
    catalog = run.course()
    progress = run.progress()
    if format_ is ExportFormat.html:
        from llmcourse import sharepage
        from llmcourse.timeline import warnings

        found = progress.read_history()
        for warning in warnings(found):
            run.note(warning)
        text = sharepage.page(
            catalog, progress.data, found.events, run.now(), with_notes=with_notes
        )
    elif format_ is ExportFormat.json:
        from llmcourse import exchange

        # Written as it is made, the history an event at a time as it is read: only its end
        # tells which lines could not be read.
        stream = progress.stream_history()
        parts = exchange.document_parts(catalog, progress.data, stream, run.now())

        def unread() -> list[str]:
            if not stream.problems:
                return []
            return [
                f"{len(stream.problems)} line(s) of {stream.path} cannot be read and are not "
                "in the export. Run 'llmcourse doctor'"
            ]

        if output is None:
            return Exported(parts, afterwards=unread)
        path = Path(output).expanduser()
        from llmcourse.text import batched

        store.write_output(path, (batch.encode("utf-8") for batch in batched(parts)))
        for message in unread():
            run.note(message)
        return Written(path)
    else:
        from llmcourse import export as exporting

        write = exporting.as_markdown if format_ is ExportFormat.markdown else exporting.as_csv
        text = write(catalog, progress.data)
    if output is None:
        return Exported(text)
    path = Path(output).expanduser()
    store.write_output(path, text.encode("utf-8"))
    return Written(path)


def import_(
    ctx: typer.Context,
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
) -> Imported:
    """Merge progress exported on another machine: per item, the more recent change wins.

    The other history's events are added without duplicates; importing twice changes
    nothing, and 'llmcourse undo' reverts an import. Example: llmcourse import laptop.json
    """
    from llmcourse import exchange, store

    run = session(ctx)
    catalog = run.course()
    path = Path(file).expanduser()
    now = run.now()
    theirs = exchange.read(store.read_export(path), str(path), catalog.course.id, now)
    result = run.change(
        lambda p: exchange.import_update(catalog, p.data, p.trusted_history(), theirs, now),
        dry_run=dry_run,
    )
    return Imported(result, path, dry_run, catalog)


def sync(
    ctx: typer.Context,
    folder: Annotated[
        str | None,
        typer.Argument(
            metavar="DIR",
            help="A folder that Syncthing, Dropbox, git or a network drive carries between "
            "your machines; remembered, so later runs can leave it out.",
            show_default=False,
        ),
    ] = None,
    machine: Annotated[
        str | None,
        typer.Option(
            "--machine",
            metavar="NAME",
            help="This machine's name, for its file in DIR (remembered): letters, digits, '-' "
            "and '_'. Default: LLMCOURSE_MACHINE, else the host name.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> Synced:
    """Carry your progress between machines through a shared folder.

    Writes this machine's progress to its own file in DIR and merges every other machine's
    file there, as import does: per item the more recent change wins, nothing is lost. A file
    that cannot be read is named and left as it is, the rest still syncs, and the exit code is
    1. Example: llmcourse sync ~/Dropbox/llmcourse
    """
    from llmcourse import config, exchange
    from llmcourse import sync as syncing

    run = session(ctx)
    catalog = run.course()
    settings = config.read()
    remembered = config.section(settings, "sync")
    place = syncing.folder(folder, remembered.get("folder"))
    name = syncing.machine_name(machine, remembered.get("machine"))
    now = run.now()
    found = syncing.scan(place, name, catalog.course.id, now)
    own = place / syncing.file_name(name, catalog.course.id)
    clash = False
    written = False

    def merge(progress: "store.Progress") -> "Update[list[exchange.Incoming]]":
        nonlocal clash
        history = progress.trusted_history()
        machines, clash = syncing.to_merge(found, history)
        return exchange.sync_update(catalog, progress.data, history, machines, now)

    def write(progress: "store.Progress") -> None:
        nonlocal written
        if any(skipped.path == own for skipped in found.skipped):
            return
        previous = syncing.current(own)
        document = exchange.document(
            catalog,
            progress.data,
            progress.read_history().events,
            syncing.previous_time(previous) or now,
        )
        written = syncing.write_own(own, document.encode("utf-8"), previous)

    incoming = run.change(merge, after=write)
    wanted = {"folder": str(place)} | ({"machine": name} if machine is not None else {})
    if any(remembered.get(key) != value for key, value in wanted.items()):
        config.write(settings | {"sync": remembered | wanted})
    files = {found_.machine: found_.path for found_ in found.machines}
    if clash and found.own is not None:
        files[name] = found.own.path
        run.note(
            f"{own} held changes this machine's history lacked, now merged: another machine may "
            f"sync under the name '{name}' too (give one another with --machine), or this "
            "progress was restored from an older copy"
        )
    for skipped in found.skipped:
        run.note(f"skipped {skipped.path} (left as it is): {skipped.reason}")
    for copy in found.conflicted:
        run.note(
            f"{copy} looks like a sync service's conflicted copy, left as it is and not read: "
            "two machines may sync under one name (give each its own with --machine)"
        )
    return Synced(
        place, name, own, incoming, files, written, found.skipped, found.conflicted, clash, catalog
    )
