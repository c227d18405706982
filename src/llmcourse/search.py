"""Search: where the course covers something, title matches first. Pure: the course is given."""

import unicodedata
from typing import NamedTuple

from llmcourse.catalog import Catalog, Node
from llmcourse.errors import BadValueError


class Hit(NamedTuple):
    """A node that matches a search: the best field it matched in, and how well."""

    node: Node
    field: str  # title, summary, author or link
    text: str  # that field's text
    score: int


# Where a word is found, and what that is worth: a title match outranks everything else.
_FIELD_WEIGHTS = {"title": 8, "author": 4, "link": 3, "summary": 1}


# What a learner types, or pastes (the course's longest summary is 36 words, 211 characters), with
# room to spare. Every word is looked for in every field of every node, so a query of thousands
# of words took minutes; one within these bounds takes milliseconds.
MAX_WORDS = 40
MAX_CHARACTERS = 400


def check_query(query: str) -> None:
    """Refuse a query no learner types: past `MAX_WORDS` words or `MAX_CHARACTERS` characters.

    Refused rather than cut: every word must be found, so a query cut short would list hits
    for words the learner did not ask for alone.
    """
    words = len(query.split())
    if words > MAX_WORDS:
        raise BadValueError(
            f"the search has {words} words; llmcourse searches for at most {MAX_WORDS}",
            "Search for a few words: every word must be found, so fewer find more",
        )
    if len(query) > MAX_CHARACTERS:
        raise BadValueError(
            f"the search is {len(query)} characters long; llmcourse searches for at most "
            f"{MAX_CHARACTERS}",
            "Search for a few words: every word must be found, so fewer find more",
        )


def _fields(node: Node) -> list[tuple[str, str]]:
    fields = [("title", node.title)]
    item = node.item if node.item is not None else node.section
    summary = getattr(item if item is not None else node.roadmap, "summary", "")
    if summary:
        fields.append(("summary", summary))
    author = getattr(node.item, "author", None)
    if author:
        fields.append(("author", author))
    fields.extend(("link", link.text) for link in getattr(node.item, "links", ()))
    return fields


def search(catalog: Catalog, query: str) -> list[Hit]:
    """Every node whose fields hold all the words of `query` (any case), best first.

    A node scores each word by the best field it is in; ties keep the course's order. A query
    past the bounds of `check_query` is refused.
    """
    check_query(query)
    words = fold(query).split()
    if not words:
        return []
    hits: list[tuple[int, int, Hit]] = []
    for position, node in enumerate(catalog.nodes.values()):
        fields = [(name, text, fold(text)) for name, text in _fields(node)]
        score = 0
        for word in words:
            found = [_FIELD_WEIGHTS[name] for name, _, folded in fields if word in folded]
            if not found:
                break
            score += max(found)
        else:
            name, text, _ = max(
                fields,
                key=lambda field: (
                    sum(word in field[2] for word in words),
                    _FIELD_WEIGHTS[field[0]],
                ),
            )
            titled = any(word in fields[0][2] for word in words)
            hits.append((-score - (1000 if titled else 0), position, Hit(node, name, text, score)))
    # A title hit comes before any other; then the better score; then the course's order.
    return [hit for _, _, hit in sorted(hits, key=lambda item: (item[0], item[1]))]


def fold(text: str) -> str:
    """Text as search compares it: one Unicode form (Schütze typed either way), any case."""
    return unicodedata.normalize("NFKC", text).casefold()
