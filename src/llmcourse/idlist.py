"""The id list: every form of every id a learner may type, kept in the cache folder, so that a
shell completes ids by itself (see `completion`) instead of starting llmcourse for each Tab.

One list per course file, under a name the shell can work out from what it sees: `ids-bundled.tsv`
for the course that ships with llmcourse, `ids-file-<path>.tsv` for a roadmap file (its absolute
path as typed, `%` and `/` escaped). It is written whenever the course cache is rebuilt
(`catalog.parse`), and whenever completion had to ask llmcourse because the list was missing or
older than its roadmap file.

The format, UTF-8: a first line `llmcourse ids 1`, then one line per form, its fields apart at
tabs: the form as typed (a full id, each tail of it, a course number), the node's kind, `1` when
the node has children (a roadmap or a section: the shell adds `/`), the form to offer for it (the
form itself, or the node's shortest unique form where the form is ambiguous) and the node's title,
its control characters escaped. The lines are in the order to offer them: roadmaps, sections,
topics, references, notebooks; ids before course numbers; course order within those.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import NamedTuple

from llmcourse.catalog import BUNDLED_NAME, Catalog, Node, _write_cache, cache_dir
from llmcourse.errors import LlmCourseError
from llmcourse.text import escape_controls

HEADER = "llmcourse ids 1"
BUNDLED_LIST = "ids-bundled.tsv"
# A file name longer than this is refused by common file systems (255 bytes, with room to
# spare for the temporary name): a roadmap file at so deep a path gets no list.
_LONGEST_NAME = 200
_ORDER = {"roadmap": 0, "section": 1, "topic": 2, "reference": 3, "notebook": 4}


class Form(NamedTuple):
    """One way to type a node's id, and what completion offers for it."""

    form: str
    kind: str
    children: bool
    offer: str
    title: str


def forms(catalog: Catalog) -> list[Form]:
    """Every form of every id in the course, in the order completion offers them."""
    found: list[tuple[tuple[int, int, int], Form]] = []
    for place, node in enumerate(catalog.nodes.values()):
        rank = _ORDER[node.kind]
        children = node.kind in ("roadmap", "section")
        title = escape_controls(node.title)
        short = catalog.short_id(node)
        parts = node.id.split("/")
        for start in range(len(parts)):
            form = "/".join(parts[start:])
            offer = form if _names(catalog, form, node) else short
            found.append(((rank, 0, place), Form(form, node.kind, children, offer, title)))
        if node.number is not None:
            found.append(
                ((rank, 1, place), Form(node.number, node.kind, children, node.number, title))
            )
    return [form for _, form in sorted(found, key=lambda pair: pair[0])]


def _names(catalog: Catalog, form: str, node: Node) -> bool:
    """Whether `form`, typed, means `node` and nothing else."""
    try:
        return catalog.resolve(form) is node
    except LlmCourseError:  # ambiguous: several nodes end so
        return False


def complete(catalog: Catalog, typed: str) -> list[tuple[str, str]]:
    """What `typed` can go on to, one path level at a time, with titles: what the shells'
    own matching on the list gives (`completion.MATCH` does the same in awk)."""
    wanted = typed.strip().lower()
    depth = wanted.count("/")
    offered: dict[str, str] = {}
    for row in forms(catalog):
        if wanted:
            if row.form.count("/") != depth or not row.form.startswith(wanted):
                continue
        elif row.kind != "roadmap":  # where to start: the roadmaps, not every short id there is
            continue
        offered.setdefault(row.offer + ("/" if row.children else ""), row.title)
    return list(offered.items())


def encode(content: list[Form]) -> bytes:
    lines = [HEADER] + [
        f"{row.form}\t{row.kind}\t{int(row.children)}\t{row.offer}\t{row.title}" for row in content
    ]
    return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogateescape")


def list_name(source: str) -> str | None:
    """The name of the list for a course from `source` (as `catalog.parse` names it), or None
    when its path is too long to make a name of."""
    if source == BUNDLED_NAME:
        return BUNDLED_LIST
    path = source
    if not os.path.isabs(path):
        path = os.path.join(_working_folder(), path)
    name = "ids-file-" + path.replace("%", "%25").replace("/", "%2F") + ".tsv"
    return name if len(name.encode("utf-8", errors="surrogateescape")) <= _LONGEST_NAME else None


def _working_folder() -> str:
    """The working folder as the shell names it (`PWD`, through any links), which is what the
    completion script puts before a relative path."""
    logical = os.environ.get("PWD", "")
    with contextlib.suppress(OSError):
        if os.path.isabs(logical) and os.path.samefile(logical, "."):
            return logical
    return os.getcwd()


def path_for(source: str) -> Path | None:
    name = list_name(source)
    return None if name is None else cache_dir() / name


def publish(catalog: Catalog, source: str) -> None:
    """Write the id list of the course that `source` names; an unwritable cache folder is not
    an error (completion then asks llmcourse, as it would without a list)."""
    with contextlib.suppress(OSError, ValueError):
        target = path_for(source)
        if target is not None:
            _write_cache(target, encode(forms(catalog)))


def refresh(catalog: Catalog, source: str, roadmap_file: Path | None) -> None:
    """Write the id list where it is missing, or older than its roadmap file: what makes the
    completion scripts ask llmcourse. A list that is current is left alone."""
    target = path_for(source)
    if target is None:
        return
    try:
        listed = target.stat().st_mtime_ns
        if roadmap_file is None or roadmap_file.stat().st_mtime_ns <= listed:
            return
    except OSError:
        pass  # no list yet (or no roadmap file to compare with: it was read a moment ago)
    publish(catalog, source)
