"""The JSON view: a result as one JSON document for machines (kept apart from render, so that
`--json` never imports rich). Each document's shape is a JSON Schema in docs/json/."""

import functools
import json
import sys
from datetime import UTC
from typing import TYPE_CHECKING, Any

from llmcourse.catalog import Catalog, Node, warnings
from llmcourse.errors import LlmCourseError
from llmcourse.models import Notebook, Reference, Topic
from llmcourse.progressfile import Event, Note, ProgressFile, Schedule, utc_text
from llmcourse.results import (
    Checked,
    Dashboard,
    Found,
    Imported,
    LinksChecked,
    Listing,
    Log,
    Marked,
    NextStep,
    NotebookList,
    Notes,
    ProgressReport,
    ReviewList,
    ReviewRated,
    ReviewSession,
    Shown,
    Synced,
    Undone,
    Validated,
    Version,
)
from llmcourse.tracker import (
    Count,
    CourseSummary,
    RoadmapSummary,
    SectionSummary,
    status_of,
    summarize_roadmap,
    summarize_section,
)

if TYPE_CHECKING:
    from datetime import datetime

    from llmcourse.review import Outlook, Rated, Scheduled

JSON_VERSION = 1

Doc = dict[str, Any]


def emit(doc: Doc) -> None:
    """Write one document on standard output, with the version of its shape."""
    sys.stdout.write(json.dumps({"schema_version": JSON_VERSION, **doc}, ensure_ascii=False))
    sys.stdout.write("\n")


def error(err: LlmCourseError) -> Doc:
    return {"error": {"code": err.code, "message": err.message, "hint": err.hint}}


def usage_error(message: str, hint: str) -> Doc:
    return {"error": {"code": "usage", "message": message, "hint": hint}}


@functools.singledispatch
def document(result: object) -> Doc:
    """A result as the JSON document its command prints."""
    raise TypeError(f"no JSON view for {type(result).__name__}")


def _counts(topics: Count, references: Count, percent: bool, notebooks: Count) -> Doc:
    """Topic counts (done, in progress, skipped, of total), references read and notebooks
    run, of total.

    `percent` is done of the topics that count: skipped ones do not.
    """
    doc: Doc = {"done": topics.done, "total": topics.total}
    doc["in_progress"] = topics.in_progress
    doc["skipped"] = topics.skipped
    if percent:
        doc["percent"] = round(topics.percent, 1)
    doc["references_done"] = references.done
    doc["references_total"] = references.total
    doc["notebooks_done"] = notebooks.done
    doc["notebooks_total"] = notebooks.total
    return doc


def _entry(progress: ProgressFile, node: Node) -> Doc:
    entry = progress.entries.get(node.id)
    return {
        "status": status_of(progress, node.id),
        "changed": entry.changed.astimezone(UTC).isoformat() if entry is not None else None,
    }


def topic(catalog: Catalog, progress: ProgressFile, node: Node, detail: bool = False) -> Doc:
    assert isinstance(node.item, Topic)
    doc: Doc = {"id": node.id, "number": node.number, "title": node.item.title}
    doc |= _entry(progress, node)
    if detail:
        doc["summary"] = node.item.summary
        doc["links"] = [{"text": link.text, "url": link.url} for link in node.item.links]
    return doc


def reference(progress: ProgressFile, node: Node) -> Doc:
    assert isinstance(node.item, Reference)
    item = node.item
    doc: Doc = {
        "id": node.id,
        "title": item.title,
        "author": item.author,
        "kind": item.kind,
        "url": item.url,
    }
    return doc | _entry(progress, node)


def notebook(progress: ProgressFile, node: Node) -> Doc:
    assert isinstance(node.item, Notebook)
    item = node.item
    doc: Doc = {
        "id": node.id,
        "title": item.title,
        "group": item.group,
        "summary": item.summary,
        "colab_url": item.colab_url,
        "article_url": item.article_url,
        "project_url": item.project_url,
        "topics": list(item.topics),
    }
    return doc | _entry(progress, node)


def section(
    catalog: Catalog,
    progress: ProgressFile,
    summary: SectionSummary,
    *,
    topics: bool | str,
    references: bool = False,
    percent: bool = False,
) -> Doc:
    node, item = summary.node, summary.section
    doc: Doc = {"id": node.id, "number": item.number, "title": item.title}
    if references:
        doc["summary"] = item.summary
    doc |= _counts(summary.topics, summary.references, percent, summary.notebooks)
    doc["complete"] = summary.topics.complete
    if topics:  # True for every topic, or a status for the topics that have it
        doc["topics"] = [
            topic(catalog, progress, t)
            for t in catalog.section_topics(node.roadmap, item)
            if topics is True or status_of(progress, t.id) == topics
        ]
    if references:
        doc["references"] = [
            reference(progress, r) for r in catalog.section_references(node.roadmap, item)
        ]
        doc["notebooks"] = [notebook(progress, n) for n in catalog.notebooks_of(node)]
    return doc


