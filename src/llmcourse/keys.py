"""One key at a time from the terminal, for questions answered with a key (`review`).

The terminal is put in cbreak mode (a key arrives as it is pressed, without Enter, and Ctrl-C
still interrupts) only while a key is awaited, and always set back.
"""

from __future__ import annotations

import os
import sys


def read_key() -> str:
    """The next key pressed, lowercased; "" at the end of input (Ctrl-D, a closed terminal)."""
    if sys.platform == "win32":  # Windows consoles
        import msvcrt

        key = msvcrt.getwch()
        return "" if key in ("\x04", "\x1a") else key.lower()
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        # A key that sends several bytes (an arrow, a character beyond ASCII) comes as one read.
        data = os.read(fd, 16)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    if not data or data == b"\x04":
        return ""
    return data.decode("utf-8", errors="replace").lower()
