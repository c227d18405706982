"""The plain objects every command works with: the course.

A roadmap file is validated by the pydantic models in `models`; what they accept is kept (in
a cache) as plain data and turned into these dataclasses. Importing pydantic's model machinery
costs more than the rest of a command together, so no command pays for it unless it has to
validate a roadmap file.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Link(NamedTuple):
    """A tool, paper or framework that a topic's description points to."""

    text: str
    url: str


class Reference(NamedTuple):
    """Something to read, watch or try for a section."""

    id: str
    title: str
    url: str
    author: str | None = None
    kind: str | None = None
    former_ids: tuple[str, ...] = ()


class Topic(NamedTuple):
    id: str
    title: str
    summary: str = ""
    links: tuple[Link, ...] = ()
    # Full ids this topic had in earlier versions of the course; progress under them carries over.
    former_ids: tuple[str, ...] = ()


class Section(NamedTuple):
    id: str
    number: int
    title: str
    summary: str = ""
    topics: tuple[Topic, ...] = ()
    references: tuple[Reference, ...] = ()
    former_ids: tuple[str, ...] = ()


class Roadmap(NamedTuple):
    id: str
    title: str
    summary: str = ""
    optional: bool = False
    sections: tuple[Section, ...] = ()


class CourseInfo(NamedTuple):
    id: str
    title: str
    author: str | None = None
    url: str | None = None
    license: str | None = None


def course_from_data(data: dict[str, Any]) -> tuple[CourseInfo, list[Roadmap]]:
    """Build the course from a roadmap file's data as the models validated and completed it."""
    # Positional arguments: at 20,000 items, keywords cost a third of loading the course.
    return CourseInfo(**data["course"]), [
        Roadmap(
            r["id"],
            r["title"],
            r["summary"],
            r["optional"],
            tuple(
                Section(
                    s["id"],
                    s["number"],
                    s["title"],
                    s["summary"],
                    tuple(
                        Topic(
                            t["id"],
                            t["title"],
                            t["summary"],
                            tuple(Link(link["text"], link["url"]) for link in t["links"])
                            if t["links"]
                            else (),
                            tuple(t["former_ids"]),
                        )
                        for t in s["topics"]
                    ),
                    tuple(
                        Reference(
                            f["id"],
                            f["title"],
                            f["url"],
                            f["author"],
                            f["kind"],
                            tuple(f["former_ids"]),
                        )
                        for f in s["references"]
                    ),
                    tuple(s["former_ids"]),
                )
                for s in r["sections"]
            ),
        )
        for r in data["roadmaps"]
    ]
