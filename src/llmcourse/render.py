"""The rich view: a result as tables and bars for people (see `output`). Every untrusted string
goes through `safe` into a Text, never into markup."""

import contextlib
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text

from llmcourse.catalog import Catalog, Node
from llmcourse.models import Notebook, Reference, Topic, is_web_url
from llmcourse.progressfile import Note, ProgressFile, Status
from llmcourse.results import (
    Calendar,
    Checked,
    Found,
    LinksChecked,
    Listing,
    Log,
    NextStep,
    NotebookList,
    Notes,
    ProgressReport,
    ReviewCard,
    Shown,
)
from llmcourse.text import PROSE, columns, escape_controls, unpadded
from llmcourse.tracker import (
    Count,
    CourseSummary,
    Resource,
    RoadmapSummary,
    resources,
    status_of,
    summarize_roadmap,
    summarize_section,
)
from llmcourse.wording import (
    SYMBOLS,
    Glyphs,
    counts,
    filled,
    glyphs,
    local_time,
    status_word,
    typed_id,
    when_due,
)

if TYPE_CHECKING:
    from llmcourse.linkcheck import Outcome, Use
    from llmcourse.review import Outlook
    from llmcourse.timeline import Momentum
    from llmcourse.tracker import NextUp

# In a pipe or a file (and no COLUMNS), lines are not wrapped at all: a row of a table, a
# paragraph, an address each stay on one line, for grep and awk. Wide enough for any of them;
# not unbounded, since rich sizes some buffers by the width.
UNLIMITED = 10_000
# The least room a title column is given before a sparer layout of its table is tried.
TITLE_ROOM = 24
# The widest a search's excerpt column is measured at, when its rows take more than a line.
FOUND_MEASURE = 40


@functools.singledispatch
def draw(result: object, out: Console) -> None:
    """Show a result on a console, as tables and lines."""
    raise TypeError(f"no rich view for {type(result).__name__}")


def write(result: object) -> None:
    """Draw a result on standard output, with no spaces at the ends of lines: a table pads its
    cells to the width of their column, which would leave them in a pipe."""
    out = console()
    with out.capture() as captured:
        draw(result, out)
    sys.stdout.write(unpadded(captured.get()))


def console() -> Console:
    """A console for the table views, as wide as the plain views are (`text.columns`): what
    `COLUMNS` says, else the terminal's width; in a pipe or a file, no width at all (see
    `UNLIMITED`). Always given to rich, which would otherwise read `COLUMNS` by its own rules,
    or the width of whatever terminal happens to be on stdin or stderr."""
    return Console(
        highlight=False, emoji=False, markup=False, width=columns(sys.stdout) or UNLIMITED
    )


def safe(value: str | None, style: str | Style = "", *, multiline: bool = False) -> Text:
    """Untrusted text, shown literally: no markup, no emoji codes, no control characters."""
    return Text(escape_controls(value or "", multiline=multiline), style=style)


def link(value: str, url: str, style: str = "") -> Text:
    """Text that is a terminal hyperlink where the terminal supports it; plain text where the
    address is not http or https (from a changed cache entry), shown but never a link.

    The link and style cover the characters only, not the text's base style, which rich
    would carry on to the padding after them (and to the lines `_stacked` adds)."""
    shown = safe(value)
    if style:
        shown.stylize(style)
    if is_web_url(url):
        shown.stylize(Style(link=url))
    return shown


def glyphs_of(out: Console) -> Glyphs:
    return glyphs(out.encoding)


def symbol(out: Console, status: Status) -> Text:
    return Text(glyphs_of(out).marks[status], style=SYMBOLS[status][2])


def fraction(count: Count) -> Text:
    """Done of those that count (skipped ones do not), as `2/4`."""
    if count.all_skipped:
        return Text("skipped", style=SYMBOLS["skipped"][2])
    return Text(f"{count.done}/{count.counted}", style="green" if count.complete else "")


def bar(out: Console, count: Count, width: int) -> Text:
    """A bar of `width` cells: the done part and the rest in different characters, so that it
    reads without colour and on a light theme as on a dark one. Nothing for an all-skipped
    count, which has nothing to show."""
    if count.all_skipped:
        return Text(" " * width)
    marks, done = glyphs_of(out), filled(count, width)
    drawn = Text().append(marks.bar_done * done, style="green")  # the rest is not green
    return drawn.append(marks.bar_left * (width - done), style="dim")


def percent(count: Count) -> Text:
    if count.all_skipped:
        return Text("")
    return Text(f"{count.percent:3.0f}%", style="green" if count.complete else "")


def _hanging(prefix: Text, body: Text) -> RenderableType:
    """`body` after `prefix`, its wrapped lines starting under its first."""
    return _Hanging(prefix, body)


