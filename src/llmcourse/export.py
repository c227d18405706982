"""The course and the learner's progress for other tools: Markdown and CSV.

Markdown is the whole course as a checklist in the course's order, ready to paste into GitHub,
Obsidian or a notes app. CSV is one row per topic and reference, for a spreadsheet. (The JSON
export, which another machine imports, is `exchange`.)
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from llmcourse.catalog import Catalog, Node
from llmcourse.models import Reference, is_web_url
from llmcourse.progressfile import ProgressFile
from llmcourse.text import escape_controls
from llmcourse.tracker import status_of


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
    return _visible(url)


def _visible(url: str) -> str:
    """The same address with what would not show as itself percent-encoded: a bidirectional
    override (`https://example.org/\u202eexe.pdf` reads as ending in `.exe`), an invisible or
    a separator character."""
    if url.isprintable():
        return url
    from urllib.parse import quote

    return "".join(
        char if char.isprintable() else quote(char, safe="", errors="surrogatepass") for char in url
    )


def as_markdown(catalog: Catalog, progress: ProgressFile) -> str:
    def box(node: Node) -> str:
        return "[x]" if status_of(progress, node.id) == "done" else "[ ]"

    def state(node: Node) -> str:
        status = status_of(progress, node.id)
        return {"in-progress": " *(in progress)*", "skipped": " *(skipped)*"}.get(status, "")

    lines = [f"# {_md(catalog.course.title)}", ""]
    if is_web_url(catalog.course.url):
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
                    # Only http and https become links; another address (from a changed cache
                    # entry) leaves the title alone, so no `javascript:` is one click away.
                    link = (
                        f"[{_md(item.title)}]({_url(item.url)})"
                        if is_web_url(item.url)
                        else _md(item.title)
                    )
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
                _visible(_web_url(getattr(node.item, "url", ""))),
            ]
        )
    return buffer.getvalue()


def _web_url(url: str) -> str:
    """An address for the url column: http and https only (a spreadsheet may make it a link),
    else nothing."""
    return url if is_web_url(url) else ""


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: control, bidirectional, invisible and separator
    characters as the terminal shows them (`\u202e`), since a spreadsheet shows them as they
    are and an override can make a cell read as other text ("Trojan Source"); and a leading
    =, +, -, @, tab or CR would make it a formula (OWASP's list), so such a cell starts with a
    quote."""
    text = escape_controls(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
