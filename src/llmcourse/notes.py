"""The learner's own notes on a topic, section or reference: adding them, replacing them as an
editor left them, merging another machine's, and the text file a note editor works on.

Pure: the progress, the clock and the texts are given; running the editor is `desktop.edit`.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from llmcourse.catalog import Node
from llmcourse.errors import BadValueError
from llmcourse.progressfile import MAX_NOTE_CHARS, Note, ProgressFile
from llmcourse.text import escape_controls
from llmcourse.tracker import Update

NOTE_MARK = "%% note"


def checked_text(text: str) -> str:
    """A note as typed, refused when it is blank or not text a file can hold."""
    if not text.strip():
        raise BadValueError("a note needs some text", "Nothing was changed")
    if len(text) > MAX_NOTE_CHARS:
        raise BadValueError(
            f"a note is at most {MAX_NOTE_CHARS:,} characters; this one has {len(text):,}",
            "Nothing was changed; keep long texts in a file of their own and note where",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadValueError(
            "the note holds bytes that are not UTF-8 text", "Nothing was changed"
        ) from None
    return text


def add(progress: ProgressFile, node: Node, text: str, now: datetime) -> Update[list[Note]]:
    """Add a note to a node; the result is the node's notes, oldest first."""
    updated = progress.copy()
    updated.notes[node.id] = [*updated.notes.get(node.id, []), Note(checked_text(text), now)]
    return Update(updated, [], updated.notes[node.id])


class Edited(NamedTuple):
    """A node's notes after an edit, and how many notes added meanwhile (by another command
    while the editor was open) were kept beside the edited ones."""

    notes: list[Note]
    kept: int


def replace(
    progress: ProgressFile, node: Node, texts: list[str], seen: list[Note], now: datetime
) -> Update[Edited]:
    """Replace the notes the learner saw (`seen`) with these texts, as an editor left them.

    A text that was there already keeps its time (and the keys this version does not know); a
    new or changed one is dated now. The edit applies to what the learner saw, as a change to
    it: notes added while the editor was open are kept after the edited ones, and a note
    deleted meanwhile that the learner left as it was stays deleted.
    """
    updated = progress.copy()
    now_there = progress.notes.get(node.id, [])
    before = {note.text: note for note in seen}
    notes: list[Note] = []
    for text in texts:
        if not text.strip():
            continue
        if text in before:  # left as it was: kept, unless it was deleted meanwhile
            note = before.pop(text)
            if note in now_there:
                notes.append(note)
        else:  # new or changed: the learner's text, dated now
            notes.append(Note(checked_text(text), now))
    meanwhile = [note for note in now_there if note not in seen]
    notes += meanwhile
    if notes:
        updated.notes[node.id] = notes
    else:
        updated.notes.pop(node.id, None)
    return Update(updated, [], Edited(notes, len(meanwhile)))


def merge(ours: dict[str, list[Note]], theirs: dict[str, list[Note]]) -> int:
    """Add the other machine's notes to ours, each once (by its time and text); how many."""
    added = 0
    for key, notes in theirs.items():
        present = {(note.time, note.text) for note in ours.get(key, [])}
        new = []
        for note in notes:
            if (note.time, note.text) not in present:
                present.add((note.time, note.text))
                new.append(note)
        if new:
            ours[key] = sorted([*ours.get(key, []), *new], key=lambda n: n.time)
            added += len(new)
    return added


def editor_text(node: Node, notes: list[Note]) -> str:
    """The file a learner edits a node's notes in: a header, then each note after a mark.

    Lines of the file's own start with `%%`; a note's line that does is written with a `\\`
    before it, and read back without.
    """
    lines = [
        f"%% Notes on {escape_controls(node.id)} ({escape_controls(node.title)}).",
        f"%% Each note follows a line '{NOTE_MARK}'. Add, change or delete notes; keep this",
        "%% header. To change nothing, quit without saving or empty the file.",
    ]
    for item in notes:
        lines.append(NOTE_MARK)
        lines.extend(
            "\\" + line if line.startswith(("%%", "\\")) else line for line in item.text.split("\n")
        )
    return "\n".join(lines) + "\n"


def edited_texts(written: str, edited: str) -> list[str]:
    """The notes' texts in a file the learner edited (`written` is what it held before).

    A file left empty, or without its first line, is taken as a change of mind.
    """
    lines = edited.splitlines()
    if not lines or lines[0] != written.split("\n", 1)[0]:
        raise BadValueError(
            "the notes file came back empty or without its header",
            "Nothing was changed; to delete notes, delete them and keep the header",
        )
    texts: list[list[str]] = []
    for line in lines:
        if line == NOTE_MARK:
            texts.append([])
        elif line.startswith("%%"):
            continue
        elif texts:
            texts[-1].append(line[1:] if line.startswith("\\") else line)
        elif line.strip():  # written above the first mark: a note all the same
            texts.append([line])
    return ["\n".join(block).strip("\n") for block in texts if "\n".join(block).strip()]
