"""Benchmark llmcourse's startup against its floors (issue 6).

    python bench/run.py            full run: 20 timed runs of each case after 2 warm-ups, then
                                   the scale runs at 10,000 and 20,000 topics (a few minutes)
    python bench/run.py --quick    CI: 3 runs after 1 warm-up, scale at 1,000 and 2,000 topics
    python bench/run.py --json     one JSON document on stdout instead of the tables
    python bench/run.py --only 'progress*' --runs 50 --no-scale
    python bench/run.py --python OTHER/bin/python    the llmcourse of another environment

What it does:

- Writes two floor apps to a temporary folder: the Typer floor (a Typer app with two commands
  that do nothing) and the rich floor (the same, whose command imports rich and prints one
  20-row, 4-column table). Both run as `python floor.py first`; llmcourse runs the same way, as
  `python <bin>/llmcourse ARGS` (its console script, by the interpreter running this script), so
  both sides pay the same interpreter start-up and differ only in what they import and do.
- Times each case alternately with its floor (case, floor, case, floor, ...), after warm-up
  rounds, and reports medians, the ratio to the floor and each process's peak RSS.
- `done` is timed on a topic that is not done yet: before every run the data folder is put back
  as it was (untimed), so every timed run really reads, locks, writes, fsyncs and prints.
- Completion is timed through Typer's shell-completion path (`_LLMCOURSE_COMPLETE=complete_bash`).
- Scale: generated courses of N and 2N topics (N references, N progress entries, 5N history
  events; N is 10,000 unless --scale-size says otherwise) against the bundled course, each size
  alternated with the others, through llmcourse's own roadmap-file option if it has one, else
  through bench/_with_roadmaps.py, a test-only loader.
- Runs each command once more under an audit hook (untimed) to list the files it opens in the
  data folder and the roadmap cache, and the modules it imports beyond its floor's.
- With --hyperfine, times the same cases with hyperfine too (not alternated: a cross-check).
- With --python, times the llmcourse installed for another interpreter (an earlier release in a
  venv of its own, say), floors included, on the same data: the fixtures are made by this
  interpreter's llmcourse (its progress format and bundled course), which the other must read.

LLMCOURSE_DATA_DIR, LLMCOURSE_CACHE_DIR, the XDG folders and the bytecode cache
(PYTHONPYCACHEPREFIX) all point into the temporary folder, which is removed at the end (--keep
keeps it). The exit status is 0 when everything ran, whatever the timings; it is 1 only when a
command failed, and that command's stderr is shown.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _report
from _fixtures import (
    Fixture,
    bundled_fixture,
    course_info,
    done_target,
    floor_source,
    half_filled,
    scaled_fixture,
)
from _measure import TIMER, CommandFailed, Program, Runner, Series, quartiles
from _report import describe_opened

BENCH = Path(__file__).resolve().parent
AUDIT = BENCH / "_audit.py"
DRIVER = BENCH / "_with_roadmaps.py"
FIXTURES = BENCH / "_fixtures.py"
ROADMAPS_OPTION = "--roadmaps"  # the custom-roadmap option, once llmcourse has it
MEMORY_TARGET = 1.2

# --- The cases. Add a row here to time another command. -------------------------------------
#
# args: llmcourse's arguments ("{done_target}" becomes a topic that is not done yet).
# floor: "typer" or "rich". target: the largest ratio to the floor's median that the issue
# allows, or None for a row shown only for information. env: extra environment variables.
# program: "llmcourse", "floor" to time the Typer floor itself (for reference rows), or
# "bash-tab" for a Tab through the bash completion script (BASH_TAB).
# writes: every run must change the data folder (it is put back before the next run).
# shows_history: the command may read history.jsonl (only commands that show history may).
# cold_cache: every run starts with an empty LLMCOURSE_CACHE_DIR (the roadmap cache), as the
# first run after an install or a course update does; other cases share a warm one.
# heavy: of the HEAVY packages, those the command may import beyond its floor's (see below).
# data: "own" runs on the fixture's data folder; "half" on a folder that holds the first half of
# it, beside "{export}", an export of the whole (what `import` merges). "{output}" is a file
# outside the data folder.

# Packages that cost a command milliseconds of start-up and that only some commands need. Each
# case names those it may import beyond its floor's; importing another is a finding, so that a
# module-level import that puts one on every command's path shows up here.
HEAVY = frozenset(
    ("rich", "tomllib", "tomli_w", "filelock", "pydantic", "webbrowser", "difflib", "unicodedata")
)
READS_PROGRESS = frozenset(("tomllib",))


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    floor: str
    target: float | None
    env: dict[str, str] = field(default_factory=dict)
    shown: str = ""
    program: str = "llmcourse"
    writes: bool = False
    shows_history: bool = False
    memory_target: float | None = MEMORY_TARGET
    cold_cache: bool = False
    heavy: frozenset[str] = READS_PROGRESS
    data: str = "own"

    def arguments(self, fixture: Fixture) -> list[str]:
        values = {
            "done_target": done_target(fixture.course),
            "export": fixture.export,
            "output": fixture.data.path.parent / "output",
        }
        return [arg.format(**values) for arg in self.args]

    def display(self, fixture: Fixture) -> str:
        return self.shown or shlex.join(["llmcourse", *self.arguments(fixture)])


COMPLETE_ID = {
    "_LLMCOURSE_COMPLETE": "complete_bash",
    "COMP_WORDS": "llmcourse show scientist/arch",
    "COMP_CWORD": "2",
}
# One Tab in bash as the installed completion script takes it: the script llmcourse writes for
# bash, sourced, and its function called on a typical word, as bash calls it. The script reads
# the id list in the cache folder; llmcourse itself does not start.
BASH_TAB_LINE = "llmcourse show scientist/arch"
BASH_TAB = r"""
source "$1"
compopt() { return 0; }  # works only while bash completes on a key
line=$2
read -ra COMP_WORDS <<< "$line"
COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
_llmcourse_completion llmcourse "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""

