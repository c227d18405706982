"""In a real terminal: the installed command, on a pseudo-terminal of a given size and no
COLUMNS, fits the width the terminal itself reports (the way a learner meets it)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

import llmcourse
from conftest import installed

pty = pytest.importorskip("pty")  # not on Windows
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")


def _on_a_terminal(columns: int, *args: str) -> list[str]:
    """The lines the command writes to a terminal `columns` wide, colour off."""
    import struct

    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env |= {"PYTHONPATH": str(Path(llmcourse.__file__).parents[1]), "TERM": "xterm"}
    import subprocess

    process = subprocess.Popen(
        [installed(), *args], stdin=side, stdout=side, stderr=side, env=env, close_fds=True
    )
    os.close(side)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other side closed: the command is over
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(main)
    text = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\\\", "", b"".join(chunks).decode("utf-8"))
    return text.replace("\r\n", "\n").splitlines()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("columns", [40, 80])
def test_views_fit_the_terminal_they_are_shown_on(columns: int) -> None:
    for args in (["done", "scientist/architecture/attention-mechanisms"], ["list", "--topics"]):
        lines = _on_a_terminal(columns, *args)
        assert lines, args
        assert all(cell_len(line) <= columns for line in lines), (args, lines)
    listed = _on_a_terminal(columns, "list", "--topics")
    # The terminal's own width was used: not a pipe's row a line, which would be wider.
    assert any("probability-and-statistics" in line for line in listed)
    assert (
        not any(
            "Probability and Statistics" in line and "probability-and" in line for line in listed
        )
        or columns > 60
    )