class _Hanging:
    """`body` after `prefix`: on one line where the two fit side by side, as most titles do,
    else in a grid whose second column's lines start under the first's.

    A table in a cell of another costs as much to measure and draw as a small table; one in
    each row made the progress table's cells cost more than the rest of the command. One line
    is drawn as the grid would draw it, without the grid.
    """

    def __init__(self, prefix: Text, body: Text) -> None:
        self.prefix = prefix
        self.body = body

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        body = Measurement.get(console, options, self.body)
        width = self.prefix.cell_len
        return Measurement(body.minimum + width, body.maximum + width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        body = self.body.plain
        if "\n" not in body and self.prefix.cell_len + cell_len(body) <= options.max_width:
            yield Text.assemble(self.prefix, self.body, end=self.body.end)
            return
        grid = Table.grid()
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(self.prefix, self.body)
        yield grid


def _stacked(*lines: Text) -> Text:
    """Lines in one cell: a title with its id (and more) under it, each in its own style (a
    line's base style becomes a span: it would otherwise cover the lines after it)."""
    cell = Text()
    for number, line in enumerate(lines):
        if number:
            cell.append("\n")
        cell.append_text(line)  # which makes the line's base style a span of it
    return cell


class Layout(NamedTuple):
    """A table laid out one way, the column of its titles, and whether it puts more than one
    line in a row (an id under its title) where another layout would not."""

    table: Table
    title: int
    stacked: bool = False


def _fit(out: Console, layouts: Iterable[Callable[[], Layout]]) -> Table:
    """The table of the first layout that fits the width with a line a row and every title
    whole; else the first whose titles have room to wrap in (`TITLE_ROOM`, and their longest
    word); else the last, sparest one.

    Each layout says which column holds the titles: the one column that may wrap (at words).
    Every other column is as wide as its widest cell, so ids, numbers and addresses are never
    broken. Layouts with a line a row come before those that stack cells.
    """
    measured: dict[str, tuple[int, int]] = {}  # the layouts share most of their cells
    roomy: Table | None = None
    layout: Layout | None = None
    for build in layouts:
        layout = build()
        if roomy is not None and layout.stacked:
            break  # a roomy table with a line a row is better than any that stacks
        columns = [
            [_measure(out, cell, measured) for cell in (column.header, *column.cells)]
            for column in layout.table.columns
        ]
        widest = [
            min(max(width for _, width in widths), column.max_width or UNLIMITED)
            for widths, column in zip(columns, layout.table.columns, strict=True)
        ]
        # Each gap between columns: a space of padding each side and one between (`_table`).
        natural = sum(widest) + 3 * (len(columns) - 1)
        if natural <= out.width and not layout.stacked:
            return layout.table
        longest_word = max(words for words, _ in columns[layout.title])
        room = out.width - (natural - widest[layout.title])
        if roomy is None and room >= max(min(widest[layout.title], TITLE_ROOM), longest_word):
            roomy = layout.table
    assert layout is not None
    return roomy or layout.table


def _measure(
    out: Console, cell: RenderableType, measured: dict[str, tuple[int, int]]
) -> tuple[int, int]:
    """A cell's longest word and widest line. Measured here for text, as rich would, since
    tables are measured in several layouts and rich would measure each cell twice a layout."""
    if isinstance(cell, _Hanging):  # as its grid measures: the prefix beside the title
        words, widest = _measure(out, cell.body, measured)
        return words + cell.prefix.cell_len, widest + cell.prefix.cell_len
    if not isinstance(cell, str | Text):
        found = Measurement.get(out, out.options.update_width(UNLIMITED), cell)
        return found.minimum, found.maximum
    plain = cell if isinstance(cell, str) else cell.plain
    known = measured.get(plain)
    if known is None:
        words = max((cell_len(word) for word in plain.split()), default=0)
        known = measured[plain] = (words, max(cell_len(line) for line in plain.split("\n")))
    return known


def _prose(out: Console, renderable: RenderableType) -> None:
    """Print text at a readable measure: the width of the terminal up to `PROSE` columns;
    unwrapped in a pipe."""
    out.print(renderable, width=out.width if out.width >= UNLIMITED else min(out.width, PROSE))


def _roadmap_title(summary: RoadmapSummary) -> Text:
    title = safe(summary.roadmap.title, "bold")
    if summary.roadmap.optional:
        title.append(" (optional)", style="dim")
    return title


# The header rule of the tables, and its ASCII form: rich's own ASCII stand-in for a box draws
# lines between the columns too, which these tables do without.
_ASCII_HEAD = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)


def _table(out: Console, title: str | Text | None = None) -> Table:
    """A table in the house style; a title that holds untrusted text comes as a Text (rich
    would read a string as markup)."""
    return Table(
        box=_ASCII_HEAD if out.options.ascii_only else box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title=title,
        title_justify="left",
    )


# The layouts of an outline of roadmaps and sections, richest first: the width of the bar
# (0 for none), whether ids go under the titles instead of in a column of their own, whether
# the percentage is shown, and whether numbers have a column (else they lead the title).
OUTLINE_LAYOUTS = (
    (10, False, True, True),
    (5, False, True, True),
    (0, False, True, True),
    (0, True, True, True),
    (0, True, False, True),
    (0, True, False, False),
)


def _outline(
    out: Console,
    catalog: Catalog,
    progress: ProgressFile,
    roadmaps: list[RoadmapSummary],
    topics: bool | str,
    roadmap_rows: bool = True,
) -> Table:
    """Roadmaps, their sections and (where `topics` asks) their topics, as one table that fits
    the console: the bar goes first, then the id moves under the title, then the percentage."""

    def layout(bar_width: int, stacked: bool, with_percent: bool, numbered: bool) -> Layout:
        def ident(node: Node) -> str:
            """The short id; in the sparest layout, the course number where the short id is
            longer than a line holds beside the widest count and its gap (both are typed back)."""
            short = catalog.short_id(node)
            if numbered or not node.number or cell_len(short) <= out.width - len(" | skipped"):
                return short
            return node.number

        table = _table(out)
        if numbered:
            table.add_column("#", justify="right", style="dim", no_wrap=True)
        if not stacked:
            table.add_column("Id", no_wrap=True)
        table.add_column("Title / id" if stacked else "Title", overflow="fold")
        table.add_column("Done", justify="right", no_wrap=True)
        if bar_width:
            table.add_column("Progress", no_wrap=True)
        if with_percent:
            table.add_column("%", justify="right", no_wrap=True)

        def row(
            number: str, ident: Text, title: Text, count: Count | None, style: str = ""
        ) -> None:
            cells: list[RenderableType] = [number] if numbered else []
            if not numbered and number:
                title = Text.assemble((f"{number} ", "dim"), title)
            cells += [_stacked(title, ident)] if stacked else [ident, title]
            cells.append(fraction(count) if count else "")
            if bar_width:
                cells.append(bar(out, count, bar_width) if count else "")
            if with_percent:
                cells.append(percent(count) if count else "")
            table.add_row(*cells, style=style)

        for roadmap in roadmaps:
            if roadmap_rows:
                row(
                    "",
                    safe(roadmap.roadmap.id, "bold"),
                    _roadmap_title(roadmap),
                    roadmap.topics,
                    style="bold",
                )
            for section in roadmap.sections:
                row(
                    str(section.section.number),
                    safe(ident(section.node), "cyan"),
                    safe(section.section.title),
                    section.topics,
                )
                if not topics:
                    continue
                for node in catalog.section_topics(roadmap.roadmap, section.section):
                    status = status_of(progress, node.id)
                    if topics is not True and status != topics:
                        continue  # True for every topic, or a status for the topics that have it
                    number = (node.number or "").rsplit("/", 2)
                    row(
                        ".".join(number[1:]),
                        safe(ident(node), "dim"),
                        Text.assemble(symbol(out, status), " ", safe(node.title)),
                        None,
                    )
            if roadmap_rows:
                table.add_section()
        return Layout(table, int(numbered) + (0 if stacked else 1), stacked)

    return _fit(out, (functools.partial(layout, *choice) for choice in OUTLINE_LAYOUTS))