COMPLETE_FLOOR = {"_FLOOR_COMPLETE": "complete_bash", "COMP_WORDS": "floor fi", "COMP_CWORD": "1"}

TABLES = READS_PROGRESS | {"rich"}  # a rich view of the course and the learner's progress
NOTHING: frozenset[str] = frozenset()

CASES = [
    Case("list", ("list",), "rich", 1.10, heavy=TABLES),
    Case("list-json", ("list", "--json"), "typer", 1.10),
    Case("show", ("show", "scientist/1"), "rich", 1.10, heavy=TABLES),
    Case("show-json", ("show", "scientist/1", "--json"), "typer", 1.10),
    # progress ends with recent work and the streak, which come from the history.
    Case("progress", ("progress",), "rich", 1.10, shows_history=True, heavy=TABLES),
    Case("progress-json", ("progress", "--json"), "typer", 1.10),
    Case("done", ("done", "{done_target}"), "typer", 1.20, writes=True),
    # llmcourse alone: the first screen, a plain-line view; its streak comes from the history.
    Case("first-screen", (), "typer", 1.10, shown="llmcourse", shows_history=True),
    # What is due for review, and what comes next: read from the dates, without the scheduler.
    Case("review-json", ("review", "--json"), "typer", 1.10),
    Case(
        "complete-id", (), "typer", 1.05, COMPLETE_ID, "llmcourse show scientist/arch<Tab>",
        heavy=NOTHING,
    ),
    # For information (the issue sets no time target for these; memory's applies to all):
    # the commands that show or change the history, llmcourse before any command, the first run
    # with an empty roadmap cache, and Typer's own completion path over its floor.
    Case("log", ("log",), "rich", None, shows_history=True, heavy=TABLES),
    Case("log-chart", ("log", "--chart"), "rich", None, shows_history=True, heavy=TABLES),
    Case("next", ("next",), "rich", None, heavy=TABLES),
    # search reads no progress: only the course, and what folds text for matching.
    Case("search", ("search", "attention"), "rich", None, heavy=frozenset(("rich", "unicodedata"))),
    Case(
        "search-json", ("search", "attention", "--json"), "typer", None,
        heavy=frozenset(("unicodedata",)),
    ),
    Case("log-json", ("log", "--json"), "typer", None, shows_history=True),
    Case("undo", ("undo",), "typer", None, writes=True, shows_history=True),
    Case("doctor", ("doctor",), "rich", None, shows_history=True, heavy=TABLES),
    Case("version", ("--version",), "typer", None, heavy=NOTHING),
    # The first run after an install validates the roadmap file, with pydantic.
    Case(
        "progress-json-cold", ("progress", "--json"), "typer", None, cold_cache=True,
        heavy=READS_PROGRESS | {"pydantic"},
    ),
    Case(
        "floor-complete", (), "typer", None, COMPLETE_FLOOR, "floor fi<Tab>", "floor",
        memory_target=None,
    ),
    # One Tab through the installed bash script (a bash process, no Python): for information.
    Case(
        "bash-tab", (), "typer", None, shown=f"{BASH_TAB_LINE}<Tab> (bash script)",
        program="bash-tab", memory_target=None, heavy=NOTHING,
    ),
]  # fmt: skip

