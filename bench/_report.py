"""The benchmark's tables, as plain text, from the JSON document that --json prints."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import textwrap
from pathlib import Path
from typing import Any

_VERSIONS = """
import json, platform
from importlib import metadata
found = {}
for name in ("llmcourse", "typer", "rich", "pydantic"):
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = None
print(json.dumps({"python": platform.python_version(), "versions": found}))
"""


def machine(python: str) -> dict[str, Any]:
    """The machine, and the Python and packages that `python` runs llmcourse with."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    asked = subprocess.run([python, "-c", _VERSIONS], capture_output=True, text=True, check=True)
    found = json.loads(asked.stdout)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": found["python"],
        "python_executable": python,
        "platform": platform.platform(),
        "versions": found["versions"],
    }


def file_system(path: Path) -> str | None:
    """The type of the file system holding `path` (Linux only), e.g. ext4 or tmpfs."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    real, best, kind = str(path.resolve()), "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def describe_opened(opened: dict[str, list[str]]) -> str:
    marks = {("read",): "r", ("write",): "w", ("read", "write"): "rw"}
    return ", ".join(f"{name} ({marks[tuple(how)]})" for name, how in opened.items()) or "-"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def verdict(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[value]


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def wrap(text: str, indent: str = "", first: str = "") -> list[str]:
    """A paragraph folded to 100 columns, its first line starting with `first`."""
    return textwrap.wrap(
        text, 100, initial_indent=first or indent, subsequent_indent=indent, break_on_hyphens=False
    )


def text(doc: dict[str, Any]) -> str:
    m, s, b = doc["machine"], doc["settings"], doc["bundled"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average"] or [])
    pad = " " * 11
    out = ["llmcourse start-up benchmark (issue 6)", ""]
    out += wrap(
        f"{m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), load average "
        f"{load or '-'}; {m['platform']}; Python {m['python']} ({m['python_executable']}); "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        pad,
        "machine:   ",
    )
    out += wrap(
        f"own loop, each command alternated with its floor run by run: {doc['timer']}, "
        f"itself {ms(doc['memory_floor_mb'])} MB, the least a run can show. hyperfine "
        "cannot alternate two commands nor give each run's peak memory (see --hyperfine).",
        pad,
        "timer:     ",
    )
    out += wrap(doc["launcher"], pad, "llmcourse: ")
    out += wrap(
        "every run finds its modules compiled, as after an install: bytecode is cached in the "
        "temporary folder (PYTHONPYCACHEPREFIX) by the first, untimed runs",
        pad,
        "bytecode:  ",
    )
    out += wrap(
        "python floor_typer.py first (a Typer app with two commands that do nothing) and "
        "python floor_rich.py first (the same, printing one 20-row, 4-column rich table)",
        pad,
        "floors:    ",
    )
    out += wrap(
        f"LLMCOURSE_DATA_DIR in {doc['data_root']} (on "
        f"{doc['file_system'] or 'an unknown file system'}), removed at the end; the bundled "
        f"course ({b['topics']} topics, {b['references']} references) with "
        f"{b['progress_entries']} progress entries and {b['history_events']} history events",
        pad,
        "data:      ",
    )
    if doc["file_system"] == "tmpfs":
        out += wrap("warning: fsync costs nothing on tmpfs; use --dir on a disk for done", pad)
    if doc["cases"]:
        out += ["", *wrap(
            f"Medians of {s['runs']} runs after {s['warmup']} warm-up rounds. ratio = median / "
            "floor median, (IQR) = the quartiles of the run-by-run ratios; peak MB = the largest "
            "peak RSS of the runs."
        ), "", case_table(doc["cases"])]  # fmt: skip
        done = next((c for c in doc["cases"] if c["case"] == "done" and not c["failed"]), None)
        if done:
            out += ["", *wrap(
                f"done: each run marks {b['done_target']}, which is not done: the data folder "
                "is put back (untimed) before every run, so every run reads, locks, writes, "
                f"fsyncs and prints. It changed the folder on {done['runs_that_changed_data']} of "
                f"{s['runs']} runs."
            )]  # fmt: skip
        out += ["", *wrap(
            "What each command touched, from one more run (untimed) under an audit hook: the "
            "modules it loaded, and the files it opened for reading (r) or writing (w) in the "
            "data folder and in the roadmap cache (cache/):"
        ), ""]  # fmt: skip
        out.append(audit_table(doc["cases"]))
        out += ["", *wrap(pydantic_line(doc))]
    if doc["hyperfine"]:
        out += ["", hyperfine_table(doc)]
    if doc["scale"]:
        out += ["", scale_report(doc)]
    if doc["skipped"]:
        out += ["", *wrap(
            "Skipped, as this llmcourse does not have their command: " + ", ".join(doc["skipped"])
        )]  # fmt: skip
    if doc["findings"]:
        out += ["", "Findings:"]
        for line in doc["findings"]:
            out += wrap(line, "    ", "  - ")
    if doc["failures"]:
        out += ["", "FAILED (stderr below):"]
        out += [f"  - {f['command']}: exit {f['exit']}" for f in doc["failures"]]
    return "\n".join(out)


def case_table(cases: list[dict[str, Any]]) -> str:
    headers = [
        "case", "command", "floor", "median ms", "floor ms", "ratio", "(IQR)", "target", "ok",
        "peak MB", "floor MB", "mem ratio", "ok",
    ]  # fmt: skip
    rows = []
    for c in cases:
        if c["failed"]:
            rows.append([c["case"], c["command"], c["floor"], "FAILED", *[""] * 9])
            continue
        low, _, high = c["paired_ratio_quartiles"]
        rows.append(
            [
                c["case"],
                c["command"],
                c["floor"],
                ms(c["median_ms"]),
                ms(c["floor_median_ms"]),
                times(c["ratio"]),
                f"({low:.2f}-{high:.2f})",
                f"<={c['target_ratio']:.2f}" if c["target_ratio"] else "info",
                verdict(c["within_target"]),
                ms(c["peak_rss_mb"]),
                ms(c["floor_peak_rss_mb"]),
                times(c["memory_ratio"]),
                verdict(c["memory_within_target"]),
            ]
        )
    return table(headers, rows, right={3, 4, 5, 9, 10, 11})


def audit_table(cases: list[dict[str, Any]]) -> str:
    rows = []
    for c in cases:
        found = c.get("audit")
        if found is None:
            continue
        beyond = found.get("packages_beyond_floor", [])
        floor_pydantic = found.get("floor_imports_pydantic")
        rows.append(
            [
                c["case"],
                f"{found['modules']} ({found.get('floor_modules', '-')})",
                f"{_yes(found['imports_pydantic'])} ({_yes(floor_pydantic)})",
                ", ".join(beyond) if beyond else "-",
                describe_opened(found["data_files_opened"]),
            ]
        )
    headers = [
        "case", "modules (floor)", "pydantic (floor)", "packages beyond the floor's", "files opened"
    ]  # fmt: skip
    return table(headers, rows, right={1})


def _yes(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "-"}[value]


def pydantic_line(doc: dict[str, Any]) -> str:
    """Which Typer the run used, and which runs imported pydantic."""
    typer = doc["machine"]["versions"].get("typer")
    audited = [c for c in doc["cases"] if c.get("audit") is not None]
    floors = {c["audit"].get("floor_imports_pydantic") for c in audited} - {None}
    importing = [c["case"] for c in audited if c["audit"]["imports_pydantic"]]
    floor = "not audited" if not floors else "yes" if True in floors else "no"
    cases = ", ".join(importing) if importing else "none"
    return (
        f"Typer {typer}. pydantic imported by the Typer floor: {floor}; by the llmcourse "
        f"cases: {cases} (of {len(audited)} audited)"
    )


def hyperfine_table(doc: dict[str, Any]) -> str:
    h = doc["hyperfine"]
    rows = [
        [
            c["case"],
            ms(c["median_ms"]),
            ms(c["floor_median_ms"]),
            times(c["ratio"]),
        ]
        for c in h["cases"]
    ]
    intro = wrap(
        f"Cross-check with {h['version']} (-N, {h['warmup']} warm-up runs, {h['runs']} runs): "
        "all runs of a command, then all of its floor's, so noise can land on one side only."
    )
    return "\n".join(
        [*intro, "", table(["case", "median ms", "floor ms", "ratio"], rows, {1, 2, 3})]
    )


def scale_report(doc: dict[str, Any]) -> str:
    s = doc["settings"]
    first = doc["scale"][0]
    names = [size["fixture"] for size in first["sizes"]]
    sizes = table(
        ["course", "topics", "references", "progress entries", "history events"],
        [
            [
                size["fixture"],
                f"{size['topics']:,}",
                f"{size['references']:,}",
                f"{size['progress_entries']:,}",
                f"{size['history_events']:,}",
            ]
            for size in first["sizes"]
        ],
        right={1, 2, 3, 4},
    )
    headers = [
        "case",
        *(f"{name} ms" for name in names),
        f"{names[1]} / bundled",
        "target",
        "ok",
        "extra-cost growth",
        "target",
        "ok",
        "peak MB",
    ]
    rows = []
    for c in doc["scale"]:
        if c["failed"]:
            rows.append([c["case"], "FAILED", *[""] * (len(headers) - 2)])
            continue
        rows.append(
            [
                c["case"],
                *(ms(size["median_ms"]) for size in c["sizes"]),
                times(c["time_ratio"]),
                f"<={c['time_ratio_target']:.0f}",
                verdict(c["within_time_target"]),
                times(c["extra_cost_growth"]),
                f"<={c['extra_cost_growth_target']:.2f}",
                verdict(c["within_growth_target"]),
                " / ".join(ms(size["peak_rss_mb"]) for size in c["sizes"]),
            ]
        )
    return "\n".join(
        [
            *wrap(
                f"Scale: medians of {s['scale_runs']} runs after {s['scale_warmup']} warm-up "
                f"rounds, the three courses alternated run by run. Roadmap files: {doc['loader']}."
            ),
            "",
            sizes,
            "",
            table(headers, rows, right=set(range(1, len(headers)))),
            "",
            *wrap(
                f"extra-cost growth = ({names[2]} - bundled) / ({names[1]} - bundled): at most 2 "
                "(the issue), or, when more, what a cost linear in the number of topics gives "
                f"({first['linear_extra_cost_growth']:.2f} here); a quadratic cost gives about "
                "4. Medians of a few runs move it by several hundredths."
            ),
        ]
    )
