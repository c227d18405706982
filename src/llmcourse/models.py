"""Pydantic models of a roadmap file: the schema a course must follow, and its validation.

Only validating a roadmap file imports this module; commands work with the plain objects of
`course`, built from what these models accepted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f]")

ReferenceKind = Literal[
    "article", "book", "code", "course", "docs", "paper", "slides", "tool", "video", "website"
]


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            "an id is lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    if value.isdigit():
        raise ValueError(
            "an id cannot be only digits: numbers name sections and topics by position"
        )
    return value


def _check_former_id(value: str) -> str:
    for part in value.split("/"):
        _check_slug(part)
    return value


def _check_title(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    if _URL_FORBIDDEN.search(value):
        raise ValueError("must not contain spaces or control characters")
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
FormerId = Annotated[str, AfterValidator(_check_former_id)]
Title = Annotated[str, AfterValidator(_check_title)]
Url = Annotated[str, AfterValidator(_check_url)]


def _duplicates(ids: Iterable[str]) -> list[str]:
    return [value for value, count in Counter(ids).items() if count > 1]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Link(_Strict):
    """A tool, paper or framework that a topic's description points to."""

    text: Title
    url: Url


class Reference(_Strict):
    """Something to read, watch or try for a section."""

    id: Slug
    title: Title
    url: Url
    author: str | None = None
    kind: ReferenceKind | None = None
    former_ids: list[FormerId] = []


class Topic(_Strict):
    id: Slug
    title: Title
    summary: str = ""
    links: list[Link] = []
    # Full ids this topic had in earlier versions of the course; progress under them carries over.
    former_ids: list[FormerId] = []


class Section(_Strict):
    id: Slug
    number: int = Field(ge=1)
    title: Title
    summary: str = ""
    topics: list[Topic] = Field(min_length=1)
    references: list[Reference] = []
    former_ids: list[FormerId] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Section:
        ids = [t.id for t in self.topics] + [r.id for r in self.references]
        if duplicates := _duplicates(ids):
            raise ValueError(
                f"topic and reference ids must be unique within a section: {', '.join(duplicates)}"
            )
        return self


class Roadmap(_Strict):
    id: Slug
    title: Title
    summary: str = ""
    optional: bool = False
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_sections(self) -> Roadmap:
        if duplicates := _duplicates(s.id for s in self.sections):
            raise ValueError(f"section ids must be unique in a roadmap: {', '.join(duplicates)}")
        numbers = _duplicates(str(s.number) for s in self.sections)
        if numbers:
            raise ValueError(f"section numbers must be unique in a roadmap: {', '.join(numbers)}")
        return self


def _check_course_id(value: str) -> str:
    """A course id names a folder on every platform: short, and not a name Windows keeps."""
    if len(value) > 64:
        raise ValueError("a course id is at most 64 characters")
    stem = value.split(".", 1)[0]
    if value.endswith(".") or stem in _WINDOWS_RESERVED:
        raise ValueError(f"'{value}' cannot be a folder name on Windows")
    return value


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)
}

CourseId = Annotated[str, AfterValidator(_check_slug), AfterValidator(_check_course_id)]


class CourseInfo(_Strict):
    id: CourseId
    title: Title
    author: str | None = None
    url: Url | None = None
    license: str | None = None


class RoadmapFile(_Strict):
    """The whole of a roadmap file: one course and its roadmaps, in order."""

    schema_version: Literal[1]
    course: CourseInfo
    roadmaps: list[Roadmap] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_roadmaps(self) -> RoadmapFile:
        if duplicates := _duplicates(r.id for r in self.roadmaps):
            raise ValueError(f"roadmap ids must be unique: {', '.join(duplicates)}")
        return self