# Scale cases run on the bundled course and on generated courses of N and 2N topics.
SCALE_CASES = [
    Case("scale-progress-json", ("progress", "--json"), "", None),
    Case("scale-done", ("done", "{done_target}"), "", None, writes=True),
    # The views that show the history: the log's newest page, and the streak, recent work and
    # calendar that progress and the first screen draw from it.
    Case("scale-log", ("log",), "", None, shows_history=True),
    Case("scale-progress", ("progress",), "", None, shows_history=True),
    Case("scale-first-screen", (), "", None, shown="llmcourse", shows_history=True),
    Case("scale-doctor", ("doctor",), "", None, shows_history=True),
    Case("scale-export", ("export", "--format", "json", "-o", "{output}"), "", None,
         shows_history=True),
    # An export of the whole data merged into a folder holding half of it: new entries, and
    # events of which the first ones are there already.
    Case("scale-import", ("import", "{export}"), "", None, writes=True, shows_history=True,
         data="half"),
]  # fmt: skip
SCALE_TIME_TARGET = 3.0  # at N topics, at most this many times the bundled course's median
SCALE_GROWTH_TARGET = 2.0  # from N to 2N, the cost over the bundled course at most doubles


# --- Running ----------------------------------------------------------------------------------


class Reporter:
    """Progress on stderr: one updating line on a terminal, a line per step elsewhere."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def step(self, text: str) -> None:
        if self.tty:
            sys.stderr.write(f"\r\033[K{text}")
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def rounds(self, text: str) -> Callable[[int, int], None]:
        def show(done: int, total: int) -> None:
            if self.tty or done == 1:
                self.step(f"{text}: round {done}/{total}" if self.tty else f"{text} ...")

        return show

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\r\033[K")


@dataclass
class Loader:
    """How a run gets a roadmap file other than the bundled one."""

    kind: str  # "option" (before the command), "command-option" (after it) or "driver"
    description: str
    python: str = sys.executable  # what runs the driver

    def argv(self, launcher: list[str], course: Path, args: list[str]) -> list[str]:
        if self.kind == "option":
            return [*launcher, ROADMAPS_OPTION, str(course), *args]
        if self.kind == "command-option":
            return [*launcher, args[0], ROADMAPS_OPTION, str(course), *args[1:]]
        return [self.python, str(DRIVER), str(course), *args]


def find_loader(launcher: list[str], env: dict[str, str]) -> Loader:
    def mentions(*args: str) -> bool:
        done = subprocess.run(
            [*launcher, *args, "--help"], env=env, capture_output=True, text=True, check=False
        )
        return re.search(rf"{ROADMAPS_OPTION}\b", done.stdout) is not None

    if mentions():
        return Loader("option", f"llmcourse's own option: llmcourse {ROADMAPS_OPTION} FILE ...")
    if mentions("progress") and mentions("done"):
        return Loader(
            "command-option", f"llmcourse's own option: llmcourse COMMAND {ROADMAPS_OPTION} FILE"
        )
    return Loader(
        "driver",
        f"llmcourse has no {ROADMAPS_OPTION} option yet, so the test-only loader "
        "bench/_with_roadmaps.py FILE ARGS runs llmcourse's entry point with "
        "llmcourse.catalog.load_bundled replaced by a parser of FILE (the bundled row goes "
        "through it too, with the bundled file)",
        launcher[0],
    )


def llmcourse_commands(launcher: list[str], env: dict[str, str]) -> set[str] | None:
    """The commands `llmcourse --help` lists, or None if it lists none that can be read."""
    done = subprocess.run([*launcher, "--help"], env=env, capture_output=True, text=True)
    found: set[str] = set()
    listing = False
    for line in done.stdout.splitlines():
        if "Commands" in line:
            listing = True
        elif listing and (match := re.match(r"^[\s│|]*([a-z][\w-]*)(\s{2,}|\s*$)", line)):
            found.add(match.group(1))
    return found or None


def runnable(case: Case, commands: set[str] | None) -> bool:
    """Whether llmcourse has the command a case runs (rows for newer commands wait for them)."""
    first = next(iter(case.args), "-")
    return (
        case.program != "llmcourse"
        or commands is None
        or first.startswith("-")
        or first in commands
    )


def base_environment(root: Path) -> dict[str, str]:
    """The caller's environment, minus what would steer llmcourse, and kept off the user's files.

    LLMCOURSE_DATA_DIR is set per case. The roadmap cache (LLMCOURSE_CACHE_DIR) and the XDG
    folders, where platformdirs puts any other per-user file, point into the temporary folder.
    Compiled bytecode goes there too (PYTHONPYCACHEPREFIX), written by the first, untimed runs:
    an installed llmcourse has its bytecode, and a source checkout run with
    PYTHONDONTWRITEBYTECODE=1 would otherwise compile llmcourse (only llmcourse: its
    dependencies come with theirs) on every run.
    """
    dropped = ("LLMCOURSE_", "_LLMCOURSE_", "_FLOOR_", "COMP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    for name in ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE", "PYTHONDEVMODE"):
        env.pop(name, None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    env["LLMCOURSE_CACHE_DIR"] = str(root / "cache")
    for kind in ("CACHE", "CONFIG", "DATA", "STATE"):
        env[f"XDG_{kind}_HOME"] = str(root / "home" / kind.lower())
    return env


@dataclass
class Setup:
    root: Path
    launcher: list[str]
    launcher_note: str
    floors: dict[str, Path]
    env: dict[str, str]
    bundled: Fixture
    importing: dict[str, Fixture] = field(default_factory=dict)  # by name: see `importing`

    def environment(self, fixture: Fixture, extra: dict[str, str]) -> dict[str, str]:
        return {**self.env, "LLMCOURSE_DATA_DIR": str(fixture.data.path), **extra}

    def floor(self, kind: str, env: dict[str, str] | None = None) -> Program:
        argv = [self.launcher[0], str(self.floors[kind])]
        if not env:
            argv.append("first")
        return Program(f"{kind} floor", argv, self.environment(self.bundled, env or {}))

    def program(self, case: Case, fixture: Fixture, argv: list[str] | None = None) -> Program:
        if case.program == "floor":
            floor = self.floor("typer", case.env)
            floor.label = case.display(fixture)
            return floor
        env = self.environment(fixture, case.env)
        if case.program == "bash-tab":
            script = bash_script(self, env)
            return Program(
                case.display(fixture),
                [
                    shutil.which("bash") or "bash",
                    "--norc",
                    "--noprofile",
                    "-c",
                    BASH_TAB,
                    "tab",
                    str(script),
                    BASH_TAB_LINE,
                ],
                env,
                fixture.data,
            )
        argv = argv or [*self.launcher, *case.arguments(fixture)]
        program = Program(case.display(fixture), argv, env, fixture.data)
        if case.cold_cache:
            program.empty = self.root / "cold-cache"
            program.env["LLMCOURSE_CACHE_DIR"] = str(program.empty)
        return program


def bash_script(setup: Setup, env: dict[str, str]) -> Path:
    """The bash completion script llmcourse writes, and the id list it reads, made (untimed)."""
    script = setup.root / "llmcourse.bash"
    shown = subprocess.run(
        [*setup.launcher, "--show-completion", "bash"],
        env={**env, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    script.write_text(shown.stdout, encoding="utf-8")
    # Completing an id through llmcourse writes the list if the course cache did not.
    ask = {"_LLMCOURSE_COMPLETE": "complete_bash", "COMP_WORDS": BASH_TAB_LINE, "COMP_CWORD": "2"}
    subprocess.run(setup.launcher, env={**env, **ask}, capture_output=True, check=True)
    return script


def make_setup(root: Path, python: str) -> Setup:
    floors = {}
    for kind in ("typer", "rich"):
        floors[kind] = root / f"floor_{kind}.py"
        floors[kind].write_text(floor_source(kind), encoding="utf-8")
    script = Path(python).parent / "llmcourse"
    if script.is_file():
        launcher = [python, str(script)]
        note = (
            f"python {script} ARGS: the console script, run by the interpreter that runs the "
            "floors as python floor_*.py first"
        )
    else:
        launcher = [python, "-m", "llmcourse"]
        note = f"python -m llmcourse ARGS (no console script beside {python})"
    return Setup(root, launcher, note, floors, base_environment(root), bundled_fixture(root))


def audit(setup: Setup, program: Program) -> dict[str, Any]:
    """Run a program once under bench/_audit.py: the files it opens in the data folder and the
    roadmap cache (shown as cache/NAME), and the modules it loads."""
    report = setup.root / "audit.json"
    program.prepare()
    argv = [program.argv[0], str(AUDIT), str(report), str(setup.root), *program.argv[1:]]
    done = subprocess.run(argv, env=program.env, capture_output=True, check=False)
    if done.returncode != 0:
        raise CommandFailed(program, done.returncode, done.stderr.decode(errors="replace"))
    found: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    places = {
        Path(program.env["LLMCOURSE_DATA_DIR"]): "",
        Path(program.env["LLMCOURSE_CACHE_DIR"]): "cache/",
    }
    opened: dict[str, set[str]] = {}
    for name, how in found["opened"].items():
        path = setup.root / name
        prefix = places.get(path.parent)
        if prefix is None:
            continue  # bytecode, roadmap files, the audit report
        # Temporary files and cache entries have random, numbered or hashed names.
        shown = re.sub(r"\.([a-z0-9_]{8}|\d+)\.tmp$", ".*.tmp", prefix + path.name)
        shown = re.sub(r"[0-9a-f]{16,}", "*", shown)
        opened.setdefault(shown, set()).update(how)
    found["opened"] = {name: sorted(how) for name, how in sorted(opened.items())}
    program.prepare()
    return found


def packages(modules: Sequence[str]) -> set[str]:
    return {name.split(".")[0] for name in modules if not name.startswith("_")}


# --- Results ----------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def within(value: float | None, target: float | None) -> bool | None:
    return None if value is None or target is None else value <= target


@dataclass
class CaseResult:
    case: Case
    program: Program
    floor: Program
    env: dict[str, str]  # the case's own environment variables
    series: Series | None = None
    floor_series: Series | None = None
    audit: dict[str, Any] | None = None
    floor_audit: dict[str, Any] | None = None
    failure: CommandFailed | None = None

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "case": self.case.name,
            "command": self.program.label,
            "argv": self.program.argv,
            "env": self.env,
            "floor_argv": self.floor.argv,
            "floor": self.case.floor,
            "target_ratio": self.case.target,
            "memory_target_ratio": self.case.memory_target,
            "failed": self.failure is not None,
        }
        series, floor = self.series, self.floor_series
        if series is not None and floor is not None:
            pairs = [a / b for a, b in zip(series.times_ms, floor.times_ms, strict=True)]
            time_ratio = ratio(series.median_ms, floor.median_ms)
            mem_ratio = ratio(series.peak_rss_mb, floor.peak_rss_mb)
            doc |= {
                "median_ms": series.median_ms,
                "floor_median_ms": floor.median_ms,
                "ratio": time_ratio,
                "within_target": within(time_ratio, self.case.target),
                "paired_ratio_quartiles": quartiles(pairs),
                "peak_rss_mb": series.peak_rss_mb,
                "floor_peak_rss_mb": floor.peak_rss_mb,
                "memory_ratio": mem_ratio,
                "memory_within_target": within(mem_ratio, self.case.memory_target),
                "runs_that_changed_data": series.changed_runs,
                "times_ms": series.times_ms,
                "floor_times_ms": floor.times_ms,
                "cpu_ms": cpu_ms(series),
                "floor_cpu_ms": cpu_ms(floor),
            }
        if self.audit is not None:
            doc["audit"] = audit_json(self.audit, self.floor_audit)
        return doc


def cpu_ms(series: Series) -> list[float]:
    """Each run's user + system CPU time: what the wall time was not spent waiting on."""
    return [run.cpu_seconds * 1000 for run in series.runs if run.cpu_seconds is not None]


