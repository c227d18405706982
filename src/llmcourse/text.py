"""Text for people, without importing rich: untrusted text made safe to show on a terminal,
lines fitted to the terminal's width, and places in a document named as key paths."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# C0 and C1 controls and DEL; characters that are invisible or break lines on their own
# (zero-width space, line and paragraph separators, byte order mark); the bidirectional
# marks and overrides that can make text display in another order than it is stored in;
# and lone surrogates, which is how Python carries bytes that were not valid UTF-8.
UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"


def pattern(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled when first needed: compiling one costs about as much as
    defining a class, and most runs of a command never use most of them."""
    return functools.cache(lambda: re.compile(source, flags))


# With its wide character class, compiling this one costs a command more than most of what it
# shows, and most text never needs it (see `escape_controls`).
_unsafe = pattern(UNSAFE)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(value: str, *, multiline: bool = False) -> str:
    """Replace terminal control characters with visible escapes such as `\\x1b`.

    With `multiline`, line breaks are kept as they are.
    """
    if value.isprintable():  # no control, format or separator character, nor a surrogate
        return value
    if multiline:
        return "\n".join(_unsafe().sub(_escape, line) for line in value.split("\n"))
    return _unsafe().sub(_escape, value)


# Select Graphic Rendition: the colour and weight codes `lines.Lines.style` adds. They take no
# room on the screen, and hold no space, so a line is never broken inside one.
# An escape sequence that styles text (SGR) or opens or closes a terminal link (OSC 8): it
# takes no room on the screen.
_SGR = pattern(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b\a]*(?:\x1b\\|\a)")
_SPACES = pattern(r"( +)")
_SGR_ONLY = pattern(r"\x1b\[[0-9;]*m")
_RESET = "\x1b[0m"
_TRAILING = pattern(r"(?: |\x1b\[[0-9;]*m|\x1b\]8;[^\x1b\a]*(?:\x1b\\|\a))+$", re.M)


def visible_width(text: str) -> int:
    """How many cells `text` takes on a terminal: escape codes take none, East Asian wide and
    fullwidth characters two, combining marks none."""
    if "\x1b" in text:
        text = _SGR().sub("", text)
    if text.isascii():
        return len(text)
    import unicodedata  # only for text that needs it: most lines are ASCII

    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


# The widest prose (summaries, notes, help, a document) is set on a wide terminal: lines
# much longer than this are hard to read.
PROSE = 100


