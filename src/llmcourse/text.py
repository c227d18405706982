"""Make untrusted text safe to show on a terminal, without importing rich."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the bidirectional overrides that can make text
# display in an order other than the one it is stored in.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(value: str, *, multiline: bool = False) -> str:
    """Replace terminal control characters with visible escapes such as `\\x1b`.

    With `multiline`, line breaks are kept as they are.
    """
    if multiline:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in value.split("\n"))
    return _UNSAFE.sub(_escape, value)