def audit_json(found: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "data_files_opened": found["opened"],
        "modules": len(found["modules"]),
        # Typer 0.29 imports pydantic on every command: whether this run did, and its floor.
        "imports_pydantic": "pydantic" in found["modules"],
    }
    if floor is not None:
        doc["floor_modules"] = len(floor["modules"])
        doc["floor_imports_pydantic"] = "pydantic" in floor["modules"]
        doc["packages_beyond_floor"] = sorted(
            packages(found["modules"]) - packages(floor["modules"])
        )
    return doc


@dataclass
class ScaleResult:
    case: Case
    fixtures: list[Fixture]
    commands: list[str]
    series: list[Series] = field(default_factory=list)
    audit: dict[str, Any] | None = None
    failure: CommandFailed | None = None

    def medians(self) -> list[float]:
        return [one.median_ms for one in self.series]

    def time_ratio(self) -> float | None:
        return ratio(self.medians()[1], self.medians()[0]) if self.series else None

    def growth(self) -> float | None:
        if not self.series:
            return None
        base, first, second = self.medians()
        return ratio(second - base, first - base) if first > base else None

    def linear_growth(self) -> float:
        """The growth a cost linear in the number of topics gives (a little over 2)."""
        base, first, second = (len(f.course.topics) for f in self.fixtures)
        return (second - base) / (first - base)

    def growth_target(self) -> float:
        """At most doubling, or what a linear cost gives where the bundled course's own size
        makes that a little more (the extra cost of N over bundled is not quite N's)."""
        return max(SCALE_GROWTH_TARGET, round(self.linear_growth(), 2))

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "case": self.case.name,
            "failed": self.failure is not None,
            "time_ratio_target": SCALE_TIME_TARGET,
            "extra_cost_growth_target": self.growth_target(),
            "linear_extra_cost_growth": self.linear_growth(),
            "sizes": [],
        }
        for n, fixture in enumerate(self.fixtures):
            size = fixture_json(fixture) | {"command": self.commands[n]}
            if self.series:
                one = self.series[n]
                size |= {
                    "median_ms": one.median_ms,
                    "ratio_to_bundled": ratio(one.median_ms, self.series[0].median_ms),
                    "peak_rss_mb": one.peak_rss_mb,
                    "runs_that_changed_data": one.changed_runs,
                    "times_ms": one.times_ms,
                }
            doc["sizes"].append(size)
        if self.series:
            doc |= {
                "time_ratio": self.time_ratio(),
                "within_time_target": within(self.time_ratio(), SCALE_TIME_TARGET),
                "extra_cost_growth": self.growth(),
                "within_growth_target": within(self.growth(), self.growth_target()),
            }
        if self.audit is not None:
            doc["audit_at_n"] = audit_json(self.audit, None)
        return doc