@draw.register
def listing(result: Listing, out: Console) -> None:
    out.print(
        _outline(out, result.catalog, result.progress, result.summary.roadmaps, result.topics)
    )


@draw.register
def show(result: Shown, out: Console) -> None:
    catalog, progress, node = result.catalog, result.progress, result.node
    if node.kind == "roadmap":
        _show_roadmap(out, catalog, progress, node)
    elif node.kind == "section":
        _show_section(out, catalog, progress, node)
    elif node.kind == "topic":
        _show_topic(out, catalog, progress, node)
    elif node.kind == "notebook":
        _show_notebook(out, catalog, progress, node)
    else:
        _show_reference(out, catalog, progress, node)
    _notes(out, node, progress.notes.get(node.id, []))


@draw.register
def notebook_list(result: NotebookList, out: Console) -> None:
    """The notebooks of each group in a table of its own: status, id and title; the id goes
    under the title where the width has no room for both side by side."""
    catalog, progress, groups = result.catalog, result.progress, result.groups()
    if not groups:
        out.print(Text("This course has no notebooks.", style="dim"))
        return
    nodes = [node for group in groups.values() for node in group]
    statuses = [status_of(progress, node.id) for node in nodes]
    count = Count(
        statuses.count("done"), len(nodes), statuses.count("in-progress"), statuses.count("skipped")
    )
    dot = glyphs_of(out).dot
    heading = Text.assemble(("Notebooks", "bold"), f": {count.done} of {count.counted} run")
    more = [
        f"{n} {word}"
        for n, word in ((count.in_progress, "in progress"), (count.skipped, "skipped"))
        if n
    ]
    if more:
        heading.append(f"  {dot}  {f' {dot} '.join(more)}", style="dim")
    _prose(out, heading)
    for group, members in groups.items():

        def layout(stacked: bool, members: list[Node] = members) -> Layout:
            table = _table(out)
            table.add_column("", no_wrap=True)
            if not stacked:
                table.add_column("Id", no_wrap=True)
            table.add_column("Title / id" if stacked else "Title", overflow="fold")
            for node in members:
                ident, title = safe(catalog.short_id(node), "cyan"), safe(node.title)
                cells = [_stacked(title, ident)] if stacked else [ident, title]
                table.add_row(symbol(out, status_of(progress, node.id)), *cells)
            return Layout(table, 1 if stacked else 2, stacked)

        out.print()
        out.print(safe(group, "italic"))
        out.print(_fit(out, (functools.partial(layout, stacked) for stacked in (False, True))))


@draw.register
def notes(result: Notes, out: Console) -> None:
    _notes(out, result.node, result.notes, say_none=True)


def _notes(out: Console, node: Node, found: list[Note], say_none: bool = False) -> None:
    """The learner's notes on a node, oldest first, each with its date."""
    if not found:
        if say_none:
            out.print(Text.assemble(("No notes on ", "dim"), safe(node.id), (" yet.", "dim")))
        return
    if not say_none:
        out.print()
    out.print(Text(f"Your notes ({len(found)})", style="bold"))
    for note in found:
        when, text = Text(local_time(note.time) + "  ", "dim"), safe(note.text, multiline=True)
        longest = max((cell_len(word) for word in text.plain.split()), default=0)
        if longest > min(out.width, PROSE) - when.cell_len:  # an address, say: under its date,
            out.print(Text(local_time(note.time), "dim"))  # the whole line, not a strip beside

            _prose(out, text)
        else:
            _prose(out, _hanging(when, text))


def _heading(out: Console, catalog: Catalog, node: Node) -> Text:
    """A node's title, its id and course number. The full id where a line can hold it whole,
    else its short form (which `resolve` takes as well), so that no id is broken."""
    ident = node.id if cell_len(node.id) <= out.width else catalog.short_id(node)
    heading = safe(node.title, "bold")
    heading.append("  ")
    heading.append_text(safe(ident, "cyan"))
    if node.number:
        heading.append(f" {glyphs_of(out).dot} ", style="dim").append_text(safe(node.number, "dim"))
    return heading


def _where(node: Node) -> Text:
    where = safe(node.roadmap.title, "dim")
    if node.section is not None and node.kind in ("topic", "reference"):
        where.append(" > ", style="dim")
        where.append_text(safe(f"{node.section.number}. {node.section.title}", "dim"))
    return where


def _summary(out: Console, text: str) -> None:
    """A summary after a blank line, at a readable measure."""
    if text:
        out.print()
        _prose(out, safe(text, multiline=True))


def _counts(out: Console, topics: Count, references: Count, notebooks: Count | None = None) -> Text:
    return Text(counts(topics, references, glyphs_of(out).dot, notebooks), style="dim")


