"""Commands that change statuses and notes: done, start, skip, reset, undo, note."""

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmcourse.commands import common
from llmcourse.commands.common import (
    JsonOption,
    _complete_id,
    _course,
    _kept,
    _progress,
    handled,
)
from llmcourse.text import escape_controls

if TYPE_CHECKING:
    from llmcourse.progressfile import Status


IdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID",
        autocompletion=_complete_id,
        help="Topics or references; a section or roadmap stands for all its topics.",
    ),
]


def _mark(
    ids: list[str], status: "Status", command: str, as_json: bool, undo: bool = False
) -> None:
    """Set the status of what the ids name, as one change, and say what changed."""
    from llmcourse import store, tracker

    with handled(as_json):
        catalog = _course()
        nodes = [catalog.resolve(raw) for raw in ids]
        path = store.progress_path(catalog.course.id)
        now = common._now()
        with store.locked(path):
            progress = _progress(catalog, path, reading=False)
            updated, result = tracker.mark(catalog, progress.data, nodes, status, now)
            if result.changed:
                revision = progress.data.revision + 1
                progress.data = updated
                _kept(
                    store.commit(progress, tracker.events(result.changed, revision, now, command))
                )
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.marked(result, progress.path))
            return
        from llmcourse import lines

        lines.marked(lines.Lines(), result, undo=undo)


def done(
    ids: IdsArgument,
    undo: Annotated[
        bool, typer.Option("--undo", help="Set them back to not started instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Mark topics or references done (or, with --undo, not started).

    Example: llmcourse done scientist/1/2 tokenization
    """
    _mark(ids, "not-started" if undo else "done", "done --undo" if undo else "done", as_json, undo)


def start(ids: IdsArgument, as_json: JsonOption = False) -> None:
    """Mark topics or references as in progress: what you are studying now.

    Example: llmcourse start scientist/1/3
    """
    _mark(ids, "in-progress", "start", as_json)


def skip(ids: IdsArgument, as_json: JsonOption = False) -> None:
    """Skip topics or references: they leave the totals, so progress shows what you chose.

    Example: llmcourse skip fundamentals/mathematics
    """
    _mark(ids, "skipped", "skip", as_json)


def reset(ids: IdsArgument, as_json: JsonOption = False) -> None:
    """Set topics or references back to not started, whatever they were.

    Example: llmcourse reset scientist/quantization
    """
    _mark(ids, "not-started", "reset", as_json)


def undo(
    count: Annotated[
        int,
        typer.Argument(metavar="N", min=1, help="How many changes to revert (default 1)."),
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Revert your last N changes; one command's change (a whole section, say) counts as one.

    Each undo is itself recorded in the history; running undo again goes one change further
    back. Example: llmcourse undo
    """
    from llmcourse import store, tracker

    with handled(as_json):
        catalog = _course()
        path = store.progress_path(catalog.course.id)
        now = common._now()
        with store.locked(path):
            progress = _progress(catalog, path, reading=False)
            store.ensure_writable(progress)
            updated, result = tracker.undo(
                catalog, progress.data, progress.trusted_history(), count, now
            )
            if result.reverted:
                revision = progress.data.revision + 1
                progress.data = updated
                _kept(store.commit(progress, tracker.undo_events(result, revision, now)))
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.undone(result, count, progress.path))
            return
        from llmcourse import lines

        lines.undone(lines.Lines(), result, count)


def note(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="A topic, section or reference.",
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
) -> None:
    """Add a note of your own to a topic, section or reference, or list or edit its notes.

    Notes are kept with your progress. Example: llmcourse note tokenization "BPE vs WordPiece"
    """
    from llmcourse import store, tracker

    with handled(as_json):
        catalog = _course()
        node = catalog.resolve(id_)
        path = store.progress_path(catalog.course.id)
        if edit:
            current = _progress(catalog, path, reading=False)
            texts = _edit_notes(node.id, node.title, current.data.notes.get(node.id, []))
        if edit or text:
            with store.locked(path):
                progress = _progress(catalog, path, reading=False)
                if edit:
                    progress.data = tracker.replace_notes(progress.data, node, texts, common._now())
                else:
                    progress.data = tracker.add_note(
                        progress.data, node, _note_text(" ".join(text or [])), common._now()
                    )
                _kept(store.commit(progress, []))
        else:
            progress = _progress(catalog, path)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit({"id": node.id, "notes": jsonout.notes(progress.data, node.id)})
            return
        from llmcourse import render

        render.notes(render.console(), progress.data, node, say_none=True)


NOTE_MARK = "%% note"


def _note_text(text: str) -> str:
    """A note as typed, refused when it is blank or not text a file can hold."""
    from llmcourse.errors import BadValueError

    if not text.strip():
        raise BadValueError("a note needs some text", "Nothing was changed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadValueError(
            "the note holds bytes that are not UTF-8 text", "Nothing was changed"
        ) from None
    return text


def _edit_notes(node_id: str, title: str, notes: "list[Any]") -> list[str]:
    """The texts of an item's notes after the learner has edited them in their editor.

    Lines of the file's own start with `%%`; a note's line that does is written with a `\\`
    before it, and read back without. A file left empty, or without its first line, is taken
    as a change of mind: nothing changes.
    """
    import os
    import shlex
    import subprocess
    import tempfile

    from llmcourse.errors import BadValueError

    header = [
        f"%% Notes on {escape_controls(node_id)} ({escape_controls(title)}).",
        f"%% Each note follows a line '{NOTE_MARK}'. Add, change or delete notes; keep this",
        "%% header. To change nothing, quit without saving or empty the file.",
    ]
    lines = list(header)
    for item in notes:
        lines.append(NOTE_MARK)
        lines.extend(
            "\\" + line if line.startswith(("%%", "\\")) else line for line in item.text.split("\n")
        )
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    editor = editor or ("notepad" if sys.platform == "win32" else "vi")
    fd, name = tempfile.mkstemp(prefix="llmcourse-notes-", suffix=".txt")
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write("\n".join(lines) + "\n")
        try:
            finished = subprocess.run([*shlex.split(editor), name], check=False)
        except OSError as err:
            raise BadValueError(
                f"cannot start the editor '{editor}': {err.strerror or err}",
                "Set VISUAL or EDITOR to an editor you have; nothing was changed",
            ) from None
        if finished.returncode != 0:
            raise BadValueError(
                f"the editor '{editor}' exited with {finished.returncode}",
                "Nothing was changed",
            )
        with open(name, encoding="utf-8", errors="replace") as handle:
            edited = handle.read().splitlines()
    finally:
        os.unlink(name)
    if not edited or edited[0] != header[0]:
        raise BadValueError(
            "the notes file came back empty or without its header",
            "Nothing was changed; to delete notes, delete them and keep the header",
        )
    texts: list[list[str]] = []
    for line in edited:
        if line == NOTE_MARK:
            texts.append([])
        elif line.startswith("%%"):
            continue
        elif texts:
            texts[-1].append(line[1:] if line.startswith("\\") else line)
        elif line.strip():  # written above the first mark: a note all the same
            texts.append([line])
    return ["\n".join(block).strip("\n") for block in texts if "\n".join(block).strip()]
