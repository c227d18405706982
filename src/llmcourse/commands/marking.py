"""Commands that change statuses and notes: done, start, skip, reset, undo, redo, note.

Each change goes through `Session.change`: read under the lock, the domain's update, written as
one recorded change. Each imports its domain modules when it runs: see `llmcourse.commands`.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from llmcourse.commands.options import JsonOption, complete_id, session
from llmcourse.results import Marked, Notes, Undone

if TYPE_CHECKING:  # for helpers' annotations, which Typer never reads
    from collections.abc import Callable
    from datetime import datetime

    from llmcourse.catalog import Catalog
    from llmcourse.progressfile import Event, ProgressFile, Status
    from llmcourse.tracker import UndoResult, Update

    TakeBack = Callable[
        [Catalog, ProgressFile, list[Event], int | None, datetime], Update[UndoResult]
    ]

IdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID",
        autocompletion=complete_id,
        help="Topics, references or notebooks; a section or roadmap stands for all its topics.",
    ),
]


def _mark(ctx: typer.Context, ids: list[str], status: "Status", command: str) -> Marked:
    """Set the status of what the ids name, as one change made by `command`."""
    from llmcourse import tracker

    run = session(ctx)
    catalog = run.course()
    nodes = [catalog.resolve(raw) for raw in ids]
    now = run.now()
    result = run.change(lambda p: tracker.mark(catalog, p.data, nodes, status, now, command))
    return Marked(result, run.progress_path(), undo=command == "done --undo", catalog=catalog)


def done(
    ctx: typer.Context,
    ids: IdsArgument,
    undo: Annotated[
        bool, typer.Option("--undo", help="Set them back to not started instead.")
    ] = False,
    as_json: JsonOption = False,
) -> Marked:
    """Mark topics done, references read or notebooks run (or, with --undo, not started).

    Example: llmcourse done scientist/1/2 tokenization
    """
    if undo:
        return _mark(ctx, ids, "not-started", "done --undo")
    return _mark(ctx, ids, "done", "done")


StartArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID",
        autocompletion=complete_id,
        help="Topics, references or notebooks; a section (or a roadmap) starts its first topic "
        "not begun, and an optional roadmap counts from now on.",
        show_default=False,
    ),
]


def start(ctx: typer.Context, ids: StartArgument, as_json: JsonOption = False) -> Marked:
    """Mark topics, references or notebooks as in progress: what you are studying now.

    A section (or The LLM Scientist or Engineer) starts its first topic not begun. An optional
    roadmap (LLM Fundamentals) counts in your progress from the moment you start it, and its
    topics are left as they are. Example: llmcourse start scientist/1/3
    """
    return _mark(ctx, ids, "in-progress", "start")


def skip(ctx: typer.Context, ids: IdsArgument, as_json: JsonOption = False) -> Marked:
    """Skip topics, references or notebooks: they leave the totals, so progress shows what
    you chose.

    Example: llmcourse skip fundamentals/mathematics
    """
    return _mark(ctx, ids, "skipped", "skip")


def reset(ctx: typer.Context, ids: IdsArgument, as_json: JsonOption = False) -> Marked:
    """Set topics, references or notebooks back to not started, whatever they were.

    Example: llmcourse reset scientist/quantization
    """
    return _mark(ctx, ids, "not-started", "reset")


def undo(
    ctx: typer.Context,
    count: Annotated[
        int | None,
        typer.Argument(
            metavar="N",
            min=1,
            help="How many changes to revert (1 when left out).",
            show_default=False,
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Revert every change recorded (and not undone).")
    ] = False,
    as_json: JsonOption = False,
) -> Undone:
    """Revert your last N changes; one command's change (a whole section, say) counts as one.

    Each undo is itself recorded in the history; running undo again goes one change further
    back. N past the changes there are is refused; --all reverts them all. Example: llmcourse undo
    """
    from llmcourse import tracker

    return _take_back(ctx, _how_many(count, every), tracker.undo)


def redo(
    ctx: typer.Context,
    count: Annotated[
        int | None,
        typer.Argument(
            metavar="N",
            min=1,
            help="How many undos to take back (1 when left out).",
            show_default=False,
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Take back every undo since your last other change.")
    ] = False,
    as_json: JsonOption = False,
) -> Undone:
    """Take back your last N undos, until you make a new change.

    A redo is recorded like any change, so undo reverts it in turn; a change other than an undo
    or a redo ends what can be redone. Example: llmcourse redo
    """
    from llmcourse import tracker

    return _take_back(ctx, _how_many(count, every), tracker.redo, redo=True)


def _how_many(count: int | None, every: bool) -> int | None:
    """N, or None for --all; both at once is a mistake, not one of them silently."""
    if every and count is not None:
        raise typer.BadParameter("give a number or --all, not both", param_hint="'N'")
    return None if every else count or 1


def _take_back(
    ctx: typer.Context, count: int | None, operation: "TakeBack", redo: bool = False
) -> Undone:
    """Undo (or redo) `count` changes (None: all there are), as one change of its own."""
    run = session(ctx)
    catalog = run.course()
    now = run.now()
    result = run.change(lambda p: operation(catalog, p.data, p.trusted_history(), count, now))
    requested = result.available if count is None else count
    return Undone(result, requested, run.progress_path(), catalog, redo=redo)


def note(
    ctx: typer.Context,
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=complete_id,
            help="A topic, section, reference or notebook.",
            show_default=False,
        ),
    ],
    text: Annotated[
        list[str] | None,
        typer.Argument(metavar="TEXT", help="The note to add; leave out to list the notes."),
    ] = None,
    edit: Annotated[
        bool,
        typer.Option("--edit", "-e", help="Edit the item's notes in $VISUAL or $EDITOR."),
    ] = False,
    as_json: JsonOption = False,
) -> Notes:
    """Add a note of your own to a topic, section, reference or notebook, or list or edit its notes.

    Notes are kept with your progress. Example: llmcourse note tokenization "BPE vs WordPiece"
    """
    from llmcourse import desktop, notes

    run = session(ctx)
    node = run.course().resolve(id_)
    now = run.now()
    if edit:
        seen = run.progress(to_change=True).data.notes.get(node.id, [])
        written = notes.editor_text(node, seen)
        texts = notes.edited_texts(written, desktop.edit(written))
        # The progress is read again under the lock: notes added while the editor was open
        # (by another command, or an import) are kept beside the edited ones.
        edited = run.change(lambda p: notes.replace(p.data, node, texts, seen, now))
        if edited.kept:
            run.note(
                f"{edited.kept} note{'s were' if edited.kept > 1 else ' was'} added while the "
                "editor was open; kept after yours"
            )
        return Notes(node, edited.notes, True)
    if text:
        typed = " ".join(text)
        return Notes(node, run.change(lambda p: notes.add(p.data, node, typed, now)), True)
    return Notes(node, run.progress().data.notes.get(node.id, []))