def roadmap(
    catalog: Catalog,
    progress: ProgressFile,
    summary: RoadmapSummary,
    *,
    topics: bool | str,
    percent: bool = False,
    detail: bool = False,
) -> Doc:
    item = summary.roadmap
    doc: Doc = {"id": item.id, "title": item.title, "optional": item.optional}
    if detail:
        doc["summary"] = item.summary
    doc |= _counts(summary.topics, summary.references, percent, summary.notebooks)
    doc["sections"] = [
        section(catalog, progress, s, topics=topics, percent=percent) for s in summary.sections
    ]
    return doc


def course(
    catalog: Catalog,
    progress: ProgressFile,
    summary: CourseSummary,
    topics: bool | str,
    *,
    percent: bool = False,
) -> Doc:
    doc: Doc = {"id": summary.course.id, "title": summary.course.title}
    doc |= _counts(summary.topics, summary.references, percent, summary.notebooks)
    # Optional roadmaps not started: listed below, but not in the counts above.
    doc["not_counted"] = [r.roadmap.id for r in summary.left_out]
    doc["roadmaps"] = [
        roadmap(catalog, progress, r, topics=topics, percent=percent) for r in summary.roadmaps
    ]
    return doc


@document.register
def listing(result: Listing) -> Doc:
    return {"course": course(result.catalog, result.progress, result.summary, result.topics)}


@document.register
def progress_report(result: ProgressReport) -> Doc:
    return {
        "progress_file": str(result.path),
        "course": course(result.catalog, result.progress, result.summary, False, percent=True),
        "unknown_entries": result.summary.unknown_entries,
        "reviews": reviews(result.reviews),
    }


def notes(found: list[Note]) -> list[Doc]:
    return [{"text": note.text, "time": note.time.astimezone(UTC).isoformat()} for note in found]


@document.register
def notebook_list(result: NotebookList) -> Doc:
    progress = result.progress
    nodes = result.catalog.notebook_nodes()
    return {
        "course": result.catalog.course.id,
        "done": sum(status_of(progress, node.id) == "done" for node in nodes),
        "total": len(nodes),
        "groups": [
            {"group": group, "notebooks": [notebook(progress, node) for node in members]}
            for group, members in result.groups().items()
        ],
    }


@document.register
def notes_of(result: Notes) -> Doc:
    return {"id": result.node.id, "notes": notes(result.notes)}


@document.register
def show(result: Shown) -> Doc:
    catalog, progress, node = result.catalog, result.progress, result.node
    doc = _show(catalog, progress, node)
    next(iter(doc.values()))["notes"] = notes(progress.notes.get(node.id, []))
    return doc


def _show(catalog: Catalog, progress: ProgressFile, node: Node) -> Doc:
    if node.kind == "roadmap":
        summary = summarize_roadmap(catalog, progress, node.roadmap)
        return {"roadmap": roadmap(catalog, progress, summary, topics=True, detail=True)}
    assert node.section is not None
    where = {"roadmap": node.roadmap.id, "section": f"{node.roadmap.id}/{node.section.id}"}
    if node.kind == "notebook":  # where it counts: its main topic's roadmap and section
        return {"notebook": notebook(progress, node) | where}
    if node.kind == "section":
        summary_ = summarize_section(catalog, progress, node.roadmap, node.section)
        return {
            "section": section(catalog, progress, summary_, topics=True, references=True)
            | {"roadmap": node.roadmap.id}
        }
    if node.kind == "topic":
        listed = catalog.section_references(node.roadmap, node.section)
        shown = {
            "section_references": [reference(progress, ref) for ref in listed],
            "notebooks": [notebook(progress, n) for n in catalog.notebooks_of(node)],
        }
        return {"topic": topic(catalog, progress, node, detail=True) | where | shown}
    return {"reference": reference(progress, node) | where}


