"""The course: the one declaration of what a roadmap file holds and the rules it follows.

Each model is a NamedTuple, and the same classes are the course at run time: cheap to define and
to build, and immutable. pydantic checks a roadmap file against them (`validate`), reading the
rules from their `Annotated` metadata through its documented `__get_pydantic_core_schema__`
hook. Only validating imports pydantic; a command that reads the validated course from the cache
never does, which is most of what keeps it fast.

Adding a field to topics means: the data, the field here, the view that shows it, and a test.
The cache keeps and builds every model by the order of its fields (`dump`, `build`), so nothing
else changes.
"""

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable
from functools import cache
from typing import (
    Annotated,
    Any,
    ForwardRef,
    Literal,
    NamedTuple,
    TypeGuard,
    TypeVar,
    get_args,
    get_origin,
    get_type_hints,
)
from urllib.parse import urlsplit

from llmcourse.text import pattern

# The id of The LLM Course, which ships with llmcourse (and whose progress has the top of the
# data folder to itself).
BUNDLED_COURSE_ID = "llm-course"

# --- Rules, as pydantic reads them ------------------------------------------------------


class _Exact:
    """No conversion: in a roadmap file, "1" is not a number and 1 is not true."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return {**handler(source), "strict": True}


class _Rule:
    """A check a value must pass once it has the right type; its ValueError names the problem.

    With `first`, the check comes before the type's own, and sees the value as the file has it.
    """

    def __init__(self, check: Callable[[Any], Any], *, first: bool = False) -> None:
        self.check = check
        self.first = first

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        if self.first:
            return core_schema.no_info_before_validator_function(self.check, handler(source))
        return core_schema.no_info_after_validator_function(self.check, handler(source))


_EXACT = _Exact()
_SLUG = pattern(r"[a-z0-9][a-z0-9._-]*")
# The characters of `_SLUG`, for checking many ids at once (`only_slug_characters`).
_SLUG_CHARACTERS = b"abcdefghijklmnopqrstuvwxyz0123456789._-"
_URL_FORBIDDEN = pattern(r"[\x00-\x20\x7f-\x9f]")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)
}


def _check_slug(value: str) -> str:
    if not _SLUG().fullmatch(value):
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


def _is_full_id(value: str) -> bool:
    try:
        _check_former_id(value)
    except ValueError:
        return False
    return True


def _check_course_id(value: str) -> str:
    """A course id names a folder on every platform: short, and not a name Windows keeps."""
    if len(value) > 64:
        raise ValueError("a course id is at most 64 characters")
    stem = value.split(".", 1)[0]
    if value.endswith(".") or stem in _WINDOWS_RESERVED:
        raise ValueError(f"'{value}' cannot be a folder name on Windows")
    return value


def _check_title(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)  # a ValueError of its own for some, such as an unclosed IPv6 host
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an http:// or https:// URL"
    if _URL_FORBIDDEN().search(value):
        return "must not contain spaces or control characters"
    return None


def _check_url(value: str) -> str:
    problem = _url_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


_DATE = pattern(r"\d{4}-\d{2}-\d{2}")


def _date_as_text(value: Any) -> Any:
    """A date, written bare in TOML or quoted, as its text: YYYY-MM-DD and nothing else."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and _DATE().fullmatch(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise ValueError("must be a date such as 2026-02-04")


def _check_positive(value: int) -> int:
    if value < 1:
        raise ValueError("Input should be greater than or equal to 1")
    return value


def _check_format_version(value: Any) -> Any:
    if type(value) is not int or value != 1:  # the one version of the format there is
        raise ValueError("Input should be 1")
    return value


# Another name a learner searches for: an acronym such as RAG or "KV cache". Short, and only
# the characters such names are written with, so that an alias is never a sentence or markup.
_ALIAS = pattern(r"[^\W_](?:[\w .+&/'-]*[^\W_])?\+*")  # C++ too
ALIAS_LIMIT = 40


def _check_alias(value: str) -> str:
    if not value.strip():
        raise ValueError("an alias must not be empty")
    if len(value) > ALIAS_LIMIT:
        raise ValueError(f"an alias is at most {ALIAS_LIMIT} characters")
    if not _ALIAS().fullmatch(value) or "  " in value:
        raise ValueError(
            "an alias is letters and digits, with single spaces and . + & / ' - between them"
        )
    return value


def _check_distinct_aliases(value: tuple[str, ...]) -> tuple[str, ...]:
    folded = [alias.casefold() for alias in value]
    twice = sorted({alias for alias in value if folded.count(alias.casefold()) > 1})
    if twice:
        raise ValueError(f"aliases must differ (in any case): {', '.join(twice)}")
    return value


def _check_not_empty(value: tuple[Any, ...]) -> tuple[Any, ...]:
    if not value:
        raise ValueError("List should have at least 1 item after validation, not 0")
    return value


