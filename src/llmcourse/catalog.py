"""Load a roadmap file into a catalog of the course, and resolve ids against it."""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Literal

from llmcourse import __version__, models
from llmcourse.errors import AmbiguousIdError, RoadmapFileError, UnknownIdError, WrongKindError
from llmcourse.models import (
    BUNDLED_COURSE_ID,
    NOTEBOOKS,
    CourseInfo,
    Notebook,
    Reference,
    Roadmap,
    RoadmapFile,
    Section,
    Topic,
)
from llmcourse.text import location

NodeKind = Literal["roadmap", "section", "topic", "reference", "notebook"]
# What `done` and the like mark: each is an entry of its own in the progress.
ITEM_KINDS = ("topic", "reference", "notebook")

BUNDLED_NAME = "bundled course"


class Node:
    """One roadmap, section, topic, reference or notebook, with its full id and its place in
    the course. A notebook's place is that of its main topic (the first it names), where it
    counts as a reference counts in its section."""

    # A plain class: the course has one per item, and a dataclass costs more to define than
    # all of them do to make.
    __slots__ = ("id", "item", "kind", "number", "roadmap", "section")

    def __init__(
        self,
        kind: NodeKind,
        id: str,
        roadmap: Roadmap,
        section: Section | None = None,
        item: Topic | Reference | Notebook | None = None,
        number: str | None = None,
    ) -> None:
        self.kind: NodeKind = kind
        self.id = id
        self.roadmap = roadmap
        self.section = section
        self.item = item
        self.number = number

    def __repr__(self) -> str:
        return f"Node({self.kind!r}, {self.id!r})"

    @property
    def title(self) -> str:
        if self.item is not None:
            return self.item.title
        if self.section is not None:
            return self.section.title
        return self.roadmap.title


class CourseProblems(ValueError):
    """What is wrong with a course beyond its file's schema (its former ids), all of it."""

    def __init__(self, problems: list[str]) -> None:
        more = len(problems) - 1
        super().__init__(
            problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        )
        self.problems = problems


