"""`llmcourse export`: the learner's state as JSON (all of it), Markdown or CSV.

JSON is for another machine (`llmcourse import`) and for scripts: the progress entries, keys
this version does not know (as TOML, so that they come back exactly), and the history.
Markdown is the whole course as a checklist in the course's order, ready to paste into GitHub,
Obsidian or a notes app. CSV is one row per topic and reference, for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from llmcourse.catalog import Catalog, Node
from llmcourse.models import Reference
from llmcourse.progressfile import (
    ENTRY_KEYS,
    EVENT_ERRORS,
    PROGRESS_KEYS,
    Entry,
    Event,
    Note,
    ProgressFile,
    entry_problems,
    parse_event,
    toml_text,
)
from llmcourse.text import escape_controls
from llmcourse.tracker import status_of

EXPORT_FORMAT = "llmcourse-export"
EXPORT_VERSION = 1

Doc = dict[str, Any]


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def as_json(catalog: Catalog, progress: ProgressFile, events: list[Event], now: datetime) -> str:
    entries: Doc = {}
    for entry_id, entry in progress.entries.items():
        doc: Doc = {"status": entry.status, "changed": _time(entry.changed)}
        if entry.extra:
            doc["extra_toml"] = toml_text(entry.extra)
        entries[entry_id] = doc
    document: Doc = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported": _time(now),
        "course": {"id": catalog.course.id, "title": catalog.course.title},
        "progress": {"revision": progress.revision, "entries": entries},
        "history": [event.to_json() for event in events],
        "notes": {
            key: [{"text": note.text, "time": _time(note.time)} for note in notes]
            for key, notes in progress.notes.items()
        },
    }
    if progress.extra:
        document["progress"]["extra_toml"] = toml_text(progress.extra)
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _md(text: str) -> str:
    """Text for a Markdown line: control characters shown as escapes, what would be read as
    markup escaped, `&` as an entity (or `&amp;` would render as `&`), breaks flattened."""
    flat = " ".join(escape_controls(text).split())
    return "".join(
        "&amp;" if char == "&" else "\\" + char if char in "\\`*_[]<>#|!~" else char
        for char in flat
    )


def _url(url: str) -> str:
    """A URL inside Markdown's (...) or <...>: the characters that would end it, encoded."""
    for char, code in (("(", "%28"), (")", "%29"), (" ", "%20"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return url


def as_markdown(catalog: Catalog, progress: ProgressFile) -> str:
    def box(node: Node) -> str:
        return "[x]" if status_of(progress, node.id) == "done" else "[ ]"

    def state(node: Node) -> str:
        status = status_of(progress, node.id)
        return {"in-progress": " *(in progress)*", "skipped": " *(skipped)*"}.get(status, "")

    lines = [f"# {_md(catalog.course.title)}", ""]
    if catalog.course.url:
        lines += [f"<{_url(catalog.course.url)}>", ""]
    for roadmap in catalog.roadmaps:
        title = roadmap.title + (" (optional)" if roadmap.optional else "")
        lines += [f"## {_md(title)}", ""]
        roadmap_notes = _notes(progress, roadmap.id, indent="")
        if roadmap_notes:
            lines += [*roadmap_notes, ""]
        for section in roadmap.sections:
            lines += [f"### {section.number}. {_md(section.title)}", ""]
            section_notes = _notes(progress, f"{roadmap.id}/{section.id}", indent="")
            if section_notes:
                lines += [*section_notes, ""]
            for node in catalog.section_topics(roadmap, section):
                lines.append(f"- {box(node)} {_md(node.title)} (`{node.id}`){state(node)}")
                lines += _notes(progress, node.id)
            references = catalog.section_references(roadmap, section)
            if references:
                lines += ["", "References:", ""]
                for node in references:
                    item = node.item
                    assert isinstance(item, Reference)
                    author = f" — {_md(item.author)}" if item.author else ""
                    link = f"[{_md(item.title)}]({_url(item.url)})"
                    lines.append(f"- {box(node)} {link}{author}{state(node)}")
                    lines += _notes(progress, node.id)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _notes(progress: ProgressFile, node_id: str, indent: str = "  ") -> list[str]:
    """The learner's notes on an item, as Markdown quotes under it, a line for a line."""
    lines: list[str] = []
    for note in progress.notes.get(node_id, []):
        text = note.text.split("\n")
        text[-1] += f" ({note.time.astimezone().strftime('%Y-%m-%d')})"
        if lines:
            lines.append(f"{indent}>")
        lines.extend(f"{indent}> {_md(line)}".rstrip() for line in text)
    return lines


CSV_COLUMNS = (
    "kind",
    "id",
    "number",
    "roadmap",
    "section",
    "title",
    "status",
    "changed",
    "author",
    "url",
)


def as_csv(catalog: Catalog, progress: ProgressFile) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for node in catalog.nodes.values():
        if node.kind not in ("topic", "reference"):
            continue
        assert node.section is not None and node.item is not None
        entry = progress.entries.get(node.id)
        writer.writerow(
            [
                node.kind,
                node.id,
                node.number or "",
                node.roadmap.id,
                f"{node.roadmap.id}/{node.section.id}",
                _cell(node.title),
                status_of(progress, node.id),
                _time(entry.changed) if entry is not None else "",
                _cell(getattr(node.item, "author", None) or ""),
                getattr(node.item, "url", ""),
            ]
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR would make it a
    formula (OWASP's list), so such a cell starts with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class Export(NamedTuple):
    """A JSON export, read and checked."""

    course_id: str
    revision: int
    entries: dict[str, Entry]
    extra: dict[str, Any]
    history: list[Event]
    notes: dict[str, list[Note]]


def parse_export(content: bytes, source: str) -> Export:
    """Read a JSON export strictly: anything wrong is an error naming where it is."""
    from llmcourse.errors import ImportFileError

    def bad(where: str, what: str) -> ImportFileError:
        return ImportFileError(
            f"{source}: {where}: {what}" if where else f"{source}: {what}",
            "Use a file written by 'llmcourse export --format json'; nothing was changed",
        )

    try:
        doc = json.loads(content)
        # Escapes such as \\ud800 make strings that no file can hold: refuse them here.
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad("", "holds text that is not valid Unicode (a lone surrogate escape)") from None
    except (ValueError, RecursionError) as err:
        raise bad("", f"not a JSON document ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise bad("", "not an llmcourse export")
    if doc.get("version") != EXPORT_VERSION:
        raise bad("version", f"{doc.get('version')!r} is not {EXPORT_VERSION}")
    course = doc.get("course")
    if not isinstance(course, dict) or not isinstance(course.get("id"), str):
        raise bad("course.id", "missing")
    progress = doc.get("progress")
    if not isinstance(progress, dict) or not isinstance(progress.get("entries"), dict):
        raise bad("progress.entries", "missing")
    revision = progress.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or not 0 <= revision < 2**63:
        raise bad("progress.revision", "must be a whole number from 0 to 2**63 - 1")
    entries: dict[str, Entry] = {}
    for entry_id, value in progress["entries"].items():
        where = f"progress.entries.{entry_id}"
        if not isinstance(value, dict):
            raise bad(where, "must be an object")
        try:
            changed = datetime.fromisoformat(value["changed"])
        except (KeyError, TypeError, ValueError):
            raise bad(f"{where}.changed", "must be an ISO 8601 time") from None
        raw = {"status": value.get("status"), "changed": changed}
        for problem_where, message in entry_problems(raw, (where,)):
            raise bad(".".join(str(part) for part in problem_where), message)
        entries[entry_id] = Entry(value["status"], changed, _extra(value, where, bad))
    extra = _extra(progress, "progress", bad)
    history = doc.get("history", [])
    if not isinstance(history, list):
        raise bad("history", "must be a list")
    events: list[Event] = []
    for number, line in enumerate(history, start=1):
        try:
            event = parse_event(line)
        except EVENT_ERRORS as err:
            raise bad(f"history[{number}]", str(err)) from None
        if (events and event.rev < events[-1].rev) or event.rev > revision:
            raise bad(
                f"history[{number}].rev",
                "changes must be numbered in order, up to progress.revision",
            )
        events.append(event)
    notes: dict[str, list[Note]] = {}
    found = doc.get("notes", {})
    if not isinstance(found, dict):
        raise bad("notes", "must be an object")
    for key, items in found.items():
        if not isinstance(items, list):
            raise bad(f"notes.{key}", "must be a list")
        for number, item in enumerate(items, start=1):
            try:
                note = Note(item["text"], datetime.fromisoformat(item["time"]))
            except (KeyError, TypeError, ValueError):
                raise bad(f"notes.{key}[{number}]", "must have a text and an ISO time") from None
            if not isinstance(note.text, str) or note.time.tzinfo is None:
                raise bad(f"notes.{key}[{number}]", "must have a text and a time with a zone")
            notes.setdefault(key, []).append(note)
    return Export(course["id"], revision, entries, extra, events, notes)


def _extra(doc: dict[str, Any], where: str, bad: Any) -> dict[str, Any]:
    text = doc.get("extra_toml")
    if text is None:
        return {}
    import tomllib

    try:
        if not isinstance(text, str):
            raise TypeError("must be a string")
        values = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, TypeError) as err:
        raise bad(f"{where}.extra_toml", f"not TOML ({err})") from None
    reserved = ENTRY_KEYS if where != "progress" else PROGRESS_KEYS
    if clash := [key for key in values if key in reserved]:
        raise bad(f"{where}.extra_toml", f"must not set {', '.join(clash)}")
    return values
