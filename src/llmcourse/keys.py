"""One key at a time from the terminal, for questions answered with a key (`review`).

While `Keys` is open, the terminal is in cbreak mode: a key arrives as it is pressed, without
Enter and without being echoed, and Ctrl-C still interrupts. It is set for the whole of a
review, so that a key pressed while a topic is still being shown is kept for the question that
follows, and set back however the review ends.
"""

from __future__ import annotations

import os
import re
import sys
from types import TracebackType
from typing import Any


class Keys:
    """The keys pressed on the terminal that standard input is."""

    def __init__(self) -> None:
        self._saved: list[Any] | None = None
        # Keys read but not yet asked for: keys typed ahead come in one read, and each answers
        # a question of its own.
        self._pending = ""

    def __enter__(self) -> Keys:
        if sys.platform != "win32":
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd, termios.TCSANOW)  # keys typed ahead are kept, not flushed
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if sys.platform != "win32" and self._saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)

    def ask(self, prompt: str, answers: dict[str, str], stop: tuple[str, ...]) -> str | None:
        """The answer a key gives (`answers` maps keys to answers), None for a key of `stop` or
        Ctrl-C; any other key asks again. The prompt is broken at spaces on a narrow terminal,
        and its `·` is ASCII where the terminal cannot show it; the answer is echoed after it."""
        from llmcourse.text import columns, wrap
        from llmcourse.wording import glyphs

        words = prompt.replace("·", glyphs(sys.stdout.encoding or "utf-8").dot)
        shown = wrap(words, columns(sys.stdout), 2) + " "
        while True:
            sys.stdout.write(shown)
            sys.stdout.flush()
            try:
                key = self.read()
            except KeyboardInterrupt:
                key = stop[0]
            if key in stop:
                sys.stdout.write("stop\n")
                return None
            if key in answers:
                sys.stdout.write(answers[key] + "\n")
                return answers[key]
            sys.stdout.write("\n")

    def read(self) -> str:
        """The next key pressed, lowercased; "" at the end of input (Ctrl-D, a closed
        terminal)."""
        if sys.platform == "win32":  # Windows consoles
            import msvcrt

            key = msvcrt.getwch()
            return "" if key in ("\x04", "\x1a") else key.lower()
        if not self._pending:
            data = os.read(sys.stdin.fileno(), 64)
            if not data:
                return ""
            self._pending = data.decode("utf-8", errors="replace")
        # A key that sends several characters (an arrow, a function key, Alt with a letter) is
        # one escape sequence; any other key is one character.
        found = _KEY.match(self._pending)
        end = found.end() if found is not None else 1
        key, self._pending = self._pending[:end], self._pending[end:]
        return "" if key == "\x04" else key.lower()


# Escape alone, a control sequence (ESC [ parameters, a final character), or ESC and one more
# (ESC O A, an arrow in application mode; ESC g, Alt-g).
_KEY = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?", re.DOTALL)
