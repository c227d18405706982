"""Where the `llmcourse` command starts: settings for a short-lived process, then the CLI."""

import gc


def main() -> None:
    # A command lives for a fraction of a second and makes little cyclic garbage, while the
    # collector's passes over the many objects Typer and rich create as they are imported
    # cost about a tenth of start-up. The process ends long before garbage would matter.
    gc.disable()
    _usable_output()
    from llmcourse.cli import main as run

    run()


def _usable_output() -> None:
    """Output that cannot fail halfway through a command that has already saved a change.

    A terminal or file whose encoding lacks a character (`PYTHONIOENCODING=ascii`, or cp1252
    for a redirect on Windows) gets `?` for it rather than a traceback, and a plain space for
    a space it lacks (the course writes a no-break space in two titles). A closed stdout (`>&-`)
    gets a descriptor that cannot be written: no file llmcourse opens can take its number, and
    writing fails as it would on the closed one, which the command group reports.
    """
    import os
    import sys

    if sys.stdout is None:
        held = os.open(os.devnull, os.O_RDONLY)
        if held != 1:
            os.dup2(held, 1)
            os.close(held)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - for the life of the process
    if sys.stderr is None:  # closed (`2>&-`): messages go nowhere, and no file takes its place
        held = os.open(os.devnull, os.O_WRONLY)
        if held != 2:
            os.dup2(held, 2)
            os.close(held)
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - for the life of the process
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        import codecs

        codecs.register_error("llmcourse-replace", _replace)
        reconfigure(errors="llmcourse-replace")


def _replace(error: UnicodeError) -> tuple[str, int]:
    """What stands for characters an encoding lacks: a space for a space, else `?`."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    lacked = error.object[error.start : error.end]
    return "".join(" " if char.isspace() else "?" for char in lacked), error.end
