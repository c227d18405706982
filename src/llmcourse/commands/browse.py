"""Commands that show the course: list, show, notebooks, next, search, open.

Each parses its arguments, asks the domain, and returns a result for the group to show; `--json`
is read by the group (see `options.JsonOption`). Each imports its domain modules when it runs:
see `llmcourse.commands`.
"""

from typing import Annotated

import typer

from llmcourse.commands.options import (
    JsonOption,
    RoadmapArgument,
    StatusChoice,
    complete_id,
    complete_roadmap,
    session,
)
from llmcourse.results import Found, Listing, NextStep, NotebookList, Opened, Shown


def list_(
    ctx: typer.Context,
    roadmap: RoadmapArgument = None,
    topics: Annotated[
        bool, typer.Option("--topics", "-t", help="Add every topic with its status.")
    ] = False,
    status: Annotated[
        StatusChoice | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help="Add only the topics with this status: not-started, in-progress, done or skipped.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> Listing:
    """List the roadmaps and their sections, with how much of each is done.

    Example: llmcourse list scientist --topics
    """
    from llmcourse import tracker

    run = session(ctx)
    catalog = run.course()
    only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
    progress = run.progress().data
    summary = tracker.summarize(catalog, progress, only)
    return Listing(catalog, progress, summary, status.value if status is not None else topics)


def show(
    ctx: typer.Context,
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=complete_id,
            help="A roadmap, section, topic, reference or notebook: a full id "
            "(scientist/architecture, notebooks/autoquant), its tail (architecture) or its "
            "number (scientist/1, scientist/1/2).",
        ),
    ],
    as_json: JsonOption = False,
) -> Shown:
    """Show a roadmap, a section (summary, topics, references, notebooks), a topic, a
    reference or a notebook (its Colab and article links, and the topics it teaches).

    Example: llmcourse show scientist/1
    """
    run = session(ctx)
    catalog = run.course()
    node = catalog.resolve(id_)
    return Shown(catalog, run.progress().data, node)


def notebooks(ctx: typer.Context, as_json: JsonOption = False) -> NotebookList:
    """List the course's notebooks to run in Colab, by group, with their status.

    Mark one run with 'llmcourse done ID', open it with 'llmcourse open ID'; 'llmcourse show
    ID' gives its article and the topics it teaches.
    Example: llmcourse notebooks
    """
    run = session(ctx)
    return NotebookList(run.course(), run.progress().data)


def next_(
    ctx: typer.Context,
    roadmap: Annotated[
        str | None,
        typer.Option(
            "--roadmap",
            "-r",
            metavar="ROADMAP",
            autocompletion=complete_roadmap,
            help="Only this roadmap (fundamentals, scientist, engineer).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> NextStep:
    """What to study now: the topic in progress, else the first not started, in course order.

    Shows its summary and its section's references you have not read yet. LLM Fundamentals is
    suggested once you have started it (llmcourse start fundamentals).
    Example: llmcourse next --roadmap engineer
    """
    from llmcourse import review, tracker

    run = session(ctx)
    catalog = run.course()
    only = catalog.resolve_roadmap(roadmap) if roadmap is not None else None
    progress = run.progress().data
    up = tracker.next_topic(catalog, progress, only)
    left_out = tracker.not_counted(catalog, progress) if only is None else []
    reviews = review.outlook(catalog, progress, run.now())
    return NextStep(catalog, progress, up, left_out, run.program, reviews)


def search(
    ctx: typer.Context,
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="WORDS",
            help="What to look for; every word must be found (in any case).",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> Found:
    """Find where the course covers something: titles, acronyms, summaries, authors and links.

    Words match in any form (tokenizer finds Tokenization); an exact title comes first, then
    topics, then references. Example: llmcourse search flash attention
    """
    from llmcourse import search as searching

    catalog = session(ctx).course()
    text = " ".join(query)
    return Found(catalog, text, searching.search(catalog, text))


def open_(
    ctx: typer.Context,
    id_: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            autocompletion=complete_id,
            help="A reference; a notebook (its Colab link: 'show' gives its article); or a "
            "topic (its first own link, else its section's first reference not read) or a "
            "section (its first reference not read).",
            show_default=False,
        ),
    ],
    ref: Annotated[
        int | None,
        typer.Option(
            "--ref",
            "-r",
            metavar="N",
            min=1,
            help="For a topic or section: open the Nth link, reference or notebook that 'show' "
            "lists.",
        ),
    ] = None,
    print_only: Annotated[
        bool, typer.Option("--print", "-p", help="Print the URL instead of opening it.")
    ] = False,
) -> Opened:
    """Open a reference or a notebook in your browser (only http and https addresses are
    ever opened).

    Example: llmcourse open scientist/1 --ref 3
    """
    from llmcourse import desktop, tracker

    run = session(ctx)
    catalog = run.course()
    node = catalog.resolve(id_)
    opens_itself = node.kind in ("reference", "notebook")
    unread_from = run.progress().data if not opens_itself and ref is None else None
    target = tracker.resource_to_open(catalog, node, unread_from, ref)
    if print_only:
        return Opened(target.url, target.title, None)
    return Opened(target.url, target.title, desktop.open_in_browser(target.url))
