"""Time this llmcourse against an earlier release, side by side, on the same learner's day.

    python bench/release.py OTHER/bin/python            20 alternated runs of each case
    python bench/release.py OTHER/bin/python --runs 40 --json

OTHER is the Python of a venv that has the earlier release installed (for example one built
from its commit: `python -m venv old && old/bin/pip install ./checkout`). Each side gets a data
folder of its own, made by its own `llmcourse` from the same commands (`DAY`), since an earlier
release may not read a later one's progress file, and a roadmap cache of its own. Then each case
runs alternately on the two sides (new, old, new, old, ...) after warm-up rounds, and the
report gives each side's median, the ratio of the medians, the quartiles of the run-by-run
ratios, and each side's peak memory. `done` marks a topic that is not done, from the same data
folder every run (put back, untimed, before each). Nothing of the user's is read or written:
every folder llmcourse uses is in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _fixtures import DataDir
from _measure import Program, Runner, quartiles
from _report import machine, table, wrap

# A learner's day, in commands both releases have: some topics done, one started, one skipped.
DAY = [
    ["done", "scientist/architecture"],
    ["done", "scientist/pre-training/data-preparation"],
    ["start", "scientist/pre-training/distributed-training"],
    ["done", "engineer/running-llms/llm-apis"],
    ["skip", "fundamentals/mathematics/linear-algebra"],
]
CASES = [
    ("list", ["list"]),
    ("show SECTION", ["show", "scientist/1"]),
    ("progress", ["progress"]),
    ("progress --json", ["progress", "--json"]),
    ("done ID (writes)", ["done", "engineer/vector-storage/ingesting-documents"]),
]
TARGET = 0.6  # at most this share of the earlier release's time


class Side:
    """One llmcourse: its console script, and its own data and cache folders."""

    def __init__(self, name: str, python: str, root: Path, env: dict[str, str]) -> None:
        self.name = name
        self.launcher = [python, str(Path(python).parent / "llmcourse")]
        folder = root / name
        self.env = {
            **env,
            "LLMCOURSE_DATA_DIR": str(folder / "made"),
            "LLMCOURSE_CACHE_DIR": str(folder / "cache"),
            "LLMCOURSE_CONFIG_DIR": str(folder / "config"),
            "PYTHONPYCACHEPREFIX": str(folder / "pycache"),
            "COLUMNS": "80",
        }
        for words in DAY:
            self.llmcourse(words)
        made = Path(self.env["LLMCOURSE_DATA_DIR"])
        files = {p.name: p.read_bytes() for p in made.iterdir() if not p.name.endswith(".lock")}
        self.data = DataDir.create(folder / "day", files)
        self.env["LLMCOURSE_DATA_DIR"] = str(self.data.path)
        self.versions = machine(python)["versions"]

    def llmcourse(self, words: list[str]) -> None:
        done = subprocess.run(
            [*self.launcher, *words], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(f"{self.name}: llmcourse {' '.join(words)} failed:\n{done.stderr}")

    def program(self, label: str, words: list[str]) -> Program:
        return Program(f"{self.name}: {label}", [*self.launcher, *words], self.env, self.data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", help="the Python of the earlier release's venv")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    dropped = ("LLMCOURSE_", "_LLMCOURSE_", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    root = Path(tempfile.mkdtemp(prefix="llmcourse-release-"))
    try:
        for kind in ("CACHE", "CONFIG", "DATA", "STATE"):
            env[f"XDG_{kind}_HOME"] = str(root / "home" / kind.lower())
        sides = [Side("new", sys.executable, root, env), Side("old", args.other, root, env)]
        rows = []
        with Runner(root / "stderr.txt") as runner:
            for label, words in CASES:
                print(f"{label}...", file=sys.stderr)
                new, old = runner.alternate(
                    [side.program(label, words) for side in sides], args.runs, args.warmup
                )
                paired = [a.seconds / b.seconds for a, b in zip(new.runs, old.runs, strict=True)]
                rows.append(
                    {
                        "case": label,
                        "command": "llmcourse " + " ".join(words),
                        "new_median_ms": new.median_ms,
                        "old_median_ms": old.median_ms,
                        "ratio": new.median_ms / old.median_ms,
                        "paired_ratio_quartiles": quartiles(paired),
                        "within_target": new.median_ms / old.median_ms <= TARGET,
                        "new_peak_mb": new.peak_rss_mb,
                        "old_peak_mb": old.peak_rss_mb,
                        "changed_data_runs": [new.changed_runs, old.changed_runs],
                    }
                )
        doc: dict[str, Any] = {
            "new": sides[0].versions,
            "old": sides[1].versions,
            "runs": args.runs,
            "warmup": args.warmup,
            "target_ratio": TARGET,
            "cases": rows,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(doc, indent=2) if args.json else report(doc))
    return 0


def report(doc: dict[str, Any]) -> str:
    def versions(found: dict[str, str | None]) -> str:
        return ", ".join(f"{name} {version}" for name, version in found.items())

    lines = [f"new: {versions(doc['new'])}", f"old: {versions(doc['old'])}", ""]
    lines += wrap(
        f"Medians of {doc['runs']} runs each, new and old alternated, after {doc['warmup']} "
        "warm-up rounds; ratio = new median / old median (quartiles of the run-by-run ratios)."
    )
    rows = []
    for c in doc["cases"]:
        low, _, high = c["paired_ratio_quartiles"]
        memory = (
            f"{c['new_peak_mb']:.1f} / {c['old_peak_mb']:.1f}"
            if c["new_peak_mb"] and c["old_peak_mb"]
            else "-"
        )
        rows.append(
            [
                c["command"],
                f"{c['old_median_ms']:.1f}",
                f"{c['new_median_ms']:.1f}",
                f"{c['ratio']:.2f} ({low:.2f}-{high:.2f})",
                f"<={doc['target_ratio']}",
                "yes" if c["within_target"] else "NO",
                memory,
            ]
        )
    headers = ["command", "old ms", "new ms", "ratio", "target", "ok", "peak MB new / old"]
    lines += ["", table(headers, rows, right={1, 2})]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