def fixture_json(fixture: Fixture) -> dict[str, Any]:
    return {
        "fixture": fixture.name,
        "topics": len(fixture.course.topics),
        "references": len(fixture.course.references),
        "progress_entries": fixture.entries,
        "history_events": fixture.events,
        "roadmap_file": str(fixture.course_path),
    }


def findings(cases: list[CaseResult], scale: list[ScaleResult]) -> list[str]:
    """What the audit and the data folder's state show, beyond the timings."""
    found = []
    for result in cases:
        case, series = result.case, result.series
        if series is not None and case.writes and series.changed_runs != len(series.runs):
            found.append(
                f"{case.name}: changed the data folder on only {series.changed_runs} of "
                f"{len(series.runs)} timed runs"
            )
        if series is not None and not case.writes and series.changed_runs:
            found.append(f"{case.name}: changed the data folder on {series.changed_runs} runs")
        if result.audit is None or case.program != "llmcourse":
            continue
        opened = result.audit["opened"]
        beyond = packages(result.audit["modules"])
        if result.floor_audit is not None:
            beyond -= packages(result.floor_audit["modules"])
        for heavy in sorted((beyond & HEAVY) - case.heavy):
            found.append(f"{case.name}: imports {heavy}, which it does not need")
        if "pydantic" in result.audit["modules"] and "pydantic" not in case.heavy | beyond:
            found.append(f"{case.name}: imports pydantic, as its floor does (Typer's doing)")
        if not case.shows_history and "read" in opened.get("history.jsonl", []):
            found.append(f"{case.name}: reads history.jsonl, but shows no history")
        if case.env and opened:
            found.append(f"{case.name}: completion opens {describe_opened(opened)}")
    for scaled in scale:
        opened = scaled.audit["opened"] if scaled.audit is not None else {}
        if not scaled.case.shows_history and "read" in opened.get("history.jsonl", []):
            found.append(f"{scaled.case.name}: reads history.jsonl, but shows no history")
    return found


