"""Run a Python program and record what it opened in a folder and which modules it imported.

    python bench/_audit.py REPORT_FILE FOLDER PROGRAM [ARGUMENTS...]
    python bench/_audit.py REPORT_FILE FOLDER -m MODULE [ARGUMENTS...]

PROGRAM (a script, such as the llmcourse console script) or MODULE runs as `__main__` with
ARGUMENTS.
An audit hook (PEP 578) sees every `open` and `os.open`; when the program ends, REPORT_FILE
gets a JSON object: the files under FOLDER that it opened (`read`, `write`) and every module
it imported. The benchmark runs each command once this way, untimed, since the hook itself
costs time.
"""

from __future__ import annotations

import json
import os
import runpy
import sys

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    report, folder, program = sys.argv[1:4]
    folder = os.path.realpath(folder)
    opened: dict[str, set[str]] = {}

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
            return
        path = os.path.realpath(os.fsdecode(args[0]))
        if os.path.dirname(path) != folder and not path.startswith(folder + os.sep):
            return
        mode, flags = args[1], args[2]
        writes = (
            any(c in mode for c in "wax+")
            if isinstance(mode, str)
            else isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
        )
        opened.setdefault(os.path.relpath(path, folder), set()).add("write" if writes else "read")

    module = sys.argv[4] if program == "-m" and len(sys.argv) > 4 else None
    sys.argv = [program, *sys.argv[5 if module else 4 :]]
    sys.addaudithook(hook)
    try:
        if module:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(program, run_name="__main__")
    finally:
        with open(report, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "opened": {name: sorted(how) for name, how in sorted(opened.items())},
                    "modules": sorted(sys.modules),
                },
                out,
            )


if __name__ == "__main__":
    main()
