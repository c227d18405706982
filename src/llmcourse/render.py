"""The rich view: a result as tables and bars for people (see `output`). Every untrusted string
goes through `safe` into a Text, never into markup."""

import functools
import os
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.style import Style
from rich.table import Table
from rich.text import Text

from llmcourse.catalog import Catalog, Node
from llmcourse.models import Reference, Topic, is_web_url
from llmcourse.progressfile import Note, ProgressFile, Status
from llmcourse.results import (
    Calendar,
    Checked,
    Found,
    Listing,
    Log,
    NextStep,
    Notes,
    ProgressReport,
    Shown,
)
from llmcourse.text import escape_controls
from llmcourse.tracker import (
    Count,
    CourseSummary,
    RoadmapSummary,
    status_of,
    summarize_roadmap,
    summarize_section,
)
from llmcourse.wording import SYMBOLS, counts, local_time, status_word

if TYPE_CHECKING:
    from llmcourse.timeline import Momentum

PIPE_WIDTH = 80


@functools.singledispatch
def draw(result: object, out: Console) -> None:
    """Show a result on a console, as tables and lines."""
    raise TypeError(f"no rich view for {type(result).__name__}")


def console() -> Console:
    """A console for the table views.

    Written to a pipe or a file, tables are as wide as `COLUMNS` says, else 80 columns:
    never the width of whatever terminal happens to be on stdin or stderr, which rich would
    otherwise use, so the same command gives the same output wherever it runs.
    """
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    if width is None and not _is_terminal(sys.stdout):
        width = PIPE_WIDTH
    return Console(highlight=False, emoji=False, markup=False, width=width)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False


def safe(value: str | None, style: str | Style = "", *, multiline: bool = False) -> Text:
    """Untrusted text, shown literally: no markup, no emoji codes, no control characters."""
    return Text(escape_controls(value or "", multiline=multiline), style=style)


def link(value: str, url: str, style: str = "") -> Text:
    """Text that is a terminal hyperlink where the terminal supports it; plain text where the
    address is not http or https (from a changed cache entry), shown but never a link."""
    if not is_web_url(url):
        return safe(value, style)
    return safe(value, Style.parse(style) + Style(link=url) if style else Style(link=url))


def symbol(out: Console, status: Status) -> Text:
    mark, ascii_mark, style = SYMBOLS[status]
    return Text(ascii_mark if out.options.ascii_only else mark, style=style)


def fraction(count: Count) -> Text:
    """Done of those that count (skipped ones do not), as `2/4`."""
    return Text(f"{count.done}/{count.counted}", style="green" if count.complete else "")


def bar(count: Count, width: int = 10) -> ProgressBar:
    return ProgressBar(
        total=max(count.counted, 1),
        completed=count.done,
        width=width,
        complete_style="green",
        finished_style="green",
    )


def percent(count: Count) -> Text:
    return Text(f"{count.percent:3.0f}%", style="green" if count.complete else "")


def _roadmap_title(summary: RoadmapSummary) -> Text:
    title = safe(summary.roadmap.title, "bold")
    if summary.roadmap.optional:
        title.append(" (optional)", style="dim")
    return title


def _table(title: str | None = None) -> Table:
    return Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=title, title_justify="left"
    )