# --- Main ---------------------------------------------------------------------------------------


def selected(cases: list[Case], patterns: list[str] | None) -> list[Case]:
    if not patterns:
        return cases
    return [
        case
        for case in cases
        if any(fnmatch.fnmatch(case.name, p) or p in case.name for p in patterns)
    ]


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__.split("\n\n")[0].strip() if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]) if __doc__ else None,
    )
    parser.add_argument("--runs", type=int, help="timed rounds per case (default 20)")
    parser.add_argument("--warmup", type=int, help="untimed rounds first (default 2)")
    parser.add_argument("--scale-runs", type=int, help="timed rounds per scale case (default 5)")
    parser.add_argument("--scale-warmup", type=int, help="untimed scale rounds (default 1)")
    parser.add_argument(
        "--scale-size", type=int, help="N for the scale runs, which also run 2N (default 10000)"
    )
    parser.add_argument("--no-scale", action="store_true", help="skip the scale runs")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for CI: --runs 3 --warmup 1 --scale-runs 3 --scale-warmup 1 --scale-size 1000 "
        "(options given explicitly win)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="PATTERN",
        help="run only the cases whose name matches (glob or substring; repeatable)",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="time the llmcourse of this interpreter's environment (default: this one's)",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--dir", type=Path, help="where to make the temporary folder (default: the system's)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--hyperfine",
        action="store_true",
        help="also time the cases with hyperfine, if installed (not alternated; a cross-check)",
    )
    args = parser.parse_args(argv)
    quick = {"runs": 3, "warmup": 1, "scale_runs": 3, "scale_warmup": 1, "scale_size": 1000}
    full = {"runs": 20, "warmup": 2, "scale_runs": 5, "scale_warmup": 1, "scale_size": 10000}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in ("runs", "warmup", "scale_runs", "scale_warmup", "scale_size"):
        if getattr(args, name) < 1:
            # A first run compiles bytecode into the temporary folder: it is never timed.
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    cases = selected(CASES, args.only)
    scale_cases = [] if args.no_scale else selected(SCALE_CASES, args.only)
    if args.list:
        for case in [*CASES, *SCALE_CASES]:
            print(f"{case.name:20} {case.shown or shlex.join(['llmcourse', *case.args])}")
        return 0
    if not cases and not scale_cases:
        sys.exit(f"no case matches {args.only}; see --list")
    root = Path(tempfile.mkdtemp(prefix="llmcourse-bench-", dir=args.dir))
    try:
        return run(args, root, cases, scale_cases)
    finally:
        if args.keep:
            sys.stderr.write(f"kept {root}\n")
        else:
            shutil.rmtree(root, ignore_errors=True)


