"""Pydantic models of a course (roadmap file) and of a learner's progress file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# 1: entries only. 2: adds `revision` and `history_size`, which tie the file to its history.
PROGRESS_SCHEMA_VERSION = 2

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f]")

ReferenceKind = Literal[
    "article", "book", "code", "course", "docs", "paper", "slides", "tool", "video", "website"
]
Status = Literal["not-started", "done"]
STATUSES: tuple[Status, ...] = ("not-started", "done")


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


class CourseInfo(_Strict):
    id: Slug
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


class Entry(BaseModel):
    """A learner's record for one topic or reference; unknown keys are kept as they are."""

    model_config = ConfigDict(extra="allow", strict=True)

    status: Status
    changed: datetime

    @model_validator(mode="after")
    def _aware(self) -> Entry:
        if self.changed.tzinfo is None:
            raise ValueError("'changed' must carry a time zone, e.g. 2026-01-31T18:00:00Z")
        return self


class ProgressFile(BaseModel):
    """The progress file; keys and entries this version does not know are kept."""

    model_config = ConfigDict(extra="allow", strict=True)

    schema_version: int = Field(ge=1)
    course: str | None = None
    # How many changes were ever recorded, and how many bytes of the history file they fill:
    # bytes past `history_size` belong to a change that never completed, and are not history.
    revision: int = Field(0, ge=0)
    history_size: int = Field(0, ge=0)
    entries: dict[str, Entry] = {}

    def to_toml_data(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


@dataclass(frozen=True)
class Event:
    """One line of the history: a status that changed, and the change (`rev`) it was part of."""

    rev: int
    time: datetime
    command: str
    id: str
    old: str
    new: str
    undoes: int | None = None  # set on the events of an `undo`: the change they revert

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "rev": self.rev,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": self.command,
            "id": self.id,
            "old": self.old,
            "new": self.new,
        }
        if self.undoes is not None:
            doc["undoes"] = self.undoes
        return doc