Text = Annotated[str, _EXACT]
Title = Annotated[str, _EXACT, _Rule(_check_title)]
Slug = Annotated[str, _EXACT, _Rule(_check_slug)]
FormerId = Annotated[str, _EXACT, _Rule(_check_former_id)]
CourseId = Annotated[str, _EXACT, _Rule(_check_slug), _Rule(_check_course_id)]
Url = Annotated[str, _EXACT, _Rule(_check_url)]
Number = Annotated[int, _EXACT, _Rule(_check_positive)]
Date = Annotated[str, _Rule(_date_as_text, first=True), _EXACT]
Flag = Annotated[bool, _EXACT]
Alias = Annotated[str, _EXACT, _Rule(_check_alias)]
Aliases = Annotated[tuple[Alias, ...], _Rule(_check_distinct_aliases)]
ReferenceKind = Literal[
    "article", "book", "code", "course", "docs", "paper", "slides", "tool", "video", "website"
]

M = TypeVar("M", bound=tuple[Any, ...])
NonEmpty = Annotated[tuple[M, ...], _Rule(_check_not_empty)]


# --- The course ---------------------------------------------------------------------------


class Link(NamedTuple):
    """A tool, paper or framework that a topic's description points to."""

    text: Title
    url: Url


class Reference(NamedTuple):
    """Something to read, watch or try for a section."""

    id: Slug
    title: Title
    url: Url
    author: Text | None = None
    kind: ReferenceKind | None = None
    # Full ids it had in earlier versions of the course; progress under them carries over.
    former_ids: tuple[FormerId, ...] = ()


class Topic(NamedTuple):
    """Something to learn, with what its description points to."""

    id: Slug
    title: Title
    summary: Text = ""
    # Other names search finds it by: acronyms (DPO), never shown as its title.
    aliases: Aliases = ()
    links: tuple[Link, ...] = ()
    former_ids: tuple[FormerId, ...] = ()


class Section(NamedTuple):
    """A numbered part of a roadmap: its topics, in order, and its references."""

    id: Slug
    number: Number
    title: Title
    topics: NonEmpty[Topic]
    summary: Text = ""
    aliases: Aliases = ()  # as a topic's
    references: tuple[Reference, ...] = ()
    former_ids: tuple[FormerId, ...] = ()


class Notebook(NamedTuple):
    """A notebook of the course to run (in Colab), with the topics it teaches.

    Its full id is `notebooks/<id>`; its `topics` are full topic ids, the first its main one:
    the notebook counts in that topic's section, as a reference counts in its own.
    """

    id: Slug
    title: Title
    group: Title  # as the course groups its notebooks: Tools, Fine-tuning, ...
    colab_url: Url
    # Full topic ids (roadmap/section/topic), checked by `validate`; at least one.
    topics: Annotated[tuple[FormerId, ...], _Rule(_check_not_empty)]
    summary: Text = ""
    article_url: Url | None = None  # the article that goes with it, where there is one
    project_url: Url | None = None  # the project it belongs to, where there is one
    aliases: Aliases = ()  # as a topic's
    former_ids: tuple[FormerId, ...] = ()


class Roadmap(NamedTuple):
    """One of the course's roadmaps: its sections, in order."""

    id: Slug
    title: Title
    sections: NonEmpty[Section]
    summary: Text = ""
    optional: Flag = False  # a roadmap a learner may leave aside: not counted until started


class CourseInfo(NamedTuple):
    """The course as a whole: its id names where its progress is kept."""

    id: CourseId
    title: Title
    author: Text | None = None
    url: Url | None = None
    license: Text | None = None
    # Which version of the course the file holds (a release, or a commit of its source), and
    # of when: `llmcourse --version` names them.
    revision: Text | None = None
    revision_date: Date | None = None


class RoadmapFile(NamedTuple):
    """The whole of a roadmap file: one course and its roadmaps, in order."""

    schema_version: Annotated[int, _Rule(_check_format_version, first=True)]
    course: CourseInfo
    roadmaps: NonEmpty[Roadmap]
    notebooks: tuple[Notebook, ...] = ()


# The first part of every notebook's full id: no roadmap of a file with notebooks may have it.
NOTEBOOKS = "notebooks"

MODELS: tuple[type[tuple[Any, ...]], ...] = (
    Link,
    Reference,
    Topic,
    Section,
    Notebook,
    Roadmap,
    CourseInfo,
    RoadmapFile,
)