def run(args: argparse.Namespace, root: Path, cases: list[Case], scale_cases: list[Case]) -> int:
    reporter = Reporter()
    reporter.step("writing the floors and the bundled course's progress ...")
    setup = make_setup(root, args.python)
    commands = llmcourse_commands(setup.launcher, setup.environment(setup.bundled, {}))
    skipped = [case.name for case in [*cases, *scale_cases] if not runnable(case, commands)]
    cases = [case for case in cases if runnable(case, commands)]
    scale_cases = [case for case in scale_cases if runnable(case, commands)]
    scale_fixtures: list[Fixture] = []
    if scale_cases:
        info = course_info(setup.bundled.course_path)
        for size in (args.scale_size, 2 * args.scale_size):
            reporter.step(f"generating a course of {size:,} topics and its progress ...")
            scale_fixtures.append(scaled_fixture(root, size, info))
    if hasattr(os, "sync"):
        os.sync()  # leave nothing of the fixtures for a command's fsync to flush
    failures: list[CommandFailed] = []
    with Runner(root / "stderr.txt") as runner:
        case_results = run_cases(args, setup, runner, reporter, cases, failures)
        loader = None
        scale_results = []
        if scale_cases:
            loader = find_loader(setup.launcher, setup.environment(setup.bundled, {}))
            scale_results = run_scale(
                args, setup, runner, reporter, scale_cases, scale_fixtures, loader, failures
            )
        memory_floor = runner.own_peak_rss_mb()
    crosscheck = hyperfine(args, setup, reporter, case_results) if args.hyperfine else None
    reporter.done()

    doc = {
        "machine": _report.machine(args.python),
        "settings": {
            key: getattr(args, key)
            for key in ("runs", "warmup", "scale_runs", "scale_warmup", "scale_size", "quick")
        },
        "timer": TIMER,
        "memory_floor_mb": memory_floor,
        "launcher": setup.launcher_note,
        "loader": loader.description if loader else None,
        "data_root": str(root),
        "file_system": _report.file_system(root),
        "bundled": fixture_json(setup.bundled) | {"done_target": done_target(setup.bundled.course)},
        "floors": {kind: str(path) for kind, path in setup.floors.items()},
        "cases": [result.json() for result in case_results],
        "hyperfine": crosscheck,
        "scale": [result.json() for result in scale_results],
        "skipped": skipped,
        "findings": findings(case_results, scale_results),
        "failures": [
            {"command": shlex.join(f.program.argv), "exit": f.returncode, "stderr": f.stderr}
            for f in failures
        ],
    }
    print(json.dumps(doc, indent=2) if args.json else _report.text(doc))
    for failure in failures:
        sys.stderr.write(
            f"\nbench: {shlex.join(failure.program.argv)} exited with {failure.returncode}:\n"
            f"{failure.stderr.rstrip()}\n"
        )
    return 1 if failures else 0