def columns(stream: object) -> int | None:
    """The width to fit lines written to `stream` to, or None to leave them whole.

    `COLUMNS` (a positive number) wins; else the width of the terminal the stream is; a pipe
    or a file gets None: one line per line, so grep, awk and sort see what was meant.
    """
    value = os.environ.get("COLUMNS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        if not stream.isatty():  # type: ignore[attr-defined]
            return None
        width = os.get_terminal_size(stream.fileno()).columns  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # not a real file, or a closed one
        return None
    return width or None  # a terminal that does not say its size


def wrap(text: str, width: int | None, indent: int = 2) -> str:
    """`text` broken at spaces into lines that fit `width` cells, continuations indented.

    A word is never split: one wider than the line (an id, a path, an address) has a line of
    its own, at the left edge where the indent would push it past the width. Each line of a
    text with line breaks is wrapped on its own; no line ends in spaces. With no width (a
    pipe), lines are left whole.
    """
    return "\n".join(_wrap_line(line, width, indent) for line in text.split("\n"))


def _wrap_line(line: str, width: int | None, indent: int) -> str:
    if width is None or visible_width(line) <= width:
        return unpadded(line)
    if indent > 2 and 2 * indent >= width:  # narrow: continuations keep most of the line
        indent = width // 3
    pieces = _quoted(_SPACES().split(line), width - indent)
    lines: list[str] = []
    current, used = pieces[0], visible_width(pieces[0])
    for gap, word in zip(pieces[1::2], pieces[2::2], strict=True):
        size = visible_width(word)
        if size and used and used + len(gap) + size > width:
            # A style still open at the break is closed there and opened again on the next
            # line, so that no line starts or ends inside another's colour.
            styles = _SGR_ONLY().findall(current)
            open_style = styles[-1] if styles and styles[-1] != _RESET else ""
            lines.append(current + (_RESET if open_style else ""))
            lead = indent if indent + size <= width else 0
            current, used = " " * lead + open_style + word, lead + size
        else:
            current, used = current + gap + word, used + len(gap) + size
    lines.append(current)
    return "\n".join(unpadded(piece) for piece in lines)


def _quoted(pieces: list[str], room: int) -> list[str]:
    """Words and the spaces between them (as `_SPACES` splits them), with a quoted phrase such
    as a command ('llmcourse list --topics') made one word where a line can hold it whole."""
    merged = [pieces[0]]
    index = 1
    while index < len(pieces):
        gap, word = pieces[index], pieces[index + 1]
        if _SGR().sub("", word).startswith("'") and not _closes(word):
            end = index + 1
            while end + 2 < len(pieces) and not _closes(pieces[end]):
                end += 2
            phrase = "".join(pieces[index + 1 : end + 1])
            if _closes(pieces[end]) and visible_width(phrase) <= room:
                merged += [gap, phrase]
                index = end + 1
                continue
        merged += [gap, word]
        index += 2
    return merged


def _closes(word: str) -> bool:
    return _SGR().sub("", word).rstrip(".,;:?!)").endswith("'")


def unpadded(line: str) -> str:
    """The text without spaces at the ends of its lines, keeping the escape codes among them."""
    return _TRAILING().sub(lambda end: "".join(_SGR().findall(end.group())), line)


def wrap_markdown(text: str, width: int | None) -> str:
    """A Markdown document fitted to `width` cells: paragraphs and list items wrapped at
    spaces (items with their continuations under their text), each table row as an item
    (`key (type): meaning`), headings and code left as they are. With no width, as it is."""
    if width is None:
        return text
    out: list[str] = []
    block: list[str] = []
    fenced = False

    def flush() -> None:
        if not block:
            return
        first = block[0]
        if first.startswith("|"):
            for row in block:
                cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
                if set("".join(cells)) <= set("-: ") or cells == [c for c in cells if c.isalpha()]:
                    continue  # the rule under the header, or the header itself
                head = f"- {cells[0]} ({cells[1]})" if len(cells) == 3 else f"- {cells[0]}"
                meaning = " ".join(cell for cell in cells[len(cells) - 1 :] if len(cells) > 1)
                item = f"{head}: {meaning}" if meaning else head
                out.append(wrap(item, width, indent=2))
        elif first.startswith(("#", "    ")):
            out.extend(block)
        else:
            items: list[str] = []
            for line in block:  # an item starts at its marker; other lines continue it
                if _LIST_ITEM().match(line) or not items:
                    items.append(line.strip() if not _LIST_ITEM().match(line) else line)
                else:
                    items[-1] += " " + line.strip()
            for item in items:
                marker = _LIST_ITEM().match(item)
                out.append(wrap(item, width, indent=len(marker.group()) if marker else 0))
        block.clear()

    for line in text.split("\n"):
        if line.startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced:
            out.append(line)
        elif not line.strip():
            flush()
            out.append("")
        else:
            block.append(line)
    flush()
    return "\n".join(out)


_LIST_ITEM = pattern(r"^\s*(?:[-*]|\d+\.) ")


def location(data: Any, loc: tuple[int | str, ...]) -> str:
    """A readable key path such as `roadmaps[scientist].sections[#2].title`.

    An item of a list is named by its `id` where it has one, else by its place from 1.
    """
    parts: list[str] = []
    node: Any = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("id") if isinstance(item, dict) else None
            parts.append(f"[{label}]" if isinstance(label, str) and label else f"[#{key + 1}]")
            node = item
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "top level"


def batched(pieces: Iterable[str], size: int = 1 << 20) -> Iterator[str]:
    """Text made in many small pieces, joined into pieces of about `size` characters (the last
    one whatever is left, perhaps nothing): for writes few and large, of text never held whole."""
    batch: list[str] = []
    held = 0
    for piece in pieces:
        batch.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(batch)
            batch.clear()
            held = 0
    yield "".join(batch)
