"""What llmcourse asks of the learner's own desktop: a browser for a URL, an editor for a file."""

from __future__ import annotations

import os
import sys

from llmcourse.errors import BadValueError, RoadmapFileError


def open_in_browser(url: str) -> bool:
    """Open an http or https address in the learner's browser; whether a browser took it."""
    import webbrowser

    from llmcourse.models import is_web_url

    if not is_web_url(url):  # checked when loaded, and where it was chosen; checked again
        raise RoadmapFileError(f"'{url}' is not an http or https address; it was not opened")
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def edit(text: str) -> str:
    """`text` as the learner left it in their editor ($VISUAL, else $EDITOR, else vi or
    notepad), through a temporary file that is removed afterwards."""
    import shlex
    import subprocess
    import tempfile

    variable = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
    editor = os.environ.get(variable) or ("notepad" if sys.platform == "win32" else "vi")
    try:
        command = shlex.split(editor)
    except ValueError as err:  # an unclosed quote, a backslash at the end
        command, reason = [], f"{str(err)[:1].lower()}{str(err)[1:]}"
    else:
        reason = "no command in it"
    if not command:
        raise BadValueError(
            f"cannot read the editor command {variable}='{editor}': {reason}",
            f"Set {variable} to a command as a shell reads it, such as nano or 'code --wait'; "
            "nothing was changed",
        )
    fd, name = tempfile.mkstemp(prefix="llmcourse-notes-", suffix=".txt")
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        try:
            finished = subprocess.run([*command, name], check=False)
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
            return handle.read()
    finally:
        os.unlink(name)
