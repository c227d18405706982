"""Commands that show the course: list, show, next, search, open."""

import sys
from typing import Annotated

import typer

from llmcourse.commands.common import (
    JsonOption,
    RoadmapArgument,
    StatusChoice,
    _complete_id,
    _complete_roadmap,
    _course,
    _note,
    _progress,
    _summarized,
    handled,
)
from llmcourse.text import escape_controls


def list_(
    roadmap: RoadmapArgument = None,
    topics: Annotated[
        bool, typer.Option("--topics", "-t", help="Add every topic with its status.")
    ] = False,
    status: Annotated[
        StatusChoice | None,
        typer.Option(
            "--status", "-s", help="Add only the topics with this status.", show_default=False
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the roadmaps and their sections, with how much of each is done.

    Example: llmcourse list scientist --topics
    """
    with handled(as_json):
        catalog, progress, summary = _summarized(roadmap)
        topics_shown: bool | str = status.value if status is not None else topics
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.listing(catalog, progress.data, summary, topics_shown))
            return
        from llmcourse import render

        render.listing(render.console(), catalog, progress.data, summary, topics_shown)


def show(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="A roadmap, section, topic or reference: a full id (scientist/architecture), "
            "its tail (architecture) or its number (scientist/1, scientist/1/2).",
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a roadmap, a section (summary, topics, references), a topic or a reference.

    Example: llmcourse show scientist/1
    """

    with handled(as_json):
        catalog = _course()
        node = catalog.resolve(id_)
        progress = _progress(catalog)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.show(catalog, progress.data, node))
            return
        from llmcourse import render

        render.show(render.console(), catalog, progress.data, node)


def next_(
    roadmap: Annotated[
        str | None,
        typer.Option(
            "--roadmap",
            "-r",
            autocompletion=_complete_roadmap,
            help="Only this roadmap (fundamentals, scientist, engineer).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What to study now: the topic in progress, else the first not started, in course order.

    Shows its summary and its section's references you have not read yet. LLM Fundamentals is
    suggested only once you have started it. Example: llmcourse next --roadmap engineer
    """
    from llmcourse import tracker

    with handled(as_json):
        catalog = _course()
        only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
        progress = _progress(catalog)
        up = tracker.next_topic(catalog, progress.data, only)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.next_up(catalog, progress.data, up))
            return
        from llmcourse import render

        render.next_up(render.console(), catalog, progress.data, up)


def search(
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="WORDS",
            help="What to look for; every word must be found (in any case).",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Find where the course covers something: titles, summaries, authors and links.

    Title matches come first. Example: llmcourse search flash attention
    """
    from llmcourse import tracker

    with handled(as_json):
        catalog = _course()
        text = " ".join(query)
        hits = tracker.search(catalog, text)
        if as_json:
            from llmcourse import jsonout

            jsonout.emit(jsonout.search(text, hits))
            return
        from llmcourse import render

        render.search(render.console(), catalog, text, hits)


def open_(
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=_complete_id,
            help="A reference; or a topic or section, for its section's first unread reference.",
            show_default=False,
        ),
    ],
    ref: Annotated[
        int | None,
        typer.Option(
            "--ref",
            "-r",
            min=1,
            help="For a topic or section: open its section's Nth reference instead.",
        ),
    ] = None,
    print_only: Annotated[
        bool, typer.Option("--print", "-p", help="Print the URL instead of opening it.")
    ] = False,
) -> None:
    """Open a reference in your browser (only http and https addresses are ever opened).

    Example: llmcourse open scientist/1 --ref 3
    """
    from llmcourse import tracker

    with handled(False):
        catalog = _course()
        node = catalog.resolve(id_)
        progress = _progress(catalog) if node.kind != "reference" and ref is None else None
        target = tracker.reference_to_open(catalog, node, progress.data if progress else None, ref)
        assert target.item is not None
        url = getattr(target.item, "url", "")
        if print_only:
            sys.stdout.write(f"{escape_controls(url)}\n")
            return
        _open_in_browser(url, target.title)


def _open_in_browser(url: str, title: str) -> None:
    import webbrowser
    from urllib.parse import urlsplit

    from llmcourse.errors import RoadmapFileError

    if urlsplit(url).scheme not in ("http", "https"):  # checked when loaded; checked again
        raise RoadmapFileError(f"'{url}' is not an http or https address; it was not opened")
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if opened:
        sys.stderr.write(f"opened {escape_controls(title)}: {escape_controls(url)}\n")
    else:
        _note("no browser could be started here; the address is on standard output")
        sys.stdout.write(f"{escape_controls(url)}\n")