@document.register
def marked(marked: Marked) -> Doc:
    result, path = marked.result, marked.path
    return {
        "status": result.status,
        "changed": [
            {
                "id": c.node.id,
                "kind": c.node.kind,
                "title": c.node.title,
                "from": c.old,
                "to": c.new,
            }
            for c in result.changed
        ],
        "unchanged": [node.id for node in result.unchanged],
        "sections": [
            {
                "id": s.node.id,
                "title": s.section.title,
                "done": s.topics.done,
                "total": s.topics.total,
            }
            for s in result.sections
        ],
        "progress_file": str(path),
    }


def _event(catalog: Catalog, event: Event) -> Doc:
    node = catalog.nodes.get(catalog.former.get(event.id, event.id))
    return event.to_json() | {"title": node.title if node else None}


@document.register
def undone(undone: Undone) -> Doc:
    result, path = undone.result, undone.path
    # For `redo`, "undone" lists the undos taken back and "undoes" names the undo each item
    # reverts: a redo is the undo of an undo.
    return {
        "requested": undone.requested,
        "undone": [
            {"rev": e.rev, "command": e.command, "time": e.to_json()["time"]} for e in result.undone
        ],
        "reverted": [
            {"id": r.id, "from": r.old, "to": r.new, "undoes": r.undoes} for r in result.changed
        ],
        "skipped": [{"id": r.id, "undoes": r.undoes, "reason": r.reason} for r in result.skipped],
        "progress_file": str(path),
    }


@document.register
def log(log: Log) -> Doc:
    catalog, page = log.catalog, log.page
    return {
        "history_file": str(log.history_path),
        "matching": page.matching,
        "events": [
            _event(catalog, event)
            | {"undone_by": None if event.imported else page.undone_by.get(event.rev)}
            for event in page.events
        ],
    }


@document.register
def doctor(checked: Checked) -> Doc:
    report = checked.report
    return {
        "progress_file": str(report.progress_path),
        "healthy": not report.problems,
        "fixed": report.fixed,
        "findings": [
            {
                "level": f.level,
                "code": f.code,
                "message": f.message,
                "file": str(f.file) if f.file else None,
                "line": f.line,
                "hint": f.hint,
            }
            for f in report.findings
        ],
    }


def _sizes(course: Catalog) -> Doc:
    kinds = [node.kind for node in course.nodes.values()]
    return {
        "id": course.course.id,
        "title": course.course.title,
        "roadmaps": kinds.count("roadmap"),
        "sections": kinds.count("section"),
        "topics": kinds.count("topic"),
        "references": kinds.count("reference"),
        "notebooks": kinds.count("notebook"),
    }


@document.register
def validated(validated: Validated) -> Doc:
    path, course, problems = validated.path, validated.course, validated.problems
    return {
        "file": str(path),
        "valid": not problems,
        "problems": [{"location": where, "message": message} for where, message in problems],
        "course": _sizes(course) if course is not None else None,
        "warnings": warnings(course) if course is not None else [],
    }


@document.register
def imported(imported: Imported) -> Doc:
    result, path, dry_run = imported.result, imported.path, imported.dry_run
    return {
        "file": str(path),
        "dry_run": dry_run,
        "adopted": result.adopted,
        "changed": [{"id": c.node.id, "from": c.old, "to": c.new} for c in result.changed],
        "updated": result.updated,
        "events_added": len(result.foreign),
        "notes_added": result.notes_added,
        "keys_kept": result.keys_kept,
        "reviews_taken": result.reviews_taken,
    }


@document.register
def synced(synced: Synced) -> Doc:
    return {
        "folder": str(synced.folder),
        "machine": synced.machine,
        "file": str(synced.path),
        "written": synced.written,
        "incoming": [
            {
                "machine": came.machine,
                "file": str(synced.files[came.machine]),
                "adopted": came.result.adopted,
                "changed": [
                    {"id": c.node.id, "from": c.old, "to": c.new} for c in came.result.changed
                ],
                "updated": came.result.updated,
                "events_added": len(came.result.foreign),
                "notes_added": came.result.notes_added,
                "keys_kept": came.result.keys_kept,
                "reviews_taken": came.result.reviews_taken,
            }
            for came in synced.incoming
        ],
        "same_name": synced.clash,
        "skipped": [{"file": str(s.path), "reason": s.reason} for s in synced.skipped],
        "conflicted_copies": [str(path) for path in synced.conflicted],
    }


