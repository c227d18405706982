"""The least work an export and an import do at scale, without llmcourse: how near 3x can go.

    python bench/run.py --only 'scale-ex*' --only 'scale-im*' --keep --dir /tmp
    python bench/scale_floor.py /tmp/llmcourse-bench-XXXX [--size 10000] [--runs 15]

Each floor runs in a fresh interpreter (site packages off, the garbage collector off, as
llmcourse runs) on the files of the benchmark's scale fixture:

- export: decode the history's lines (one `json.loads` over all of them) and write each event
  out with one f-string, indented as an export is;
- import: decode the export and the half-filled folder's history, key the folder's events,
  and write the export's events that are not among them as history lines.

Neither starts Typer, loads the course, reads the progress file or checks an event: they are
the part of the work that grows with the history, done as cheaply as Python does it. Prints
the median wall time of each, and of an interpreter that does nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPORT = r"""
import gc, json, sys
gc.disable()
data = open(sys.argv[1], "rb").read()
events = json.loads(b"[" + b",".join(data.splitlines()) + b"]")
with open(sys.argv[2], "w") as out:
    out.write("".join(
        f'  {{\n   "rev": {e["rev"]},\n   "time": "{e["time"]}",\n   "command": "{e["command"]}",'
        f'\n   "id": "{e["id"]}",\n   "old": "{e["old"]}",\n   "new": "{e["new"]}"\n  }},\n'
        for e in events
    ))
"""

IMPORT = r"""
import gc, json, sys
gc.disable()
document = json.loads(open(sys.argv[1], "rb").read())
data = open(sys.argv[2], "rb").read()
own = json.loads(b"[" + b",".join(data.splitlines()) + b"]")
seen = {(e["time"], e["id"], e["old"], e["new"], e["command"]) for e in own}
new = [
    e for e in document["history"]
    if (e["time"], e["id"], e["old"], e["new"], e["command"]) not in seen
]
with open(sys.argv[3], "w") as out:
    out.write("".join(
        f'{{"rev": {e["rev"]}, "time": "{e["time"]}", "command": "{e["command"]}", '
        f'"id": "{e["id"]}", "old": "{e["old"]}", "new": "{e["new"]}"}}\n'
        for e in new
    ))
"""


def median_ms(argv: list[str], runs: int) -> float:
    subprocess.run(argv, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a folder bench/run.py --keep left")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    fixture = args.folder / f"scale-{args.size}"
    history = fixture / "pristine" / "history.jsonl"
    export = fixture / "half-filled" / "export.json"
    folder_history = fixture / "half-filled" / "pristine" / "history.jsonl"
    for path in (history, export, folder_history):
        if not path.is_file():
            sys.exit(f"{path} is missing: keep a scale run's folder (see the docstring)")
    python = [sys.executable, "-S", "-c"]
    with tempfile.TemporaryDirectory() as scratch:
        out = str(Path(scratch) / "out")
        rows = [
            ("interpreter alone", [*python, "pass"]),
            ("export floor", [*python, EXPORT, str(history), out]),
            ("import floor", [*python, IMPORT, str(export), str(folder_history), out]),
        ]
        for name, argv in rows:
            print(f"{name:18} {median_ms(argv, args.runs):7.1f} ms")


if __name__ == "__main__":
    main()