def _outline_table() -> Table:
    table = _table()
    table.add_column("#", justify="right", style="dim")
    table.add_column("Id", no_wrap=True)
    table.add_column("Title", ratio=1)
    table.add_column("Done", justify="right", no_wrap=True)
    table.add_column("Progress", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    return table


def _add_sections(
    out: Console,
    table: Table,
    catalog: Catalog,
    progress: ProgressFile,
    summary: RoadmapSummary,
    topics: bool | str,
) -> None:
    for section in summary.sections:
        table.add_row(
            str(section.section.number),
            safe(catalog.short_id(section.node), "cyan"),
            safe(section.section.title),
            fraction(section.topics),
            bar(section.topics),
            percent(section.topics),
        )
        if topics:  # True for every topic, or a status for the topics that have it
            for node in catalog.section_topics(summary.roadmap, section.section):
                status = status_of(progress, node.id)
                if topics is not True and status != topics:
                    continue
                title = Text.assemble(symbol(out, status), " ", safe(node.title))
                number = (node.number or "").rsplit("/", 2)
                table.add_row(
                    ".".join(number[1:]), safe(catalog.short_id(node), "dim"), title, "", "", ""
                )


@draw.register
def listing(result: Listing, out: Console) -> None:
    catalog, progress, summary, topics = (
        result.catalog,
        result.progress,
        result.summary,
        result.topics,
    )
    table = _outline_table()
    for roadmap in summary.roadmaps:
        table.add_row(
            "",
            safe(roadmap.roadmap.id, "bold"),
            _roadmap_title(roadmap),
            fraction(roadmap.topics),
            bar(roadmap.topics),
            percent(roadmap.topics),
            style="bold",
        )
        _add_sections(out, table, catalog, progress, roadmap, topics)
        table.add_section()
    out.print(table)


@draw.register
def show(result: Shown, out: Console) -> None:
    catalog, progress, node = result.catalog, result.progress, result.node
    if node.kind == "roadmap":
        _show_roadmap(out, catalog, progress, node)
    elif node.kind == "section":
        _show_section(out, catalog, progress, node)
    elif node.kind == "topic":
        _show_topic(out, catalog, progress, node)
    else:
        _show_reference(out, catalog, progress, node)
    _notes(out, node, progress.notes.get(node.id, []))


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
        out.print(
            Text.assemble((local_time(note.time), "dim"), "  ", safe(note.text, multiline=True))
        )


def _heading(node: Node) -> Text:
    heading = safe(node.title, "bold")
    heading.append("  ")
    heading.append_text(safe(node.id, "cyan"))
    if node.number:
        heading.append_text(Text(" · ", style="dim")).append_text(safe(node.number, "dim"))
    return heading


def _where(node: Node) -> Text:
    where = safe(node.roadmap.title, "dim")
    if node.section is not None and node.kind in ("topic", "reference"):
        where.append(" > ", style="dim")
        where.append_text(safe(f"{node.section.number}. {node.section.title}", "dim"))
    return where


def _summary(text: str) -> RenderableType:
    return Group(Text(), safe(text, multiline=True)) if text else Text()


def _show_roadmap(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    summary = summarize_roadmap(catalog, progress, node.roadmap)
    line = Text(counts(summary.topics, summary.references), style="dim")
    table = _outline_table()
    _add_sections(out, table, catalog, progress, summary, topics=False)
    out.print(Group(_heading(node), line, _summary(node.roadmap.summary)))
    out.print()
    out.print(table)


def _show_section(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    assert node.section is not None
    summary = summarize_section(catalog, progress, node.roadmap, node.section)
    line = Text(counts(summary.topics, summary.references), style="dim")
    out.print(Group(_heading(node), _where(node), line, _summary(node.section.summary)))
    out.print()

    topics = _table("Topics")
    topics.add_column("", no_wrap=True)
    topics.add_column("#", justify="right", style="dim")
    topics.add_column("Id", no_wrap=True)
    topics.add_column("Title", ratio=1)
    for position, topic in enumerate(catalog.section_topics(node.roadmap, node.section), 1):
        topics.add_row(
            symbol(out, status_of(progress, topic.id)),
            str(position),
            safe(catalog.short_id(topic), "cyan"),
            safe(topic.title),
        )
    out.print(topics)

    references = catalog.section_references(node.roadmap, node.section)
    if not references:
        return
    out.print()
    table = _table("References")
    table.add_column("", no_wrap=True)
    table.add_column("Reference / id", ratio=3, overflow="fold")
    table.add_column("Author / kind", ratio=2)
    table.add_column("URL", ratio=4, overflow="fold")
    for ref_node in references:
        ref = ref_node.item
        assert isinstance(ref, Reference)
        title = link(ref.title, ref.url)
        title.append("\n").append_text(safe(catalog.short_id(ref_node), "cyan"))
        author = safe(ref.author or "")
        if ref.kind:
            author.append("\n").append_text(safe(ref.kind, "dim"))
        table.add_row(
            symbol(out, status_of(progress, ref_node.id)),
            title,
            author,
            link(ref.url, ref.url, "blue"),
        )
    out.print(table)


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
    assert isinstance(topic, Topic)
    out.print(
        Group(
            _heading(node),
            _where(node),
            _status_line(out, progress, node),
            _summary(topic.summary),
        )
    )
    if topic.links:
        out.print()
        table = _table("Links")
        table.add_column("Name")
        table.add_column("URL", overflow="fold")
        for item in topic.links:
            table.add_row(link(item.text, item.url), link(item.url, item.url, "blue"))
        out.print(table)


def _show_reference(out: Console, catalog: Catalog, progress: ProgressFile, node: Node) -> None:
    ref = node.item
    assert isinstance(ref, Reference)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Author", safe(ref.author or "—"))
    grid.add_row("Kind", safe(ref.kind or "—"))
    grid.add_row("URL", link(ref.url, ref.url, "blue"))
    out.print(Group(_heading(node), _where(node), _status_line(out, progress, node)))
    out.print()
    out.print(grid)


@draw.register
def progress_report(report: ProgressReport, out: Console) -> None:
    from llmcourse.timeline import momentum  # only this view reads the history

    summary = report.summary
    going = None
    if report.progress.history_size:  # something recorded: how the learner has been going
        going = momentum(report.history(), report.today, progress=report.progress)
    _overall(out, summary)
    out.print(_progress_table(summary))
    if summary.unknown_entries:
        count = len(summary.unknown_entries)
        out.print(
            Text(
                f"{count} entr{'y' if count == 1 else 'ies'} in the progress file match"
                f"{'es' if count == 1 else ''} nothing in this course (from an earlier course "
                "version?); kept, not counted. 'llmcourse doctor' lists "
                f"{'it' if count == 1 else 'them'}.",
                style="yellow",
            )
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
    overall = Text.assemble(
        safe(scope, "bold"),
        f": {topics.done} of {topics.counted} topics done",
        (f" ({topics.percent:.0f}%)", "bold"),
        ("  ·  ", "dim"),
        f"{summary.references.done} of {summary.references.counted} references read",
    )
    out.print(overall)
    more = [
        f"{n} {word}"
        for n, word in ((topics.in_progress, "in progress"), (topics.skipped, "skipped"))
        if n
    ]
    if more:
        note = "; skipped ones are not counted" if topics.skipped else ""
        out.print(Text(f"Topics {' · '.join(more)}{note}.", "dim"))
    for left_out in summary.left_out:
        out.print(
            Text.assemble(
                safe(left_out.roadmap.title),
                " is optional and not started, so it is shown but not counted above.",
                style="dim",
            )
        )
    out.print()


def _progress_table(summary: CourseSummary) -> Table:
    """Each roadmap and its sections: topics done, a bar, the percentage, references read."""
    table = _table()
    table.add_column("Roadmap / section", ratio=1)
    table.add_column("Topics", justify="right", no_wrap=True)
    table.add_column("Progress", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    table.add_column("References", justify="right", no_wrap=True)
    for roadmap in summary.roadmaps:
        table.add_row(
            _roadmap_title(roadmap),
            fraction(roadmap.topics),
            bar(roadmap.topics, 12),
            percent(roadmap.topics),
            Text(f"{roadmap.references.done}/{roadmap.references.counted}"),
            style="bold",
        )
        for section in roadmap.sections:
            name = Text("  ")
            name.append(f"{section.section.number}. ", style="dim")
            name.append_text(safe(section.section.title))
            table.add_row(
                name,
                fraction(section.topics),
                bar(section.topics, 12),
                percent(section.topics),
                Text(f"{section.references.done}/{section.references.counted}", style="dim"),
            )
        table.add_section()
    return table


def _momentum(out: Console, catalog: Catalog, going: "Momentum") -> None:
    if going.recent:
        line = Text("Recently done: ", style="bold")
        for number, event in enumerate(going.recent):
            node = catalog.nodes.get(catalog.former.get(event.id, event.id))
            if number:
                line.append(", ")
            line.append_text(safe(node.title if node else event.id))
            line.append(f" ({local_time(event.time)[:10]})", style="dim")
        out.print(line)
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
    """A calendar of the last `weeks` weeks, a cell a day, shaded by the changes made."""
    days, today = calendar.days, calendar.today
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    ascii_only = out.options.ascii_only
    # Month names over the week a month starts in, where there is room for them.
    labels = [" "] * (2 * weeks + 2)
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        if week == 0 or monday.day <= 7:
            name = monday.strftime("%b")
            column = 2 * week
            if all(char == " " for char in labels[max(column - 1, 0) : column + len(name)]):
                labels[column : column + len(name)] = list(name)
    out.print(Text("     " + "".join(labels).rstrip(), style="dim"), no_wrap=True, crop=True)
    for weekday, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        row = Text(f"{name}  ", style="dim")
        for week in range(weeks):
            day = start + timedelta(weeks=week, days=weekday)
            if day > today:
                row.append("   ")
                continue
            row.append_text(_cell(days.get(day, 0), ascii_only)).append(" ")
        out.print(row, no_wrap=True, crop=True)
    legend = Text("     less ", style="dim")
    for count in (0, 1, 3, 6):
        legend.append_text(_cell(count, ascii_only)).append(" ")
    legend.append("more", style="dim")
    total = sum(count for day, count in days.items() if start <= day <= today)
    legend.append(f"   {total} change{'s' if total != 1 else ''} in {weeks} weeks", style="dim")
    out.print(legend, no_wrap=True, crop=True)


def _cell(count: int, ascii_only: bool) -> Text:
    if count == 0:
        return Text("." if ascii_only else "·", style="dim")
    mark = "#" if ascii_only else "■"
    if count < 3:
        return Text(mark, style="green dim")
    if count < 6:
        return Text(mark, style="green")
    return Text(mark, style="bold bright_green")


@draw.register
def log(log: Log, out: Console) -> None:
    if log.chart is not None:
        calendar(log.chart, out)
        return
    catalog, page = log.catalog, log.page
    if not page.events:
        out.print(Text("No changes recorded" + (" match." if page.matching else " yet."), "dim"))
        return
    table = _table()
    table.add_column("When", no_wrap=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Change", no_wrap=True)
    # Ids are made from titles, so a title column would mostly repeat them.
    table.add_column("Id", ratio=1, overflow="fold")
    for event in page.events:
        node = catalog.nodes.get(catalog.former.get(event.id, event.id))
        arrow = "->" if out.options.ascii_only else "→"
        change = (
            safe(f"{status_word(event.old)} {arrow} {status_word(event.new)}")
            if event.old != event.new
            else Text("left as it is")
        )
        if event.imported:
            change.append(" (imported)", style="dim")
        elif event.undoes is not None:
            change.append(f" (undo #{event.undoes})", style="yellow")
        elif event.rev in page.undone_by:
            change.stylize("dim strike")
            change.append(f" (undone #{page.undone_by[event.rev]})", style="dim")
        item = safe(catalog.short_id(node), "cyan") if node else safe(event.id, "dim")
        if node is None:
            item.append(" (not in this course)", style="dim")
        table.add_row(
            Text(local_time(event.time), style="dim"), Text(str(event.rev), "dim"), change, item
        )
    out.print(table)
    if page.matching > len(page.events):
        out.print(
            Text(f"Showing {len(page.events)} of {page.matching}; --limit 0 shows all.", "dim")
        )


@draw.register
def doctor(checked: Checked, out: Console) -> None:
    report, fix = checked.report, checked.fixing
    for done_ in report.fixed:
        out.print(Text.assemble(("fixed: ", "green bold"), safe(done_)), soft_wrap=True)
    for finding in report.findings:
        line = Text(f"{finding.level}: ", style="red bold" if finding.level == "problem" else "")
        if finding.file is not None:
            where = str(finding.file) + (f":{finding.line}" if finding.line else "")
            line.append_text(safe(where, "cyan")).append(": ")
        line.append_text(safe(finding.message))
        out.print(line, soft_wrap=True)  # paths stay whole, to be copied
        if finding.hint:
            out.print(Text.assemble("  ", safe(finding.hint, "dim")), soft_wrap=True)
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
            ),
            soft_wrap=True,
        )


def _snippet(text: str, words: list[str], width: int = 90) -> str:
    """The part of a long text around its first match."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    folded = flat.casefold()  # positions are close enough here: this only picks a window
    first = min((i for i in (folded.find(word) for word in words) if i >= 0), default=0)
    start = max(0, min(first - width // 3, len(flat) - width))
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


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
    from llmcourse.search import fold

    catalog, query, hits = result.catalog, result.query, result.hits
    words = fold(query).split()
    if not hits:
        out.print(Text.assemble(("No match for ", "dim"), safe(query), ("", "dim")))
        return
    table = _table()
    table.add_column("Id", overflow="fold")
    table.add_column("Title / where", ratio=1)
    table.add_column("Found in", ratio=1)
    for hit in hits:
        node = hit.node
        where = safe(node.roadmap.title, "dim")
        if node.section is not None and node.kind != "section":
            where.append(" > ", style="dim").append_text(
                safe(f"{node.section.number}. {node.section.title}", "dim")
            )
        title = highlighted(node.title, words, "bold")
        if node.kind != "roadmap":
            title.append("\n").append_text(where)
        found = Text(f"{hit.field}: ", style="dim")
        if hit.field != "title":
            found.append_text(highlighted(_snippet(hit.text, words), words))
        else:
            found.append(node.kind, style="dim")
        table.add_row(safe(catalog.short_id(node), "cyan"), title, found)
    out.print(table)
    count = len(hits)
    out.print(Text(f"{count} match{'es' if count != 1 else ''}", style="dim"))


@draw.register
def next_up(step: NextStep, out: Console) -> None:
    catalog, up = step.catalog, step.up
    if up is None:
        out.print(Text("Nothing left: every topic is done or skipped. Well done!", "green"))
        return
    node = up.topic
    lead = "Carry on with" if up.reason == "in-progress" else "Next up:"
    out.print(Text.assemble((f"{lead} ", "bold"), _heading(node)))
    out.print(_where(node))
    assert isinstance(node.item, Topic)
    if node.item.summary:
        out.print(_summary(node.item.summary))
        out.print()
    if up.unread:
        table = _table("References not read yet")
        table.add_column("Reference / id")
        table.add_column("URL", overflow="fold")
        for ref in up.unread:
            title = safe(ref.title)
            title.append("\n").append_text(safe(catalog.short_id(ref), "dim"))
            assert isinstance(ref.item, Reference)
            table.add_row(title, link(ref.item.url, ref.item.url, "blue"))
        out.print(table)
    start = "" if up.reason == "in-progress" else f"llmcourse start {catalog.short_id(node)}, "
    out.print(
        Text.assemble(
            ("When you are ready: ", "dim"),
            safe(start),
            safe(f"llmcourse done {catalog.short_id(node)}"),
        )
    )