@document.register
def search(found: Found) -> Doc:
    query, hits = found.query, found.hits
    return {
        "query": query,
        "hits": [
            {
                "id": hit.node.id,
                "kind": hit.node.kind,
                "title": hit.node.title,
                "roadmap": hit.node.roadmap.id,
                "section": (
                    f"{hit.node.roadmap.id}/{hit.node.section.id}"
                    if hit.node.section is not None and hit.node.kind != "section"
                    else None
                ),
                "field": hit.field,
                "text": hit.text,
                "score": hit.score,
            }
            for hit in hits
        ],
    }


@document.register
def next_up(step: NextStep) -> Doc:
    catalog, progress, up = step.catalog, step.progress, step.up
    left_out: Doc = {} if step.left_out is None else {"not_counted": [r.id for r in step.left_out]}
    if step.reviews is not None:
        left_out["reviews"] = reviews(step.reviews)
    if up is None:
        return {"next": None} | left_out
    node = up.topic
    assert node.section is not None
    return {
        "next": topic(catalog, progress, node, detail=True)
        | {"roadmap": node.roadmap.id, "section": f"{node.roadmap.id}/{node.section.id}"},
        "reason": up.reason,
        "unread_references": [reference(progress, r) for r in up.unread],
    } | left_out


@document.register
def dashboard(board: Dashboard) -> Doc:
    catalog, progress, summary = board.catalog, board.progress, board.summary
    doc: Doc = {"course": {"id": summary.course.id, "title": summary.course.title}}
    doc["course"] |= _counts(summary.topics, summary.references, True, summary.notebooks)
    doc["course"]["not_counted"] = [r.roadmap.id for r in summary.left_out]
    roadmap = board.roadmap
    doc["roadmap"] = (
        None
        if roadmap is None
        else {"id": roadmap.roadmap.id, "title": roadmap.roadmap.title}
        | _counts(roadmap.topics, roadmap.references, True, roadmap.notebooks)
    )
    doc |= next_up(NextStep(catalog, progress, board.up))
    doc["streak"] = board.streak
    doc["reviews"] = reviews(board.reviews)
    return doc


@document.register
def version(version: Version) -> Doc:
    course = version.course
    return {
        "version": version.program,
        "course": {
            "id": course.id,
            "title": course.title,
            "url": course.url,
            "revision": course.revision,
            "revision_date": course.revision_date,
        },
    }


def _utc(moment: "datetime | None") -> str | None:
    return None if moment is None else utc_text(moment)


def reviews(outlook: "Outlook | None") -> Doc | None:
    """How the learner's reviews stand: topics due today, topics with a schedule, and when the
    next one not due today falls due."""
    if outlook is None:
        return None
    return {
        "due": outlook.due,
        "scheduled": outlook.scheduled,
        "next_due": _utc(outlook.next_due),
    }


def schedule(found: Schedule) -> Doc:
    return found.to_json()


def _scheduled(item: "Scheduled") -> Doc:
    node = item.node
    return {"id": node.id, "title": node.title, "schedule": schedule(item.schedule)}


@document.register
def review_list(result: ReviewList) -> Doc:
    return {
        "due": [_scheduled(item) for item in result.due],
        "upcoming": [_scheduled(item) for item in result.upcoming],
        "reviews": reviews(result.outlook),
    }


def _rated(rated: "Rated") -> Doc:
    return {
        "id": rated.node.id,
        "title": rated.node.title,
        "rating": rated.rating,
        "early": rated.early,
        "before": schedule(rated.before) if rated.before is not None else None,
        "after": schedule(rated.after),
    }


@document.register
def review_rated(result: ReviewRated) -> Doc:
    return {"rated": _rated(result.rated), "reviews": reviews(result.rated.outlook)}


@document.register
def review_session(result: ReviewSession) -> Doc:
    return {
        "rated": [_rated(rated) for rated in result.rated],
        "stopped": result.stopped,
        "reviews": reviews(result.outlook),
    }


@document.register
def links_checked(checked: LinksChecked) -> Doc:
    counts = checked.counts()
    return {
        "course": {"id": checked.catalog.course.id, "title": checked.catalog.course.title},
        "counts": counts | {"total": sum(counts.values())},
        "links": [
            {
                "url": address.url,
                "verdict": outcome.verdict,
                "reason": outcome.reason,
                "status": outcome.status,
                "final_url": outcome.final_url,
                "redirects": [{"status": hop.status, "url": hop.url} for hop in outcome.redirects],
                "retries": outcome.retries,
                "cached": outcome.cached,
                "checked": outcome.checked.astimezone(UTC).isoformat() if outcome.checked else None,
                "used_by": [{"id": use.id, "kind": use.kind} for use in address.uses],
            }
            for address, outcome in checked.in_order()
        ],
    }
