"""Search: where the course covers something, by words as a learner types them. Pure: the
course is given.

The engine is SQLite's full-text search (FTS5, in the standard library): its porter stemmer
matches a word's variants (tokenizer finds Tokenization), and bm25 ranks what matches. The index
is built in memory on every search: for The LLM Course that takes some 2 ms, less than reading
it from a file would save. What FTS5 does not do is done here, around it: a word the course
does not have is corrected against the words it has (quantisation finds Quantization), a word
written joined finds it hyphenated (pretraining, Pre-Training), and an exact title or alias
comes first, then what to learn, then what to read or run.
"""

import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from llmcourse.catalog import Catalog, Node
from llmcourse.errors import BadValueError

if TYPE_CHECKING:
    import sqlite3


class Hit(NamedTuple):
    """A node that matches a search: the best field it matched in, and how well."""

    node: Node
    field: str  # title, alias, summary, author or link
    text: str  # that field's text
    score: int  # how well the words match (bm25, weighted by field): higher is better
    # The words of the course that matched, folded (tokenization for tokenizer): what to mark.
    words: tuple[str, ...] = ()


# The columns of the index, and what a match in each is worth to bm25: a title or an alias is
# what a node is called; an author or a link's text names one thing in it; a summary mentions.
_COLUMNS = ("title", "alias", "summary", "author", "link")
_WEIGHTS = (10.0, 10.0, 1.0, 3.0, 2.0)
# Aliases and links are each one column, a line each. The markers of a match and the line
# breaks are taken out of the indexed copy of every text, so they cannot be mistaken.
_LINE, _OPEN, _CLOSE = "\n", "\x02", "\x03"
_UNMARK = str.maketrans({_LINE: " ", _OPEN: " ", _CLOSE: " "})
_MARKED = re.compile(f"{_OPEN}([^{_CLOSE}]*){_CLOSE}")
_WORD = re.compile(r"[^\W_]+")  # a word as FTS5's unicode61 tokenizer splits text (near enough)
_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)+")  # pre-training, test-time
# A word the course does not have is corrected to one it has that is at least this close, as
# difflib measures it: quantisation and quantization are 0.92 alike, merging and merge 0.83.
_CLOSE_ENOUGH = 0.8
_SHORTEST_CORRECTED = 4  # shorter words are too alike to correct (rag, rl, kv)

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
    if not words:
        raise BadValueError(
            "the search has no words", "Search for a word or a few, such as 'llmcourse search rag'"
        )
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


def _strings(value: object) -> tuple[str, ...]:
    # Aliases as validating made them; a rewritten cache entry could hold anything there.
    if not isinstance(value, tuple):
        return ()
    return tuple(item for item in value if isinstance(item, str))


Columns = tuple[str, tuple[str, ...], str, str, tuple[str, ...]]


def _columns(node: Node) -> Columns:
    """A node's texts, one a column: title, aliases, summary, author, link texts."""
    item = node.item if node.item is not None else node.section
    owner = item if item is not None else node.roadmap
    summary = getattr(owner, "summary", "") or ""
    aliases = _strings(getattr(item, "aliases", ()))
    author = getattr(node.item, "author", None) or ""
    links = tuple(link.text for link in getattr(node.item, "links", ()))
    return node.title, aliases, summary, author, links


def search(catalog: Catalog, query: str) -> list[Hit]:
    """Every node whose fields hold all the words of `query`, best first.

    Words match in any case and in any form the stemmer joins (train, training, trained); a
    word the course never uses is corrected to the closest it does, or matches nothing. First
    come sections and topics whose whole title or an alias is the query, then topics and
    sections, then references; within each, title and alias matches first, then the bm25
    score, then the course's order. A query past the bounds of `check_query` is refused.
    """
    check_query(query)
    words = [word for word in fold(query).split() if _WORD.search(word)]
    if not words:
        return []
    import contextlib
    import sqlite3

    nodes = list(catalog.nodes.values())
    texts = [_columns(node) for node in nodes]
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.execute(
            "CREATE VIRTUAL TABLE course USING fts5("
            + ", ".join(_COLUMNS)
            + ", tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        db.executemany(
            "INSERT INTO course (rowid, title, alias, summary, author, link) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    row,
                    *(
                        _LINE.join(piece.translate(_UNMARK) for piece in text)
                        if isinstance(text, tuple)
                        else text.translate(_UNMARK)
                        for text in columns
                    ),
                )
                for row, columns in enumerate(texts)
            ),
        )
        vocabulary = _Vocabulary(db, texts)
        terms = [vocabulary.term(word) for word in words]
        if any(term is None for term in terms):
            return []  # a word found nowhere: every word must be found
        expression = " AND ".join(term for term in terms if term is not None)
        weights = ", ".join(str(weight) for weight in _WEIGHTS)
        marks = ", ".join(
            f"highlight(course, {column}, '{_OPEN}', '{_CLOSE}')" for column in range(len(_COLUMNS))
        )
        rows = db.execute(
            f"SELECT rowid, bm25(course, {weights}), {marks} FROM course WHERE course MATCH ?",
            (expression,),
        ).fetchall()
        titled = {
            row
            for (row,) in db.execute(
                "SELECT rowid FROM course WHERE course MATCH ?",
                (f"{{title alias}} : ({expression})",),
            )
        }
    length = sum(len(_WORD.findall(word)) for word in words)
    ranked: list[tuple[tuple[bool, int, int, float, int], Hit]] = []
    for row, bm25, *highlights in rows:
        node = nodes[row]
        found = list(_found(texts[row], highlights))
        named = row in titled and node.kind not in ("reference", "notebook")
        # How many words the shortest title or alias that matched has: the fewer, the closer.
        closeness = min(
            (
                len(_WORD.findall(text))
                for field, text, _, _ in found
                if field in ("title", "alias")
            ),
            default=0,
        )
        exact = named and any(
            field in ("title", "alias") and whole and len(_WORD.findall(text)) == length
            for field, text, _, whole in found
        )
        # The text that holds the most words of the query (as far as can be told: a query word
        # can match several of the course's), the better field first.
        field, text, _, _ = max(
            found,
            key=lambda each: (
                min(len(set(each[2])), len(words)),
                _WEIGHTS[_COLUMNS.index(each[0])],
            ),
        )
        every = tuple(dict.fromkeys(word for each in found for word in each[2]))
        hit = Hit(node, field, text, max(1, round(-bm25 * 10)), every)
        # Among titles that hold the query, the shortest, then the course's order: bm25 would
        # weigh their summaries too, and put Flash Attention before Attention mechanisms.
        if row not in titled:
            closeness = 0
        key = (
            not exact,
            _group(node, row in titled),
            closeness,
            bm25 if row not in titled else 0,
            row,
        )
        ranked.append((key, hit))
    return [hit for _, hit in sorted(ranked, key=lambda item: item[0])]