def _tables_only(cls: type, source: Any, handler: Any) -> Any:
    """pydantic would also take a model from a list of its values, in order; a roadmap file
    gives each one as a table, by key."""
    from pydantic_core import core_schema

    def table(value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("Input should be a table")
        return value

    return core_schema.no_info_before_validator_function(table, handler(source))


for _model in MODELS:
    _model.__get_pydantic_core_schema__ = classmethod(_tables_only)  # type: ignore[attr-defined]


def repeated_ids(data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    """Ids and numbers used twice where they must be unique, found in a file's raw data.

    Checked on the raw data rather than by the models, so that these are reported together with
    every other problem, not only once all the rest is right.
    """

    def ids(items: Any, key: str = "id") -> list[str]:
        if not isinstance(items, list):
            return []
        return [str(item[key]) for item in items if isinstance(item, dict) and key in item]

    def twice(values: Iterable[str]) -> list[str]:
        listed = list(values)
        return sorted({value for value in listed if listed.count(value) > 1})

    found: list[tuple[tuple[int | str, ...], str]] = []
    roadmaps = data.get("roadmaps") if isinstance(data, dict) else None
    if repeated := twice(ids(roadmaps)):
        found.append((("roadmaps",), f"roadmap ids must be unique: {', '.join(repeated)}"))
    for r, roadmap in enumerate(roadmaps if isinstance(roadmaps, list) else []):
        sections = roadmap.get("sections") if isinstance(roadmap, dict) else None
        where: tuple[int | str, ...] = ("roadmaps", r, "sections")
        if repeated := twice(ids(sections)):
            found.append((where, f"section ids must be unique in a roadmap: {', '.join(repeated)}"))
        if repeated := twice(ids(sections, "number")):
            found.append(
                (where, f"section numbers must be unique in a roadmap: {', '.join(repeated)}")
            )
        for n, section in enumerate(sections if isinstance(sections, list) else []):
            if not isinstance(section, dict):
                continue
            if repeated := twice(ids(section.get("topics")) + ids(section.get("references"))):
                found.append(
                    (
                        (*where, n),
                        "topic and reference ids must be unique within a section: "
                        + ", ".join(repeated),
                    )
                )
    notebooks = data.get("notebooks") if isinstance(data, dict) else None
    if repeated := twice(ids(notebooks)):
        found.append((("notebooks",), f"notebook ids must be unique: {', '.join(repeated)}"))
    if notebooks and NOTEBOOKS in ids(roadmaps):
        at = ids(roadmaps).index(NOTEBOOKS)
        found.append(
            (
                ("roadmaps", at, "id"),
                f"'{NOTEBOOKS}' starts the ids of the notebooks: a roadmap cannot have it "
                "in a file with notebooks",
            )
        )
    return found


def unknown_topics(data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    """Topics a notebook names that the file does not have, found in its raw data (reported
    with every other problem, as `repeated_ids` are)."""
    if not isinstance(data, dict) or not isinstance(data.get("notebooks"), list):
        return []
    known: set[str] = set()
    roadmaps = data.get("roadmaps")
    for roadmap in roadmaps if isinstance(roadmaps, list) else []:
        if not isinstance(roadmap, dict) or not isinstance(roadmap.get("sections"), list):
            continue
        for section in roadmap["sections"]:
            if not isinstance(section, dict) or not isinstance(section.get("topics"), list):
                continue
            known.update(
                f"{roadmap.get('id')}/{section.get('id')}/{topic.get('id')}"
                for topic in section["topics"]
                if isinstance(topic, dict)
            )
    found: list[tuple[tuple[int | str, ...], str]] = []
    for n, notebook in enumerate(data["notebooks"]):
        topics = notebook.get("topics") if isinstance(notebook, dict) else None
        for t, topic in enumerate(topics if isinstance(topics, list) else []):
            # An id that breaks the rule of ids is reported by the model: once is enough.
            if isinstance(topic, str) and topic not in known and _is_full_id(topic):
                found.append(
                    (
                        ("notebooks", n, "topics", t),
                        f"no topic has the id '{topic}' (a full id: roadmap/section/topic)",
                    )
                )
    return found


# --- The rules, for what did not come through `validate` -----------------------------------
# The course from the cache folder was validated when the entry was written, but anyone who can
# write that folder can write an entry. What would be unsafe if it were wrong is checked again
# where it is used: an address before it is opened, printed or linked, and a course id before
# it names a folder.


def is_web_url(value: object) -> TypeGuard[str]:
    """Whether `value` is an address to open, print or link: the rule of `Url` (http or https,
    with a host, and no space or control character, which could end a terminal's link)."""
    try:
        return isinstance(value, str) and _url_problem(value) is None
    except ValueError:
        return False


def is_slug(value: object) -> bool:
    """Whether `value` is an id by the rule of `Slug`."""
    try:
        return isinstance(value, str) and bool(_check_slug(value))
    except ValueError:
        return False


def is_course_id(value: object) -> bool:
    """Whether `value` is a course id by the rule of `CourseId`: safe as a folder's name on
    every platform (never `..`, never a path)."""
    try:
        return isinstance(value, str) and bool(_check_course_id(_check_slug(value)))
    except ValueError:
        return False


def only_slug_characters(text: str, separators: str = "") -> bool:
    """Whether `text` holds only the characters of ids (and `separators`): a check of many ids
    at once, joined, that costs a tenth of matching each against the rule."""
    return text.isascii() and not text.encode().translate(
        None, _SLUG_CHARACTERS + separators.encode()
    )


# --- From validated data, and back ---------------------------------------------------------


def _is_model(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields")


@cache
def _builder(model: type[M]) -> Callable[[Any], tuple[M, ...]]:
    """How to build a tuple of `model`s from their values in field order (as `dump` made
    them), with the models inside them built too.

    Which fields hold models is read from the model's own annotations, and where each field is
    from `_fields`, so a new field, nested or not, needs nothing here. The models of a tuple are
    made all at once, their lengths checked and the tuples made by `map` (in C), and the models
    inside all of them (every topic's links, say) in one call, then handed to each in turn by
    slices: a few calls a level, not one per model. At 10,000 topics (CPU time, side by side)
    marshal reads the values in 5 ms where it read dicts of field names in 14, and building the
    course takes 12 ms where one call per model by field name took 16.
    """
    fields: tuple[str, ...] = model._fields  # type: ignore[attr-defined]
    inner: list[tuple[int, Callable[[Any], tuple[Any, ...]], bool]] = []
    hint: Any
    for name, hint in _annotations(model).items():
        if _is_model(hint):
            inner.append((fields.index(name), _builder(hint), False))
        elif get_origin(hint) is tuple and _is_model(get_args(hint)[0]):
            inner.append((fields.index(name), _builder(get_args(hint)[0]), True))
        elif any(_is_model(arg) for arg in get_args(hint)):
            raise TypeError(f"{model.__name__}.{name}: a model only as itself or in a tuple")
    count = len(fields)
    models = itertools.repeat(model)
    make = tuple.__new__

    def build(items: Any) -> tuple[M, ...]:
        # `len` of a value that is not a tuple of values (a number) is a TypeError too.
        if any(map(count.__ne__, map(len, items))):
            raise TypeError(f"{model.__name__} has the fields {', '.join(fields)}")
        if not inner:
            return tuple(map(make, models, items))
        rows = list(map(list, items))
        for at, child, many in inner:
            column = list(map(operator.itemgetter(at), rows))
            if many:
                made = child(tuple(itertools.chain.from_iterable(column)))
                start = 0
                for row, end in zip(rows, itertools.accumulate(map(len, column)), strict=True):
                    row[at] = made[start:end]
                    start = end
            else:
                present = iter(child([value for value in column if value is not None]))
                for row in rows:
                    if row[at] is not None:
                        row[at] = next(present)
        return tuple(map(make, models, rows))

    return build


def _annotations(model: type) -> dict[str, Any]:
    """A model's field types, without Annotated's rules.

    The annotations themselves where they are objects, as in this module (`get_type_hints`
    would cost more than building the bundled course); resolved where they are strings.
    """
    found: dict[str, Any] = dict(model.__annotations__)
    if any(isinstance(hint, str | ForwardRef) for hint in found.values()):
        found = get_type_hints(model)
    for name, hint in found.items():
        while get_origin(hint) is Annotated:
            hint = get_args(hint)[0]
        found[name] = hint
    return found


def build(model: type[M], data: Any) -> M:
    """A model from the values `dump` made of it, in the order of its fields."""
    built: tuple[M, ...] = _builder(model)((data,))
    return built[0]


def dump(value: Any) -> Any:
    """A model as plain data (tuples, strings, numbers), each model's values in the order of
    its fields, for the cache: a field's place is its place in `_fields`. (This file is part of
    every cache entry's key, so an entry never meets fields in another order.)"""
    if isinstance(value, tuple):
        return tuple(dump(item) for item in value)
    return value


# --- Validating -----------------------------------------------------------------------------

Problem = tuple[tuple[int | str, ...], str]  # where (a key path) and what is wrong


def validate(data: Any) -> tuple[RoadmapFile | None, list[Problem]]:
    """Check a roadmap file's data (as TOML read it): the course, or every problem found."""
    from pydantic import TypeAdapter, ValidationError

    repeated = repeated_ids(data) + unknown_topics(data)
    try:
        course = TypeAdapter(RoadmapFile).validate_python(data)
    except ValidationError as err:
        found = [(tuple(e["loc"]), _message(e["msg"])) for e in err.errors()]
        return None, found + repeated
    return (None, repeated) if repeated else (course, [])


def _message(text: str) -> str:
    # A TOML array is a list, whatever type holds it here.
    return text.removeprefix("Value error, ").replace("a valid tuple", "a valid list")
