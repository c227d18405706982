"""Text for people, without importing rich: untrusted text made safe to show on a terminal,
and places in a document named as key paths."""

from __future__ import annotations

import functools
import re
from typing import Any

# C0 and C1 controls and DEL; characters that are invisible or break lines on their own
# (zero-width space, line and paragraph separators, byte order mark); the bidirectional
# marks and overrides that can make text display in another order than it is stored in;
# and lone surrogates, which is how Python carries bytes that were not valid UTF-8.
UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"


@functools.cache
def _unsafe() -> re.Pattern[str]:
    # Compiled when first needed: with its wide character class, compiling it costs a command
    # more than most of what it shows, and most text never needs it (see `escape_controls`).
    return re.compile(UNSAFE)


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