def _show_roadmap(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    summary = summarize_roadmap(catalog, progress, node.roadmap)
    out.print(
        Group(
            _heading(out, catalog, node),
            _counts(out, summary.topics, summary.references, summary.notebooks),
        )
    )
    _summary(out, node.roadmap.summary)
    out.print()
    out.print(_outline(out, catalog, progress, [summary], topics=False, roadmap_rows=False))


def _show_section(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    assert node.section is not None
    summary = summarize_section(catalog, progress, node.roadmap, node.section)
    out.print(
        Group(
            _heading(out, catalog, node),
            _where(node),
            _counts(out, summary.topics, summary.references, summary.notebooks),
        )
    )
    _summary(out, node.section.summary)
    out.print()
    topics = catalog.section_topics(node.roadmap, node.section)

    def layout(stacked: bool) -> Layout:
        table = _table(out, "Topics")
        table.add_column("", no_wrap=True)
        table.add_column("#", justify="right", style="dim", no_wrap=True)
        if not stacked:
            table.add_column("Id", no_wrap=True)
        table.add_column("Title / id" if stacked else "Title", overflow="fold")
        for position, topic in enumerate(topics, 1):
            ident, title = safe(catalog.short_id(topic), "cyan"), safe(topic.title)
            cells = [_stacked(title, ident)] if stacked else [ident, title]
            table.add_row(symbol(out, status_of(progress, topic.id)), str(position), *cells)
        return Layout(table, 2 if stacked else 3, stacked)

    out.print(_fit(out, (functools.partial(layout, stacked) for stacked in (False, True))))
    listed = resources(catalog, node)
    references = [r for r in listed if r.node is None or r.node.kind != "notebook"]
    if references:
        out.print()
        _references(out, catalog, progress, references, "References", first=1)
    if len(listed) > len(references):
        out.print()
        _references(
            out,
            catalog,
            progress,
            listed[len(references) :],
            "Notebooks",
            first=len(references) + 1,
        )


def _references(
    out: Console,
    catalog: Catalog,
    progress: ProgressFile | None,
    listed: list[Resource],
    title: str | Text,
    first: int | None = None,
) -> None:
    """References (and a topic's own links) with their status where `progress` is given, id,
    author, kind and address; numbered from `first` where given, as `open --ref N` takes them.

    A table with a row each where it fits whole (in a pipe, always); else a short block each,
    the address on a line of its own, so that no address is broken where it could be whole.
    """

    def marks(number: int, resource: Resource) -> list[Text]:
        cells = [Text(str(number), style="dim")] if first is not None else []
        if progress is not None:
            node = resource.node
            cells.append(symbol(out, status_of(progress, node.id)) if node else Text(""))
        return cells

    def about(resource: Resource) -> list[str]:
        item = resource.node.item if resource.node is not None else None
        return [getattr(item, "author", None) or "", getattr(item, "kind", None) or ""]

    numbers = range(first or 1, (first or 1) + len(listed))
    rows = [
        [
            link(resource.title, resource.url),
            safe(catalog.short_id(resource.node) if resource.node else "", "cyan"),
            safe(about(resource)[0]),
            safe(about(resource)[1], "dim"),
            link(resource.url, resource.url, "blue"),
        ]
        for resource in listed
    ]
    # The columns some row fills: a topic's own links have no id, author or kind.
    shown = [i for i in range(5) if any(row[i].plain for row in rows)]
    table = _table(out)  # its title on a line of its own: rich wraps a title to the table
    if first is not None:
        table.add_column("#", justify="right", no_wrap=True)
    if progress is not None:
        table.add_column("", no_wrap=True)
    for i in shown:
        table.add_column(("Title", "Id", "Author", "Kind", "URL")[i], no_wrap=True)
    for number, resource, row in zip(numbers, listed, rows, strict=True):
        table.add_row(*marks(number, resource), *(row[i] for i in shown))
    out.print(Text.assemble(title, style="italic"))
    if Measurement.get(out, out.options.update_width(UNLIMITED), table).maximum <= out.width:
        out.print(table)
        return
    dot = glyphs_of(out).dot
    width = len(str(numbers[-1])) if listed else 0
    for number, resource in zip(numbers, listed, strict=True):
        lines = [link(resource.title, resource.url, "bold")]
        if resource.node is not None:
            line = safe(catalog.short_id(resource.node), "cyan")
            for part in about(resource):
                if part:
                    line.append(f" {dot} ", style="dim").append_text(safe(part, "dim"))
            lines.append(line)
        prefix = Text()
        if first is not None:
            prefix.append(f"{number:>{width}} ", style="dim")
        if progress is not None:
            node = resource.node
            prefix.append_text(symbol(out, status_of(progress, node.id)) if node else Text(" "))
            prefix.append(" ")
        out.print(_hanging(prefix, _stacked(*lines)) if prefix else _stacked(*lines))
        _address(out, resource.url, " " * prefix.cell_len)


def _address(out: Console, url: str, indent: str) -> None:
    """An address on a line of its own: indented where it fits so, else from the first column,
    and broken only where it is longer than the whole line."""
    address = link(url, url, "blue")
    if address.cell_len + len(indent) <= out.width:
        address = Text(indent) + address
    out.print(address, overflow="fold")


def _status_line(out: Console, progress: ProgressFile, node: Node) -> Text:
    entry = progress.entries.get(node.id)
    status = status_of(progress, node.id)
    line = Text("Status: ", style="dim")
    line.append_text(symbol(out, status)).append(" ")
    line.append(status_word(status, node.kind), style=SYMBOLS[status][2])
    if entry is not None:
        line.append(f" (since {local_time(entry.changed)})", style="dim")
    return line


def _show_topic(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    topic = node.item
    assert isinstance(topic, Topic) and node.section is not None
    out.print(Group(_heading(out, catalog, node), _where(node), _status_line(out, progress, node)))
    _summary(out, topic.summary)
    listed = resources(catalog, node)
    own = [resource for resource in listed if resource.node is None]
    if own:
        out.print()
        _references(out, catalog, None, own, "Links", first=1)
    tied = [r for r in listed if r.node is not None and r.node.kind == "notebook"]
    references = listed[len(own) : len(listed) - len(tied)]
    if references:
        out.print()
        section = safe(f"References of {node.section.number}. {node.section.title}")
        _references(out, catalog, progress, references, section, first=len(own) + 1)
    if tied:
        out.print()
        first = len(listed) - len(tied) + 1
        _references(out, catalog, progress, tied, "Notebooks that teach it", first=first)


def _show_reference(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    ref = node.item
    assert isinstance(ref, Reference)
    dash = glyphs_of(out).dash
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Author", safe(ref.author or dash))
    grid.add_row("Kind", safe(ref.kind or dash))
    address = link(ref.url, ref.url, "blue")
    own_line = address.cell_len > out.width - len("Author  ")  # before it would be broken
    grid.add_row("URL", "" if own_line else address)
    out.print(Group(_heading(out, catalog, node), _where(node), _status_line(out, progress, node)))
    out.print()
    out.print(grid)
    if own_line:
        out.print(address, overflow="fold")


def _show_notebook(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    notebook = node.item
    assert isinstance(notebook, Notebook)
    where = safe(f"Notebooks > {notebook.group}", "dim")
    out.print(Group(_heading(out, catalog, node), where, _status_line(out, progress, node)))
    _summary(out, notebook.summary)
    out.print()
    addresses = [
        (label, url)
        for label, url in (
            ("Colab", notebook.colab_url),
            ("Article", notebook.article_url),
            ("Project", notebook.project_url),
        )
        if url is not None
    ]
    room = out.width - len("Article  ")
    if all(cell_len(url) <= room for _, url in addresses):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(no_wrap=True)
        for label, url in addresses:
            grid.add_row(label, link(url, url, "blue"))
        out.print(grid)
    else:  # each address on a line of its own, under its label, so that none is broken
        for label, url in addresses:
            out.print(Text(label, style="dim"))
            _address(out, url, "  ")
    out.print()
    out.print(Text("Teaches", style="italic"))
    for topic_id in notebook.topics:
        topic = catalog.nodes.get(topic_id)
        if topic is None:
            continue
        mark = Text.assemble(symbol(out, status_of(progress, topic.id)), " ")
        ident = safe(catalog.short_id(topic), "cyan")
        if cell_len(topic.title) + 2 + ident.cell_len + mark.cell_len <= out.width:
            out.print(mark + ident + Text("  ") + safe(topic.title))
        else:  # the title, wrapped at words, and its id under it
            out.print(_hanging(mark, _stacked(safe(topic.title), ident)))


@draw.register
def progress_report(report: ProgressReport, out: Console) -> None:
    summary = report.summary
    going = None
    if report.progress.history_size:  # something recorded: how the learner has been going
        going = report.momentum()  # only this view reads the history
    _overall(out, summary)
    out.print(_progress_table(out, summary))
    if report.reviews is not None and report.reviews.scheduled:
        _reviews(out, report.reviews, "llmcourse")
    if summary.unknown_entries:
        count = len(summary.unknown_entries)
        _prose(
            out,
            Text(
                f"{count} entr{'y' if count == 1 else 'ies'} in the progress file match"
                f"{'es' if count == 1 else ''} nothing in this course (from an earlier course "
                "version?); kept, not counted. 'llmcourse doctor' lists "
                f"{'it' if count == 1 else 'them'}.",
                style="yellow",
            ),
        )
    if going is not None and going.days:
        _momentum(out, report.catalog, going)
    where = Text("Progress file: ", style="dim").append_text(safe(str(report.path)))
    if not report.exists:
        where.append(" (not created yet: nothing marked)", style="dim")
    out.print(where)
    if report.activity:
        calendar(Calendar(going.days if going else {}, report.today), out)


def _overall(out: Console, summary: CourseSummary) -> None:
    """The lines above the progress table: the course's counts, and what they leave out."""
    scope = summary.roadmaps[0].roadmap.title if summary.only else summary.course.title
    topics = summary.topics
    dot = glyphs_of(out).dot
    overall = Text.assemble(
        safe(scope, "bold"),
        f": {topics.done} of {topics.counted} topics done",
        (f" ({topics.percent:.0f}%)", "bold"),
        (f"  {dot}  ", "dim"),
        f"{summary.references.done} of {summary.references.counted} references read",
    )
    if summary.notebooks.total:
        overall.append(f"  {dot}  ", "dim")
        overall.append(f"{summary.notebooks.done} of {summary.notebooks.counted} notebooks run")
    out.print(overall)
    more = [
        f"{n} {word}"
        for n, word in ((topics.in_progress, "in progress"), (topics.skipped, "skipped"))
        if n
    ]
    if more:
        note = "; skipped ones are not counted" if topics.skipped else ""
        out.print(Text(f"Topics {f' {dot} '.join(more)}{note}.", "dim"))
    for left_out in summary.left_out:
        out.print(
            Text.assemble(
                safe(left_out.roadmap.title),
                " is optional and not started, so it is shown but not counted above.",
                style="dim",
            )
        )
    out.print()


# The layouts of the progress table, richest first: the width of the bar (0 for none), and
# whether references and the percentage are shown.
PROGRESS_LAYOUTS = (
    (12, True, True),
    (6, True, True),
    (0, True, True),
    (0, False, True),
    (0, False, False),
)


def _progress_table(out: Console, summary: CourseSummary) -> Table:
    """Each roadmap and its sections: topics done, a bar, the percentage, references read (and
    notebooks run, in a course that has notebooks).

    Where the width is short, the bar goes first, then references, then the percentage: the
    titles stay, since a row without one does not say what it counts.
    """

    def layout(bar_width: int, with_references: bool, with_percent: bool) -> Layout:
        table = _table(out)
        table.add_column("Roadmap / section", overflow="fold")
        table.add_column("Topics", justify="right", no_wrap=True)
        if bar_width:
            table.add_column("Progress", no_wrap=True)
        if with_percent:
            table.add_column("%", justify="right", no_wrap=True)
        if with_references:
            table.add_column("Read", justify="right", no_wrap=True)
        with_notebooks = with_references and any(r.notebooks.total for r in summary.roadmaps)
        if with_notebooks:
            table.add_column("Run", justify="right", no_wrap=True)

        def row(
            title: RenderableType,
            topics: Count,
            references: Count,
            notebooks: Count,
            style: str = "",
        ) -> None:
            cells: list[RenderableType] = [title, fraction(topics)]
            if bar_width:
                cells.append(bar(out, topics, bar_width))
            if with_percent:
                cells.append(percent(topics))
            if with_references:
                cells.append(Text(f"{references.done}/{references.counted}"))
            if with_notebooks:  # none is "", as a row of no references shows 0/0
                shown = f"{notebooks.done}/{notebooks.counted}" if notebooks.total else ""
                cells.append(Text(shown))
            table.add_row(*cells, style=style)

        for roadmap in summary.roadmaps:
            row(
                _roadmap_title(roadmap),
                roadmap.topics,
                roadmap.references,
                roadmap.notebooks,
                style="bold",
            )
            for section in roadmap.sections:
                number = Text(f"  {section.section.number}. ", style="dim")
                row(
                    _hanging(number, safe(section.section.title)),
                    section.topics,
                    section.references,
                    section.notebooks,
                )
            table.add_section()
        return Layout(table, 0)

    return _fit(out, (functools.partial(layout, *choice) for choice in PROGRESS_LAYOUTS))


def _momentum(out: Console, catalog: Catalog, going: "Momentum") -> None:
    recent: dict[str, Text] = {}  # topics done and references read, each on a line of its own
    for event in going.recent:
        node = catalog.nodes.get(catalog.former.get(event.id, event.id))
        kind = (
            "Recently read: "
            if node is not None and node.kind == "reference"
            else "Recently done: "
        )
        line = recent.setdefault(kind, Text(kind, style="bold"))
        if len(line) > len(kind):
            line.append(", ")
        line.append_text(safe(node.title if node else event.id))
        line.append(f" ({local_time(event.time)[:10]})", style="dim")
    for line in recent.values():
        _prose(out, line)
    days = "day" if going.streak == 1 else "days"
    out.print(
        Text.assemble(
            ("Streak: ", "bold"),
            (f"{going.streak} {days}", "green" if going.streak else ""),
            (f" in a row (longest {going.longest})", "dim"),
        )
    )


@draw.register
def calendar(calendar: Calendar, out: Console, weeks: int = 12) -> None:
    """A calendar of the last `weeks` weeks, a cell a day, shaded by the events recorded (as
    many weeks as the width has room for, down to four)."""
    days, today = calendar.days, calendar.today
    weeks = max(1, min(weeks, (out.width - 5) // 2))  # today is always drawn
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    shades = glyphs_of(out).shades
    # Month names over the week a month starts in, where there is room for them.
    labels = [" "] * (2 * weeks + 2)
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        if week == 0 or monday.day <= 7:
            name = monday.strftime("%b")
            column = 2 * week
            room = labels[max(column - 1, 0) : column + len(name)]
            fits = column + len(name) <= 2 * weeks - 1  # no wider than the rows of days
            if fits and all(char == " " for char in room):
                labels[column : column + len(name)] = list(name)
    out.print(Text("     " + "".join(labels).rstrip(), style="dim"), no_wrap=True, crop=True)
    for weekday, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        row = Text(f"{name}  ", style="dim")
        for week in range(weeks):
            day = start + timedelta(weeks=week, days=weekday)
            if day > today:
                break
            row.append_text(_cell(days.get(day, 0), shades)).append(" ")
        out.print(row, no_wrap=True, crop=True)
    legend = Text("     less ", style="dim")
    for count in (0, 1, 3, 6):
        legend.append_text(_cell(count, shades)).append(" ")
    legend.append("more", style="dim")
    total = sum(count for day, count in days.items() if start <= day <= today)
    events = f"{total} event{'s' if total != 1 else ''} in {weeks} weeks"
    if legend.cell_len + 3 + len(events) <= out.width:
        legend.append(f"   {events}", style="dim")
        out.print(legend)
    else:  # on a line of its own where the legend leaves no room
        out.print(legend)
        out.print(Text(f"     {events}", style="dim"))


def _cell(count: int, shades: tuple[str, str, str, str]) -> Text:
    """A day's shade: a different character for each step, so that it reads without colour."""
    if count == 0:
        return Text(shades[0], style="dim")
    if count < 3:
        return Text(shades[1], style="green")
    if count < 6:
        return Text(shades[2], style="green")
    return Text(shades[3], style="bold green")


@draw.register
def log(log: Log, out: Console) -> None:
    if log.chart is not None:
        calendar(log.chart, out)
        return
    catalog, page = log.catalog, log.page
    if not page.events:
        nothing = "No event matches." if page.recorded else "No changes recorded yet."
        out.print(Text(nothing, "dim"))
        return
    arrow = glyphs_of(out).arrow
    rows: list[tuple[Text, Text, Text, Text]] = []
    for event in page.events:
        node = catalog.nodes.get(catalog.former.get(event.id, event.id))
        kind = node.kind if node is not None else "topic"
        if event.old != event.new:
            status = safe(f"{status_word(event.old, kind)} {arrow} {status_word(event.new, kind)}")
        elif event.reschedules and event.undoes is not None:  # a review undone or redone
            what = "review" if event.rating is not None else "review schedule"
            status = Text(f"{what} {'restored' if event.command == 'redo' else 'taken back'}")
        elif event.rating is not None:
            status = safe(f"reviewed: {event.rating}")
        elif event.reschedules:  # a schedule from another machine (import, sync)
            status = Text("review schedule taken")
        else:
            status = Text("left as it is")
        if event.imported:
            status.append(" (imported)", style="dim")
        elif event.undoes is not None and event.command == "redo":
            status.append(f" (redo: takes back undo #{event.undoes})", style="yellow")
        elif event.undoes is not None:
            status.append(f" (undo #{event.undoes})", style="yellow")
        elif event.rev in page.undone_by:
            status.stylize("dim strike")
            status.append(f" (undone #{page.undone_by[event.rev]})", style="dim")
        item = safe(catalog.short_id(node), "cyan") if node else safe(event.id, "dim")
        if node is None:
            item.append(" (not in this course)", style="dim")
        rows.append(
            (Text(local_time(event.time), style="dim"), Text(str(event.rev), "dim"), status, item)
        )

    def layout(stacked: bool) -> Layout:
        # Ids are made from titles, so a title column would mostly repeat them.
        table = _table(out)
        table.add_column("When", no_wrap=True)
        table.add_column("#", justify="right", no_wrap=True)
        if stacked:  # the id under the status: ids stay whole where the status may wrap
            table.add_column("Status / id", overflow="fold")
        else:
            table.add_column("Status", overflow="fold")
            table.add_column("Id", no_wrap=True)
        for when, rev, status, item in rows:
            table.add_row(when, rev, *([_stacked(status, item)] if stacked else [status, item]))
        return Layout(table, 2, stacked)

    def records() -> Layout:  # the narrowest: the time over the status and id
        table = _table(out)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("When / status / id", overflow="fold")
        for when, rev, status, item in rows:
            table.add_row(rev, _stacked(when, status, item))
        return Layout(table, 1, stacked=True)

    out.print(
        _fit(out, (functools.partial(layout, False), functools.partial(layout, True), records))
    )
    if page.matching > len(page.events):
        _prose(
            out, Text(f"Showing {len(page.events)} of {page.matching}; --limit 0 shows all.", "dim")
        )


@draw.register
def doctor(checked: Checked, out: Console) -> None:
    report, fix = checked.report, checked.fixing
    for done_ in report.fixed:
        out.print(Text.assemble(("fixed: ", "green bold"), safe(done_)))
    for finding in report.findings:
        line = Text(f"{finding.level}: ", style="red bold" if finding.level == "problem" else "")
        if finding.file is not None:
            where = str(finding.file) + (f":{finding.line}" if finding.line else "")
            line.append_text(safe(where, "cyan")).append(": ")
        line.append_text(safe(finding.message))
        out.print(line)  # wrapped at spaces: a path stays whole, to be copied
        if finding.hint:
            out.print(_hanging(Text("  "), safe(finding.hint, "dim")))
    problems = len(report.problems)
    if problems:
        out.print(
            Text(
                f"{problems} problem{'s' if problems > 1 else ''} found."
                + (
                    " Run 'llmcourse doctor --fix' to set bad files aside."
                    if report.fixable and not fix
                    else ""
                ),
                style="red",
            )
        )
    elif not report.fixed:
        out.print(
            Text.assemble(
                "No problems: ", safe(str(report.progress_path)), " is in order.", style="green"
            )
        )


def _snippet(text: str, words: list[str], ellipsis: str, width: int = 90) -> str:
    """The part of a long text around its first match."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    folded = flat.casefold()  # positions are close enough here: this only picks a window
    first = min((i for i in (folded.find(word) for word in words) if i >= 0), default=0)
    start = max(0, min(first - width // 3, len(flat) - width))
    piece = flat[start : start + width]
    return (ellipsis if start else "") + piece + (ellipsis if start + width < len(flat) else "")


def highlighted(text: str, words: list[str], style: str = "") -> Text:
    """Untrusted text shown literally, with every match of the words marked.

    Matching is done a character at a time on the text as shown, so a character that folds
    to two (ß to ss) cannot shift the marks onto the wrong letters.
    """
    from llmcourse.search import fold

    shown = safe(text, style)
    plain = shown.plain
    folded: list[str] = []
    origin: list[int] = []  # for each folded character, the shown character it came from
    for index, char in enumerate(plain):
        for piece in fold(char):
            folded.append(piece)
            origin.append(index)
    joined = "".join(folded)
    for word in words:
        start = joined.find(word) if word else -1
        while start >= 0:
            end = start + len(word)
            shown.stylize("bold reverse", origin[start], origin[end - 1] + 1)
            start = joined.find(word, end)
    return shown


@draw.register
def search(result: Found, out: Console) -> None:
    catalog, query, hits = result.catalog, result.query, result.hits
    if not hits:
        out.print(Text.assemble(("No match for ", "dim"), safe(query)))
        return
    ellipsis = glyphs_of(out).ellipsis
    rows: list[tuple[Text, Text, Text, Text]] = []
    for hit in hits:
        node, words = hit.node, list(hit.words)  # as the course writes them: tokenization
        where = safe(node.roadmap.title if node.kind != "roadmap" else "", "dim")
        if node.section is not None and node.kind != "section":
            where.append(" > ", style="dim").append_text(
                safe(f"{node.section.number}. {node.section.title}", "dim")
            )
        found = Text(f"{hit.field}: ", style="dim")
        if hit.field != "title":
            found.append_text(highlighted(_snippet(hit.text, words, ellipsis), words))
        else:
            found.append(node.kind, style="dim")
        rows.append(
            (
                safe(catalog.short_id(node), "cyan"),
                highlighted(node.title, words, "bold"),
                where,
                found,
            )
        )

    def layout(stacked: bool) -> Layout:
        table = _table(out)
        if not stacked:
            table.add_column("Id", no_wrap=True)
        table.add_column("Title / id / where" if stacked else "Title / where", overflow="fold")
        # An excerpt wraps like prose, in the room the titles leave it, up to a measure.
        table.add_column("Found in", overflow="fold", max_width=FOUND_MEASURE)
        for ident, title, where, found in rows:
            lines = [title, ident, where] if stacked else [title, where]
            table.add_row(
                *([] if stacked else [ident]), _stacked(*[line for line in lines if line]), found
            )
        return Layout(table, 0 if stacked else 1, stacked=True)

    def one_line() -> Layout:  # a row a line: in a pipe, and where it fits
        table = _table(out)
        for header in ("Id", "Title", "Where", "Found in"):
            table.add_column(header, no_wrap=True)
        for row in rows:
            table.add_row(*row)
        return Layout(table, 1)

    def one_column() -> Layout:  # the narrowest: the excerpt under where the match is
        table = _table(out)
        table.add_column("Title / id / where / found in", overflow="fold")
        for ident, title, where, found in rows:
            table.add_row(_stacked(*[line for line in (title, ident, where, found) if line]))
        return Layout(table, 0, stacked=True)

    layouts = (one_line, functools.partial(layout, False), functools.partial(layout, True))
    out.print(_fit(out, (*layouts, one_column)))
    count = len(hits)
    out.print(Text(f"{count} match{'es' if count != 1 else ''}", style="dim"))


@draw.register
def next_up(step: NextStep, out: Console) -> None:
    catalog, up = step.catalog, step.up
    if step.reviews is not None and step.reviews.due:
        _reviews(out, step.reviews, step.program)
        out.print()
    if up is not None:
        _next_topic(out, catalog, up, step.program)
    elif not step.left_out or any(not r.optional for r in catalog.roadmaps):
        out.print(Text("Nothing left: every topic is done or skipped. Well done!", "green"))
    for roadmap in step.left_out or []:
        out.print()
        _prose(
            out,
            Text.assemble(
                safe(roadmap.title),
                " is optional and not counted yet. To count it, and study its topics first:",
                style="dim",
            ),
        )
        out.print(Text.assemble("  ", safe(f"{step.program} start {roadmap.id}")), soft_wrap=True)


def _next_topic(out: Console, catalog: Catalog, up: "NextUp", program: str) -> None:
    node = up.topic
    lead = "Carry on with" if up.reason == "in-progress" else "Next up:"
    out.print(Text.assemble((f"{lead} ", "bold"), _heading(out, catalog, node)))
    out.print(_where(node))
    assert isinstance(node.item, Topic)
    _summary(out, node.item.summary)
    if up.unread:
        out.print()
        unread = [Resource(r.title, getattr(r.item, "url", ""), r) for r in up.unread]
        _references(out, catalog, None, unread, "References not read yet")
    out.print()
    out.print(Text("When you are ready:", style="dim"))
    room = None if out.width >= UNLIMITED else out.width - len(f"  {program} start ")
    ident = typed_id(catalog.short_id(node), node.number, room)
    commands = [] if up.reason == "in-progress" else [f"{program} start {ident}"]
    for command in [*commands, f"{program} done {ident}"]:
        # Never cut: a command longer than the line is left to the terminal to wrap.
        out.print(Text.assemble("  ", safe(command)), soft_wrap=True)


def _reviews(out: Console, reviews: "Outlook", program: str) -> None:
    """How many reviews are due today (and the command that takes them), or when the next is."""
    if reviews.due:
        due = f"{reviews.due} topic{'s' if reviews.due != 1 else ''} due today"
        line = Text.assemble(("Review: ", "bold"), due, " to keep what you learned: ")
        line.append_text(safe(f"{program} review"))
    else:
        assert reviews.next_due is not None
        line = Text(
            f"Review: none due today; the next is {when_due(reviews.next_due, reviews.now)}"
        )
        line.stylize("dim")
    _prose(out, line)


@draw.register
def review_card(card: ReviewCard, out: Console) -> None:
    """A topic to recall: where it stands among today's reviews, then the topic as `show` has
    it (summary, links, references, notes)."""
    dot = glyphs_of(out).dot
    head = Text(f"Review {card.number} of {card.total}", style="bold magenta")
    entry = card.progress.entries.get(card.node.id)
    if card.schedule is not None and entry is not None:
        first = card.schedule.last_review <= entry.changed  # its first review: since it was done
        when = local_time(card.schedule.last_review)
        head.append(f"  {dot}  {'done' if first else 'last reviewed'} {when}", "dim")
    if out.width < UNLIMITED:
        out.rule(style="dim")
    out.print(head)
    show(Shown(card.catalog, card.progress, card.node), out)
    out.print()


# Each verdict's colour in a report of links: what fails the check in red.
VERDICT_STYLES = {
    "broken": "red bold",
    "unreachable": "red",
    "blocked": "yellow",
    "redirected": "cyan",
    "ok": "green",
}


@draw.register
def links_checked(checked: LinksChecked, out: Console) -> None:
    """A row for each address, what needs fixing first: its verdict, the answer, the address
    (and where its redirects end) and where the course uses it. Where a row does not fit the
    width (most addresses are long), a short block each instead, every address on a line of
    its own, so that none is broken."""
    from llmcourse.linkcheck import status_words

    catalog, marks = checked.catalog, glyphs_of(out)
    rows = checked.in_order()

    def answer(outcome: "Outcome") -> Text:
        if outcome.verdict == "redirected":
            return Text(status_words(outcome.redirects[0].status), style="dim")
        return safe(outcome.reason, "dim")

    def where(uses: "tuple[Use, ...]") -> Text:
        first = uses[0]
        node = catalog.nodes.get(first.id)
        shown = safe(catalog.short_id(node) if node is not None else first.id, "cyan")
        if len(uses) > 1:
            shown.append(f" +{len(uses) - 1}", style="dim")
        return shown

    def address(outcome: "Outcome") -> Text:
        shown = link(outcome.url, outcome.url, "blue")
        final = outcome.final_url
        if outcome.verdict == "redirected" and final is not None:
            shown.append(f" {marks.arrow} ").append_text(link(final, final, "blue"))
        return shown

    table = _table(out)
    for title in ("Verdict", "Answer", "URL", "Used by"):
        table.add_column(title, no_wrap=True)
    for used, outcome in rows:
        verdict = Text(outcome.verdict, style=VERDICT_STYLES[outcome.verdict])
        table.add_row(verdict, answer(outcome), address(outcome), where(used.uses))
    if (
        rows
        and Measurement.get(out, out.options.update_width(UNLIMITED), table).maximum <= out.width
    ):
        out.print(table)
    else:
        widest = max(len(outcome.verdict) for _, outcome in rows) if rows else 0
        for used, outcome in rows:
            verdict = Text(outcome.verdict, style=VERDICT_STYLES[outcome.verdict])
            verdict.append(" " * (widest - len(outcome.verdict) + 2))
            about = answer(outcome).append(f" {marks.dot} ", style="dim")
            out.print(_hanging(verdict, about.append_text(where(used.uses))))
            _address(out, outcome.url, "  ")
            final = outcome.final_url
            if outcome.verdict == "redirected" and final is not None:
                ending = Text(f"  {marks.arrow} ").append_text(link(final, final, "blue"))
                out.print(
                    ending if ending.cell_len <= out.width else link(final, final, "blue"),
                    overflow="fold",
                )
    out.print(_links_summary(checked, out))


def _links_summary(checked: LinksChecked, out: Console) -> Text:
    counts = checked.counts()
    total = sum(counts.values())
    if not checked.addresses:
        return Text("The course has no web addresses to check.", style="dim")
    line = Text(f"{total} address{'es' if total != 1 else ''}: ", style="bold")
    line.append(
        ", ".join(f"{count} {verdict}" for verdict, count in counts.items() if count),
        style="red" if checked.exit_code else "green",
    )
    cached = sum(1 for outcome in checked.outcomes.values() if outcome.cached)
    if cached:
        line.append(
            f" {glyphs_of(out).dot} {cached} answer{'s' if cached != 1 else ''} from the cache, "
            "a day old at most (--no-cache asks again)",
            style="dim",
        )
    return line


@contextlib.contextmanager
def checking_bar(total: int, label: str) -> Iterator[Callable[[object], None] | None]:
    """A bar on standard error while `total` things are checked, where that is a terminal
    (nothing elsewhere: a log or a pipe gets no bar), gone when the check ends; it yields what
    to call as each is done (None where there is no bar)."""
    try:
        terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        terminal = False
    if not terminal or total == 0:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    errors = Console(stderr=True, highlight=False, markup=False, emoji=False)
    columns = (TextColumn(label, markup=False), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda _done: bar.advance(task)
