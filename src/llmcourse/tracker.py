"""Pure operations on progress: look up, mark, summarize. No printing, no files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from llmcourse.catalog import Catalog, Node
from llmcourse.models import CourseInfo, Entry, ProgressFile, Roadmap, Section, Status


@dataclass(frozen=True)
class Count:
    done: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass(frozen=True)
class SectionSummary:
    node: Node
    section: Section
    topics: Count
    references: Count


@dataclass(frozen=True)
class RoadmapSummary:
    node: Node
    roadmap: Roadmap
    topics: Count
    references: Count
    sections: list[SectionSummary]


@dataclass(frozen=True)
class CourseSummary:
    course: CourseInfo
    topics: Count
    references: Count
    roadmaps: list[RoadmapSummary]
    unknown_entries: list[str]
    only: bool = False


@dataclass(frozen=True)
class Change:
    node: Node
    old: Status
    new: Status


@dataclass
class MarkResult:
    status: Status
    changed: list[Change] = field(default_factory=list)
    unchanged: list[Node] = field(default_factory=list)
    sections: list[SectionSummary] = field(default_factory=list)


def status_of(progress: ProgressFile, node_id: str) -> Status:
    entry = progress.entries.get(node_id)
    return entry.status if entry is not None else "not-started"


def _count(progress: ProgressFile, nodes: list[Node]) -> Count:
    done = sum(1 for node in nodes if status_of(progress, node.id) == "done")
    return Count(done, len(nodes))


def summarize_section(
    catalog: Catalog, progress: ProgressFile, roadmap: Roadmap, section: Section
) -> SectionSummary:
    return SectionSummary(
        node=catalog.nodes[f"{roadmap.id}/{section.id}"],
        section=section,
        topics=_count(progress, catalog.section_topics(roadmap, section)),
        references=_count(progress, catalog.section_references(roadmap, section)),
    )


def summarize_roadmap(catalog: Catalog, progress: ProgressFile, roadmap: Roadmap) -> RoadmapSummary:
    sections = [summarize_section(catalog, progress, roadmap, s) for s in roadmap.sections]
    return RoadmapSummary(
        node=catalog.nodes[roadmap.id],
        roadmap=roadmap,
        topics=_add(s.topics for s in sections),
        references=_add(s.references for s in sections),
        sections=sections,
    )


def summarize(
    catalog: Catalog, progress: ProgressFile, only: Roadmap | None = None
) -> CourseSummary:
    """Counts for the course (or one roadmap of it); entries for unknown ids count nowhere."""
    roadmaps = [
        summarize_roadmap(catalog, progress, roadmap)
        for roadmap in catalog.roadmaps
        if only is None or roadmap.id == only.id
    ]
    return CourseSummary(
        course=catalog.course,
        topics=_add(r.topics for r in roadmaps),
        references=_add(r.references for r in roadmaps),
        roadmaps=roadmaps,
        unknown_entries=unknown_entries(catalog, progress),
        only=only is not None,
    )


def unknown_entries(catalog: Catalog, progress: ProgressFile) -> list[str]:
    """Ids in the progress file that name no topic or reference of the loaded course."""
    return [
        entry_id
        for entry_id in progress.entries
        if (node := catalog.nodes.get(entry_id)) is None or node.kind not in ("topic", "reference")
    ]


def _add(counts: Iterable[Count]) -> Count:
    done = total = 0
    for count in counts:
        done += count.done
        total += count.total
    return Count(done, total)


def targets(catalog: Catalog, nodes: list[Node]) -> list[Node]:
    """The topics and references that marking these nodes touches, each once, in given order."""
    seen: dict[str, Node] = {}
    for node in nodes:
        for target in catalog.items(node):
            seen.setdefault(target.id, target)
    return list(seen.values())


def mark(
    catalog: Catalog,
    progress: ProgressFile,
    nodes: list[Node],
    status: Status,
    now: datetime,
) -> tuple[ProgressFile, MarkResult]:
    """Set the status of these nodes (a section or roadmap stands for its topics)."""
    updated = progress.model_copy(deep=True)
    result = MarkResult(status=status)
    touched: dict[str, tuple[Roadmap, Section]] = {}
    for target in targets(catalog, nodes):
        old = status_of(updated, target.id)
        if old == status:
            result.unchanged.append(target)
        else:
            previous = updated.entries.get(target.id)
            if previous is None:
                updated.entries[target.id] = Entry(status=status, changed=now)
            else:
                updated.entries[target.id] = previous.model_copy(
                    update={"status": status, "changed": now}
                )
            result.changed.append(Change(target, old, status))
        assert target.section is not None
        section_id = f"{target.roadmap.id}/{target.section.id}"
        touched.setdefault(section_id, (target.roadmap, target.section))
    result.sections = [
        summarize_section(catalog, updated, roadmap, section)
        for roadmap, section in touched.values()
    ]
    return updated, result