def run_cases(
    args: argparse.Namespace,
    setup: Setup,
    runner: Runner,
    reporter: Reporter,
    cases: list[Case],
    failures: list[CommandFailed],
) -> list[CaseResult]:
    """Each case alternated with its floor, on the bundled course."""
    floor_audits: dict[str, dict[str, Any]] = {}
    results = []
    for case in cases:
        program = setup.program(case, setup.bundled)
        floor = setup.floor(case.floor)
        shown_env = {key: value for key, value in program.env.items() if key in case.env}
        result = CaseResult(case, program, floor, shown_env)
        results.append(result)
        try:
            report = reporter.rounds(f"timing {case.name} against the {case.floor} floor")
            result.series, result.floor_series = runner.alternate(
                [program, floor], args.runs, args.warmup, report
            )
            # After the timed runs, so that the audit sees what a run in the series did.
            if case.program == "bash-tab":
                continue  # no Python to audit
            reporter.step(f"auditing {case.name} ...")
            if case.floor not in floor_audits:
                floor_audits[case.floor] = audit(setup, floor)
            result.floor_audit = floor_audits[case.floor]
            result.audit = audit(setup, program)
        except CommandFailed as err:
            result.failure = err
            failures.append(err)
    return results


def run_scale(
    args: argparse.Namespace,
    setup: Setup,
    runner: Runner,
    reporter: Reporter,
    cases: list[Case],
    scale_fixtures: list[Fixture],
    loader: Loader,
    failures: list[CommandFailed],
) -> list[ScaleResult]:
    """Each scale case on the bundled course and the generated ones, alternated."""
    results = []
    for case in cases:
        fixtures = [setup.bundled, *scale_fixtures]
        if case.data == "half":
            fixtures = [importing(setup, loader, f) for f in fixtures]
        programs = [
            setup.program(case, f, loader.argv(setup.launcher, f.course_path, case.arguments(f)))
            for f in fixtures
        ]
        result = ScaleResult(case, fixtures, [shlex.join(p.argv) for p in programs])
        results.append(result)
        try:
            report = reporter.rounds(f"timing {case.name} on three courses")
            result.series = runner.alternate(programs, args.scale_runs, args.scale_warmup, report)
            reporter.step(f"auditing {case.name} ...")
            result.audit = audit(setup, programs[1])
        except CommandFailed as err:
            result.failure = err
            failures.append(err)
    return results


def importing(setup: Setup, loader: Loader, fixture: Fixture) -> Fixture:
    """The fixture's half-filled data folder, beside an export of all its data that
    `llmcourse export` writes (untimed), made once."""
    if fixture.name not in setup.importing:
        half = half_filled(fixture)
        assert half.export is not None
        argv = loader.argv(
            setup.launcher,
            fixture.course_path,
            ["export", "--format", "json", "-o", str(half.export)],
        )
        subprocess.run(argv, env=setup.environment(fixture, {}), capture_output=True, check=True)
        setup.importing[fixture.name] = half
    return setup.importing[fixture.name]


def hyperfine(
    args: argparse.Namespace, setup: Setup, reporter: Reporter, results: list[CaseResult]
) -> dict[str, Any] | None:
    """The same cases timed by hyperfine, if it is installed: a cross-check of the own loop.

    hyperfine runs all of one command's runs before the next command's, so a case and its
    floor are not alternated; --prepare puts the data folder back before every run.
    """
    found = shutil.which("hyperfine")
    if found is None:
        reporter.step("hyperfine is not installed: no cross-check")
        return None
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    export = setup.root / "hyperfine.json"
    rows = []
    for result in results:
        if result.failure is not None:
            continue
        reporter.step(f"hyperfine: {result.case.name} ...")
        program, floor = result.program, result.floor
        argv = [found, "-N", "--style", "none", "--export-json", str(export)]
        argv += ["--warmup", str(args.warmup), "--runs", str(args.runs)]
        if program.data is not None:
            reset = [sys.executable, str(FIXTURES), "reset"]
            reset += [str(program.data.path), str(program.data.pristine)]
            reset += [str(program.empty)] if program.empty is not None else []
            argv += ["--prepare", shlex.join(reset)]
        argv += [shlex.join(program.argv), shlex.join(floor.argv)]
        # One environment for both: the floor ignores llmcourse's completion variables.
        done = subprocess.run(argv, env=program.env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            rows.append({"case": result.case.name, "error": done.stderr.strip()})
            continue
        timed = json.loads(export.read_text(encoding="utf-8"))["results"]
        median, floor_median = (one["median"] * 1000 for one in timed)
        rows.append(
            {
                "case": result.case.name,
                "median_ms": median,
                "floor_median_ms": floor_median,
                "ratio": ratio(median, floor_median),
            }
        )
        if program.data is not None:
            program.data.restore()
    return {
        "version": version.stdout.strip(),
        "runs": args.runs,
        "warmup": args.warmup,
        "cases": rows,
    }


if __name__ == "__main__":
    sys.exit(main())