class Catalog:
    """A validated course with every node indexed by its full id, in course order. (A plain
    class, as `Node` is: defining a dataclass costs a command as much as five classes.)"""

    def __init__(
        self, course: CourseInfo, roadmaps: list[Roadmap], notebooks: list[Notebook] | None = None
    ) -> None:
        self.course = course
        self.roadmaps = roadmaps
        self.notebooks: list[Notebook] = [] if notebooks is None else notebooks
        self.nodes: dict[str, Node] = {}
        # Ids from earlier versions of the course, each with the id it has now.
        self.former: dict[str, str] = {}
        self._numbers: dict[str, str] = {}
        # Every tail of every id (`tokenization`, `architecture/tokenization`), made when first
        # needed: a command that resolves nothing (`progress`, `list --json`) never pays for it.
        # The id each tail is first found in, and all of them for a tail that several share.
        self._tail_index: tuple[dict[str, str], dict[str, list[str]]] | None = None
        self._index()

    def _index(self) -> None:
        # Written out rather than through `_add`, with each section's prefixes made once: at
        # 10,000 topics and as many references that makes the index in 11 ms instead of 14.
        nodes, numbers = self.nodes, self._numbers
        for roadmap in self.roadmaps:
            nodes[roadmap.id] = Node("roadmap", roadmap.id, roadmap)
            for section in roadmap.sections:
                # Joined with `+`, which takes only strings: an id of another type in a
                # rewritten cache entry fails here, where a format would make it text.
                section_id = roadmap.id + "/" + section.id
                section_number = f"{roadmap.id}/{section.number}"
                nodes[section_id] = Node(
                    "section", section_id, roadmap, section, None, section_number
                )
                numbers[section_number] = section_id
                prefix, number_prefix = section_id + "/", section_number + "/"
                for position, topic in enumerate(section.topics, start=1):
                    node_id, number = prefix + topic.id, f"{number_prefix}{position}"
                    nodes[node_id] = Node("topic", node_id, roadmap, section, topic, number)
                    numbers[number] = node_id
                for reference in section.references:
                    node_id = prefix + reference.id
                    nodes[node_id] = Node("reference", node_id, roadmap, section, reference)
        for notebook in self.notebooks:
            # Its topics were checked when the file was validated; one from a changed cache
            # entry that names no topic fails here, and the entry is not used.
            home = self.nodes[notebook.topics[0]]
            if home.kind != "topic":
                raise KeyError(notebook.topics[0])
            self._add(
                Node(
                    "notebook", NOTEBOOKS + "/" + notebook.id, home.roadmap, home.section, notebook
                )
            )
        self._add_former_ids()

    def _add_former_ids(self) -> None:
        """Index former ids; a renamed or moved section carries the ids of its items along."""
        problems: list[str] = []
        derived: dict[str, str] = {}
        for node in self.nodes.values():
            owner = node.item if node.item is not None else node.section
            if owner is None or not owner.former_ids:
                continue
            depth = 2 if node.kind in ("section", "notebook") else 3
            for former in owner.former_ids:
                if node.kind == "notebook" and not former.startswith(f"{NOTEBOOKS}/"):
                    problems.append(
                        f"{node.id}: former id '{former}' must be a full notebook id "
                        f"({NOTEBOOKS}/notebook)"
                    )
                elif len(former.split("/")) != depth:
                    problems.append(
                        f"{node.id}: former id '{former}' must be a full {node.kind} id "
                        f"({'roadmap/section' if depth == 2 else 'roadmap/section/item'})"
                    )
                elif former in self.nodes:
                    problems.append(f"{node.id}: former id '{former}' is a current id")
                elif former in self.former:
                    problems.append(
                        f"former id '{former}' is claimed by both {self.former[former]} and "
                        f"{node.id}"
                    )
                else:
                    self.former[former] = node.id
                    if node.kind == "section":
                        for item in self.items_of_section(node):
                            derived[f"{former}/{item.id.rsplit('/', 1)[1]}"] = item.id
        for former, current in derived.items():
            if former not in self.nodes:
                self.former.setdefault(former, current)
        if problems:
            raise CourseProblems(problems)

    def items_of_section(self, node: Node) -> list[Node]:
        assert node.section is not None
        return self.section_topics(node.roadmap, node.section) + self.section_references(
            node.roadmap, node.section
        )

    def _add(self, node: Node) -> None:
        self.nodes[node.id] = node
        if node.number is not None:
            self._numbers[node.number] = node.id

    def _tails(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        if self._tail_index is None:
            # A list only for a tail that several ids share, and each tail cut off the one before
            # it, not joined from parts: at 10,000 topics and as many references the index takes
            # about 10 ms where a list for each tail took about 20 (the first screen and `log`
            # make it, for the short ids they show).
            first: dict[str, str] = {}
            shared: dict[str, list[str]] = {}
            for node_id in self.nodes:
                _, slash, tail = node_id.partition("/")
                while slash:
                    if first.setdefault(tail, node_id) != node_id:
                        shared.setdefault(tail, [first[tail]]).append(node_id)
                    _, slash, tail = tail.partition("/")
            self._tail_index = first, shared
        return self._tail_index

    def _with_tail(self, tail: str) -> list[str]:
        """The ids that end in `tail` (after a `/`), in the course's order."""
        first, shared = self._tails()
        if tail in shared:
            return list(shared[tail])
        return [first[tail]] if tail in first else []

    def items(self, node: Node) -> list[Node]:
        """What marking a node marks: a topic, reference or notebook itself, else every topic
        below it."""
        if node.kind in ITEM_KINDS:
            return [node]
        sections = [node.section] if node.section is not None else node.roadmap.sections
        return [t for section in sections for t in self.section_topics(node.roadmap, section)]

    def section_topics(self, roadmap: Roadmap, section: Section) -> list[Node]:
        return [self.nodes[f"{roadmap.id}/{section.id}/{t.id}"] for t in section.topics]

    def section_references(self, roadmap: Roadmap, section: Section) -> list[Node]:
        return [self.nodes[f"{roadmap.id}/{section.id}/{r.id}"] for r in section.references]

    def notebook_nodes(self) -> list[Node]:
        """Every notebook, in the course's order."""
        return [self.nodes[f"{NOTEBOOKS}/{notebook.id}"] for notebook in self.notebooks]

    def section_notebooks(self, roadmap: Roadmap, section: Section) -> list[Node]:
        """The notebooks that count in a section: those whose main topic is one of its own."""
        return [
            node
            for node in self.notebook_nodes()
            if node.roadmap is roadmap and node.section is section
        ]

    def notebooks_of(self, node: Node) -> list[Node]:
        """The notebooks that teach a topic, or any topic of a section (or of a roadmap)."""
        if node.kind == "topic":
            wanted = {node.id}
        elif node.kind in ("section", "roadmap"):
            wanted = {topic.id for topic in self.items(node)}
        else:
            return []
        return [
            notebook
            for notebook in self.notebook_nodes()
            if isinstance(notebook.item, Notebook) and wanted.intersection(notebook.item.topics)
        ]

    def resolve_roadmap(self, raw: str) -> Roadmap:
        """Like `resolve`, for an argument that must name a roadmap."""
        node = self.resolve(raw)
        if node.kind != "roadmap":
            raise WrongKindError(
                f"'{node.id}' is a {node.kind}, not a roadmap",
                f"Use one of: {', '.join(r.id for r in self.roadmaps)}",
            )
        return node.roadmap

    def short_id(self, node: Node) -> str:
        """The shortest form of a node's id that `resolve` takes back to it."""
        parts = node.id.split("/")
        for start in range(len(parts) - 1, 0, -1):
            tail = "/".join(parts[start:])
            if (
                self._with_tail(tail) == [node.id]
                and tail not in self.nodes
                and tail not in self._numbers
            ):
                return tail
        return node.id

    def resolve(self, raw: str) -> Node:
        """Find the node a user means: a full id, a course number, or an unambiguous tail."""
        wanted = raw.strip().strip("/").lower()
        if wanted in self.nodes:
            return self.nodes[wanted]
        if wanted in self.former:
            return self.nodes[self.former[wanted]]
        # Numbers as `list --topics` shows them, `1.2` (under a roadmap) for `1/2`.
        dotted = wanted.replace(".", "/") if _dotted_number(wanted) else wanted
        number = "/".join(
            part.lstrip("0") or "0" if part.isdigit() else part for part in dotted.split("/")
        )
        if number in self._numbers:
            return self.nodes[self._numbers[number]]
        candidates = self._with_tail(wanted)
        if dotted != wanted and "/" not in wanted:  # `1.2` alone: in whichever roadmap has it
            candidates += [
                full for numbered, full in self._numbers.items() if numbered.endswith("/" + number)
            ]
        if len(candidates) == 1:
            return self.nodes[candidates[0]]
        if candidates:
            raise AmbiguousIdError(
                f"'{raw}' could mean {len(candidates)} things: {', '.join(candidates)}",
                "Use one of these full ids",
            )
        close = self.suggest(wanted)
        hint = (
            f"Did you mean: {', '.join(close)}?"
            if close
            else "Run 'llmcourse list --topics' to see every id"
        )
        # In the words learners know from `list`; a notebook's id is found the same way.
        raise UnknownIdError(f"no roadmap, section, topic or reference has the id '{raw}'", hint)

    def complete(self, typed: str) -> list[tuple[str, str]]:
        """What `typed` can go on to, as a shell completes paths: one level at a time.

        Full ids, each tail of them and course numbers (`scientist/1/2`), each with its title;
        an id with children ends in `/`. `scientist/arch` gives `scientist/architecture/`, and
        `scientist/architecture/` its topics, then its references. A tail that several ids end
        in (`monitoring`) gives each one's shortest unique form (`pre-training/monitoring`).
        The shells do the same on the id list (`idlist`) without starting llmcourse.
        """
        from llmcourse import idlist

        return idlist.complete(self, typed)

    def suggest(self, wanted: str, limit: int = 5) -> list[str]:
        """Full ids that look like what the user typed, closest first."""
        import difflib

        names = list(self.nodes) + list(self._tails()[0]) + list(self._numbers)
        found: list[str] = []
        for name in difflib.get_close_matches(wanted, names, n=limit * 3, cutoff=0.6):
            ids = self._with_tail(name) or [self._numbers.get(name, name)]
            for full_id in ids:
                if full_id not in found:
                    found.append(full_id)
        return found[:limit]


def _dotted_number(wanted: str) -> bool:
    """Whether `wanted` is a course number as `list --topics` shows it: `1.2`, alone or after
    a roadmap's id."""
    head, _, tail = wanted.rpartition("/")
    section, dot, topic = tail.partition(".")
    return bool(dot) and section.isdigit() and topic.isdigit() and "/" not in head


CACHE_ENV = "LLMCOURSE_CACHE_DIR"
# Part of every cache key: a change to what is cached, or to how, makes old entries unused.
_CACHE_LAYOUT = f"5:{__version__}:{sys.version_info[:2]}:{marshal.version}"
# The code that validates and shapes what is cached is part of the key too, so that a changed
# model (an editable install, a snapshot between releases) never meets an old entry.
_CACHE_CODE = ("models.py",)
# A cache entry: a CRC-32, the length of its source, its source (the key's text: what it was
# made from, whole), then the marshalled course. The CRC is of the length and the course (a torn
# or flipped entry fails this check and is rebuilt); the source needs none, for an entry is used
# only when its source is, byte for byte, the source being read, so an entry can never be read
# as another course, whatever its name. (zlib's CRC rather than a hash from hashlib: importing
# hashlib loads OpenSSL, which cost every command about 3 ms, more than the rest of reading the
# course from the cache.)
_CHECK = 4
_LENGTH = 8
# How much of an entry's source is read at a time to be compared (`_payload`).
_PIECE = 1024 * 1024
# Far beyond any real roadmap file (The LLM Course's is under 100 kB; 10,000 topics make about
# 5 MB): a device such as /dev/zero, or a file that is not a course, is refused, not read until
# memory runs out.
ROADMAP_LIMIT = 16 * 1024 * 1024  # regular.MB, without importing regular here


def shipped(folder: str, name: str) -> Path:
    """A file that ships with llmcourse: `data/` and `docs/` of the source tree.

    The wheel places them inside the package; a source checkout (an editable install) has them
    at the top level. Read as plain files: importlib.resources costs more to import than the
    read itself, and the wheel always installs them as files.
    """
    packaged = Path(__file__).parent / folder / name
    if packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / folder / name
    if checkout.is_file() and (checkout.parents[1] / "pyproject.toml").is_file():
        return checkout
    raise RoadmapFileError(
        f"llmcourse is missing a file it ships with: {packaged}", "Reinstall llmcourse"
    )


def load_bundled() -> Catalog:
    """The course that ships with llmcourse."""
    path = shipped("data", "roadmaps.toml")
    return parse(read_file(path), BUNDLED_NAME)


def format_guide() -> str:
    """How a roadmap file is written (docs/roadmaps.md, shipped with llmcourse), and where the
    complete example that ships with it is."""
    from llmcourse import regular

    guide = shipped("docs", "roadmaps.md")
    example = shipped("docs", "example-roadmaps.toml")
    try:
        text = regular.read(guide, ROADMAP_LIMIT).decode("utf-8", errors="replace")
    except OSError as err:
        raise RoadmapFileError(
            f"cannot read the guide to roadmap files {guide}: {err.strerror or err}",
            "Reinstall llmcourse",
        ) from None
    return f"{text.rstrip()}\n\nThe example named above, complete: {example}\n"


def load_file(path: Path) -> Catalog:
    return parse(read_file(path), str(path))


def read_file(path: Path) -> bytes:
    """A roadmap file's content, or an error that says why it cannot be read (a named pipe, a
    device, a folder or a file over `ROADMAP_LIMIT` is not)."""
    from llmcourse import regular

    try:
        return regular.read(path, ROADMAP_LIMIT)
    except OSError as err:
        raise RoadmapFileError(
            f"cannot read roadmap file {path}: {err.strerror or err}",
            "Check the path" if regular.refused(err) else "Check the path and its permissions",
        ) from None


def cache_dir() -> Path:
    """Where validated roadmap files are kept (`LLMCOURSE_CACHE_DIR` overrides it)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmcourse", appauthor=False))


def parse(content: bytes, source: str) -> Catalog:
    """The course in a roadmap file's content; `source` names it in messages.

    Validating a file costs far more than reading it, so what the models accept is kept in the
    user's cache folder, keyed by the content and this version of llmcourse. A cache entry that
    cannot be read, or whose ids, texts or addresses are not what validating made them (see
    `_sound`), is ignored and written anew; the cache is never needed.
    """
    salt = _cache_salt()
    # The name comes from the key (the salt, then the content) without joining them, which would
    # copy 5 MB at 10,000 topics: a CRC goes on from where it stopped. Two files that share it
    # only take turns at the name (an entry is used for its own source alone), so the CRC-32 is
    # name enough: an Adler-32 beside it cost 1.3 ms more at 10,000 topics.
    cache = cache_dir() / f"roadmaps-{zlib.crc32(content, zlib.crc32(salt)):08x}.marshal"
    # A wrong type where the entry was rewritten fails as a TypeError or an AttributeError, a
    # wrong number of values as a TypeError or an IndexError.
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError, LookupError, AttributeError):
        payload = _payload(cache, salt, content)
        if payload is not None:
            cached = models.build(RoadmapFile, marshal.loads(payload))
            found = Catalog(cached.course, list(cached.roadmaps), list(cached.notebooks))
            if _sound(found):
                return found
    course = validate(content, source)
    catalog = _catalog(course, source)
    with contextlib.suppress(OSError, ValueError):
        payload = marshal.dumps(models.dump(course))
        _write_cache(cache, frame(salt + content, payload))
    # The ids shell completion reads, kept as current as the cache (see `idlist`).
    from llmcourse import idlist

    idlist.publish(catalog, source)
    return catalog


def _cache_salt() -> bytes:
    """What a cache entry's source starts with: the layout of entries and the code that shapes
    them, so that another version's entries, or a changed model's, are never used."""
    from llmcourse import regular

    here = Path(__file__).parent
    salt = [_CACHE_LAYOUT.encode()]
    for name in _CACHE_CODE:
        with contextlib.suppress(OSError):  # a zipped install: the version stands for it
            salt.append(regular.read(here / name, regular.MB))
    return b"\0".join(salt) + b"\0"


def frame(source: bytes, payload: bytes) -> bytes:
    """A cache entry of `payload`, made from `source` (see `_CHECK`)."""
    length = len(source).to_bytes(_LENGTH, "big")
    return _crc(length, payload) + length + source + payload


def _crc(length: bytes, payload: bytes | memoryview) -> bytes:
    return zlib.crc32(payload, zlib.crc32(length)).to_bytes(_CHECK, "big")


def unframe(entry: bytes) -> tuple[bytes, bytes] | None:
    """The source and payload of a cache entry; None for one that fails its check."""
    head = _CHECK + _LENGTH
    length = int.from_bytes(entry[_CHECK:head], "big")
    if len(entry) < head or length > len(entry) - head:
        return None
    if _crc(entry[_CHECK:head], memoryview(entry)[head + length :]) != entry[:_CHECK]:
        return None
    return entry[head : head + length], entry[head + length :]


def _payload(path: Path, salt: bytes, content: bytes) -> bytes | None:
    """The payload of the cache entry at `path` when it was made from `salt` and `content`,
    byte for byte, and passes its check; else None.

    What `unframe` does for an entry read whole, without reading the source into memory of its
    own: it is compared with `salt` and `content` a megabyte at a time, in one buffer. At 10,000
    topics (an entry of 9 MB, 5 of them its source) reading and checking so takes 4.5 ms where
    reading the entry whole and unframing it took 25: a command's memory is new, and each new
    page of it costs more than the copy into it.
    """
    from llmcourse import regular

    length = len(salt) + len(content)
    # An entry is its source and then the course, about the size of its roadmap file (a topic is
    # a few fields either way): one far larger, like a named pipe in its place, is not read.
    fd = regular.open_regular(path, length + 4 * len(content) + regular.MB)
    with open(fd, "rb", buffering=0) as handle:
        head = handle.read(_CHECK + _LENGTH)
        if len(head) < _CHECK + _LENGTH or int.from_bytes(head[_CHECK:], "big") != length:
            return None
        buffer = memoryview(bytearray(min(length, _PIECE)))
        for part in (salt, content):
            at = 0
            while at < len(part):
                got = handle.readinto(buffer[: len(part) - at])
                if not got or not part.startswith(buffer[:got], at):
                    return None
                at += got
        rest = os.fstat(fd).st_size - len(head) - length
        if rest < 0:  # cut short while it was read
            return None
        payload = handle.read(rest + 1)  # one byte more: a file that grew is not used
    if len(payload) != rest or _crc(head[_CHECK:], payload) != head[:_CHECK]:
        return None
    return payload


def _sound(catalog: Catalog) -> bool:
    """Whether the ids of a course from the cache are ids, as validating made them (and its
    texts and addresses too: `_typed`).

    The checksum catches a torn entry, not a written one. The course id names the folder of its
    progress (`store.progress_path`), so it passes the whole rule; every other id, all of them
    at once, is held to the characters of ids, one to a part of a full id (no `/`, quote,
    backtick or control character to break a path, a Markdown export or a CSV cell), and a
    roadmap's id, which starts every full id and CSV row, to the whole rule too. That costs
    some 15 us for The LLM Course; the rule for each id would cost twice that.
    """
    ids = "/".join(catalog.nodes)
    sections = sum(len(roadmap.sections) for roadmap in catalog.roadmaps)
    notebooks = len(catalog.notebooks)
    items = len(catalog.nodes) - len(catalog.roadmaps) - sections - notebooks
    # Each section's and notebook's full id has one `/`, each other item's two, and one joins
    # each to the next: an id that holds a `/` makes another count.
    return (
        models.is_course_id(catalog.course.id)
        and all(models.is_slug(roadmap.id) for roadmap in catalog.roadmaps)
        and ids.count("/") == sections + notebooks + 2 * items + len(catalog.nodes) - 1
        and models.only_slug_characters(ids, "/")
        and _typed(catalog)
    )


_WEB = ("https://", "http://")


def _typed(catalog: Catalog) -> bool:
    """Whether every text of a course from the cache is a string and every address a web
    address, as the views take them to be (a rewritten entry could hold a number for a title,
    or a `javascript:` address).

    The texts and addresses are gathered a field of all the sections (topics, references,
    links) at a time, in C (`map`, `attrgetter`), and checked all at once: joining them raises
    a TypeError for any that is not a string, and `_web_addresses` sweeps the addresses. At
    10,000 topics and as many references that costs 5.3 ms where a loop over every item and a
    check of each address took 7.1 (58 us instead of 91 for The LLM Course).
    """
    course = catalog.course
    sections = [*chain.from_iterable(map(attrgetter("sections"), catalog.roadmaps))]
    topics = [*chain.from_iterable(map(attrgetter("topics"), sections))]
    references = [*chain.from_iterable(map(attrgetter("references"), sections))]
    links = [*chain.from_iterable(map(attrgetter("links"), topics))]
    texts: list[object] = [course.title]
    for items, field in (
        (catalog.roadmaps, "title"),
        (catalog.roadmaps, "summary"),
        (sections, "title"),
        (sections, "summary"),
        (topics, "title"),
        (topics, "summary"),
        (links, "text"),
        (references, "title"),
    ):
        texts += map(attrgetter(field), items)
    texts += filter(None, map(attrgetter("author"), references))  # None where there is none
    texts += filter(None, map(attrgetter("kind"), references))
    urls: list[object] = [course.url] if course.url is not None else []
    urls += map(attrgetter("url"), links)
    urls += map(attrgetter("url"), references)
    for notebook in catalog.notebooks:
        texts += (notebook.title, notebook.group, notebook.summary, *notebook.aliases)
        urls += [notebook.colab_url, *filter(None, (notebook.article_url, notebook.project_url))]
    "".join(texts)  # type: ignore[arg-type]  # a TypeError for any text that is not one
    return _web_addresses(urls)


# The printable characters of ASCII but the space.
_PRINTABLE_ASCII = bytes(range(0x21, 0x7F))


def _web_addresses(urls: list[object]) -> bool:
    """Whether every one of `urls` is a string that starts with http:// or https://, with no
    space and only printable characters (a TypeError for one that is not a string).

    All at once, on the addresses joined by spaces: once the printable characters but the space
    are taken out (by bytes.translate, for ASCII), what is left is the spaces that join them, no
    more; and there is a space before a scheme as many times as there are addresses. At 20,000
    addresses that is 1.5 ms where `isprintable` and a `startswith` for each took 3.5.
    """
    if not urls:
        return True
    addresses = " ".join(urls)  # type: ignore[arg-type]
    if addresses.isascii():
        left = addresses.encode().translate(None, _PRINTABLE_ASCII)
        spaced = left == b" " * (len(urls) - 1)
    else:
        spaced = addresses.isprintable() and addresses.count(" ") == len(urls) - 1
    joined = " " + addresses
    return spaced and joined.count(" https://") + joined.count(" http://") == len(urls)


def _catalog(course: RoadmapFile, source: str) -> Catalog:
    try:
        return Catalog(course.course, list(course.roadmaps), list(course.notebooks))
    except ValueError as err:
        raise RoadmapFileError(f"roadmap file {source}: {err}") from None


def _write_cache(path: Path, content: bytes, mode: int = 0o666) -> None:
    """Write a cache entry whole or not at all; `mode` 0o600 for one that holds the learner's
    own data (as only they can read their progress file), else the umask decides."""
    from llmcourse import regular

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(regular.temporary_name(path))
    # Made by this call or not at all: whatever is at the name already (a named pipe would stop
    # the write for ever) is neither opened nor removed. What is at the entry's own name is
    # replaced, never opened.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, mode)
    try:
        with open(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def validate(content: bytes, source: str) -> RoadmapFile:
    """Check a roadmap file against the models: the course it holds, or an error naming the
    first problem (and how many more there are)."""
    course, problems = _check(content)
    if problems:
        where, message = problems[0]
        more = len(problems) - 1
        raise RoadmapFileError(
            f"roadmap file {source}: {where + ': ' if where else ''}{message}"
            + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""),
            f"Run 'llmcourse validate {source}' to see every problem"
            if more and source != BUNDLED_NAME
            else None,
        )
    assert course is not None
    return course


Problem = tuple[str, str]  # where (a key path, or "" for the whole file) and what is wrong


def _check(content: bytes) -> tuple[RoadmapFile | None, list[Problem]]:
    import tomllib  # only validating reads the TOML: the cached course does not

    try:
        # A byte order mark, as some editors write, is read through.
        data = tomllib.loads(content.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except UnicodeDecodeError as err:
        return None, [("", f"not UTF-8 text (byte {err.start})")]
    except tomllib.TOMLDecodeError as err:
        return None, [("", f"not valid TOML: {err}")]
    except RecursionError:
        return None, [("", "nested too deeply to read")]
    course, found = models.validate(data)
    return course, [(location(data, where), message) for where, message in found]


def problems(content: bytes) -> tuple[Catalog | None, list[Problem]]:
    """Everything wrong with a roadmap file, not only the first thing; the course if none."""
    course, found = _check(content)
    if course is None:
        return None, found
    try:
        return Catalog(course.course, list(course.roadmaps), list(course.notebooks)), []
    except CourseProblems as err:
        # Each problem starts with the id of the item it is about (or names both claimants).
        return None, [
            (where, message) if " " not in where else ("former_ids", problem)
            for problem in err.problems
            for where, _, message in [problem.partition(": ")]
        ]


def warnings(catalog: Catalog) -> list[str]:
    """What is allowed in a roadmap file but worth knowing."""
    if catalog.course.id == BUNDLED_COURSE_ID:
        return [
            f"the course id '{BUNDLED_COURSE_ID}' is The LLM Course's: progress on this file "
            "is shared with progress on the bundled course"
        ]
    return []
