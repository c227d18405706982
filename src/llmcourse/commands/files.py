"""Commands about files: doctor, validate, export, import.

Each imports its domain modules when it runs: see `llmcourse.commands`.
"""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from llmcourse.commands.options import JsonOption, session
from llmcourse.results import Checked, Exported, Imported, Validated, Written


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


def export(
    ctx: typer.Context,
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
) -> Exported | Written:
    """Export your progress as JSON, as a Markdown checklist of the course, or as CSV.

    Example: llmcourse export --format markdown -o llm-course.md
    """
    from llmcourse import store

    run = session(ctx)
    catalog = run.course()
    progress = run.progress()
    if format_ is ExportFormat.json:
        from llmcourse import exchange

        found = progress.read_history()
        if found.problems:
            run.note(
                f"{len(found.problems)} line(s) of {found.path} cannot be read and are not "
                "in the export. Run 'llmcourse doctor'"
            )
        text = exchange.document(catalog, progress.data, found.events, run.now())
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
