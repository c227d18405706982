"""Timing: run programs alternately, many times, and keep each run's wall time and peak memory.

Each run is timed with `time.perf_counter` from just before it starts to the moment `os.wait4`
reaps it; `os.wait4` also returns that one process's resource usage, whose `ru_maxrss` is its
peak resident memory (`resource.getrusage(RUSAGE_CHILDREN)` would give only the largest of all
children so far). The runs are started by bench/_spawn.py, a small helper process, because a
Linux child's `ru_maxrss` also counts the process that forked it. Without `os.posix_spawn` and
`os.wait4` (Windows), runs are timed here with `subprocess` and peak memory is unknown.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _fixtures import DataDir

SPAWNER = Path(__file__).resolve().parent / "_spawn.py"
CAN_SPAWN = hasattr(os, "posix_spawn") and hasattr(os, "wait4")
TIMER = (
    "time.perf_counter from start to reap; peak RSS of each run from os.wait4 (runs started by "
    "bench/_spawn.py)"
    if CAN_SPAWN
    else "time.perf_counter from start to reap around subprocess.Popen; peak RSS unknown"
)


@dataclass
class Program:
    """One command line to time, with its environment and the data folder it may change."""

    label: str
    argv: list[str]
    env: dict[str, str]
    data: DataDir | None = None  # put back as it was before every run
    empty: Path | None = None  # a folder removed before every run

    def prepare(self) -> None:
        """Make what the program starts from the same for every run (untimed)."""
        if self.data is not None:
            self.data.restore()
        if self.empty is not None:
            shutil.rmtree(self.empty, ignore_errors=True)


@dataclass
class Run:
    seconds: float
    peak_rss_bytes: int | None
    cpu_seconds: float | None
    changed_data: bool


@dataclass
class Series:
    """All the timed runs of one program."""

    program: Program
    runs: list[Run] = field(default_factory=list)

    @property
    def times_ms(self) -> list[float]:
        return [run.seconds * 1000 for run in self.runs]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def peak_rss_mb(self) -> float | None:
        known = [run.peak_rss_bytes for run in self.runs if run.peak_rss_bytes is not None]
        return max(known) / 2**20 if known else None

    @property
    def changed_runs(self) -> int:
        return sum(run.changed_data for run in self.runs)


class CommandFailed(Exception):
    def __init__(self, program: Program, returncode: int, stderr: str) -> None:
        super().__init__(f"{program.label} exited with {returncode}")
        self.program = program
        self.returncode = returncode
        self.stderr = stderr


class Runner:
    """Starts runs through bench/_spawn.py (or, without it, here) and collects what they cost."""

    def __init__(self, errors: Path) -> None:
        self._errors = errors  # each run's stderr, kept to show when it fails
        self._spawner: subprocess.Popen[str] | None = None
        if CAN_SPAWN:
            self._spawner = subprocess.Popen(
                [sys.executable, "-I", "-S", str(SPAWNER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )

    def close(self) -> None:
        if self._spawner is not None and self._spawner.stdin is not None:
            self._spawner.stdin.close()
            self._spawner.wait()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._spawner is not None and self._spawner.stdin and self._spawner.stdout
        self._spawner.stdin.write(json.dumps(request) + "\n")
        self._spawner.stdin.flush()
        answer = self._spawner.stdout.readline()
        if not answer:
            raise RuntimeError("bench/_spawn.py stopped")
        found: dict[str, Any] = json.loads(answer)
        return found

    def own_peak_rss_mb(self) -> float | None:
        """The spawner's own peak RSS: no run it starts can report less."""
        if self._spawner is None:
            return None
        found = self._ask({"self": True})["peak_rss_bytes"]
        return found / 2**20 if found else None

    def run(self, program: Program) -> Run:
        """Run a program once from its data folder's pristine state; raise if it fails."""
        program.prepare()
        if self._spawner is not None:
            cost = self._ask(
                {"argv": program.argv, "env": program.env, "stderr": str(self._errors)}
            )
        else:
            cost = self._run_here(program)
        if cost["exit"] != 0:
            with open(self._errors, "rb") as errors:
                stderr = errors.read().decode("utf-8", errors="replace")
            raise CommandFailed(program, cost["exit"], stderr)
        changed = program.data.changed() if program.data is not None else False
        return Run(cost["seconds"], cost["peak_rss_bytes"], cost["cpu_seconds"], changed)

    def _run_here(self, program: Program) -> dict[str, Any]:
        with open(self._errors, "wb") as errors:
            start = time.perf_counter()
            process = subprocess.Popen(
                program.argv,
                env=program.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            process.wait()
            seconds = time.perf_counter() - start
        return {
            "seconds": seconds,
            "exit": process.returncode,
            "peak_rss_bytes": None,
            "cpu_seconds": None,
        }

    def alternate(
        self,
        programs: Sequence[Program],
        runs: int,
        warmup: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Series]:
        """Run the programs in turn (A B A B ..., or A B C A B C ...): `warmup` rounds untimed,
        then `runs` timed rounds, so that whatever slows the machine meanwhile hits all alike."""
        series = [Series(program) for program in programs]
        for round_ in range(warmup + runs):
            if progress is not None:
                progress(round_ + 1, warmup + runs)
            for one in series:
                run = self.run(one.program)
                if round_ >= warmup:
                    one.runs.append(run)
        return series


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        only = values[0]
        return only, only, only
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, middle, high