def _group(node: Node, titled: bool) -> int:
    """Where a node stands after the exact titles: what it is called first, then what to
    learn (topics, then the sections and roadmaps a summary covers), then what to read or
    run."""
    if node.kind in ("reference", "notebook"):
        return 3 if titled else 4
    if titled:
        return 0
    return 1 if node.kind == "topic" else 2


def _found(columns: Columns, highlights: list[str]) -> Iterator[tuple[str, str, list[str], bool]]:
    """Each text of a node that a word matched in: its field, its text, the words matched
    (folded), and whether they are all of its words."""
    for name, text, marked in zip(_COLUMNS, columns, highlights, strict=True):
        pieces = text if isinstance(text, tuple) else (text,)
        lines = marked.split(_LINE) if isinstance(text, tuple) and text else [marked]
        for piece, line in zip(pieces, lines, strict=False):  # no aliases: one empty line
            matched = [fold(word) for word in _MARKED.findall(line)]
            if matched:
                rest = _MARKED.sub(" ", line)
                yield name, piece, matched, not _WORD.search(rest)


class _Vocabulary:
    """What a word of the query becomes in FTS5's query language, given the course's words."""

    def __init__(self, db: "sqlite3.Connection", texts: list[Columns]) -> None:
        self._db = db
        self._texts = texts
        self._words: list[str] | None = None
        self._joined: dict[str, str] | None = None

    def _matches(self, term: str) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM course WHERE course MATCH ? LIMIT 1", (term,)
        ).fetchone()
        return found is not None

    def _read(self) -> tuple[list[str], dict[str, str]]:
        """Every word of the course (folded), and its hyphenated words by their joined form."""
        if self._words is None or self._joined is None:
            words: set[str] = set()
            joined: dict[str, str] = {}
            for columns in self._texts:
                for text in columns:
                    for piece in text if isinstance(text, tuple) else (text,):
                        folded = fold(piece)
                        words.update(_WORD.findall(folded))
                        for compound in _COMPOUND.findall(folded):
                            joined.setdefault(compound.replace("-", ""), compound)
            self._words = sorted(words | set(joined))
            self._joined = joined
        return self._words, self._joined

    def term(self, word: str) -> str | None:
        """`word` as an FTS5 query: itself (a phrase where it has parts, llama.cpp), or what the
        course writes for it; None if the course has nothing like it."""
        forms = [word]
        if "-" in word:  # pre-training finds pretraining too
            forms.append(word.replace("-", ""))
        term = _any(forms)
        if self._matches(term):
            return term
        words, joined = self._read()
        if word in joined:  # pretraining finds pre-training
            return _any([joined[word]])
        if len(word) < _SHORTEST_CORRECTED:
            return None
        prefix = _quoted(word) + "*"  # quant finds quantization
        if self._matches(prefix):
            return prefix
        import difflib

        close = difflib.get_close_matches(word, words, n=3, cutoff=_CLOSE_ENOUGH)
        return _any([joined.get(each, each) for each in close]) if close else None


def _quoted(word: str) -> str:
    """A string FTS5 reads as words, never as its query language (AND, NEAR, column:)."""
    return '"' + word.replace('"', '""') + '"'


def _any(forms: list[str]) -> str:
    return "(" + " OR ".join(_quoted(form) for form in forms) + ")"


def fold(text: str) -> str:
    """Text as search compares it: one Unicode form (Schütze typed either way), any case."""
    return unicodedata.normalize("NFKC", text).casefold()
