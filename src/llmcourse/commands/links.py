"""Commands about the course's web addresses: check-links.

It imports its domain module (and, through it, httpx) when it runs: see `llmcourse.commands`.
"""

from pathlib import Path
from typing import Annotated

import typer

from llmcourse.commands.options import JsonOption, session
from llmcourse.results import LinksChecked


def check_links(
    ctx: typer.Context,
    roadmaps: Annotated[
        str | None,
        typer.Option(
            "--roadmaps",
            metavar="FILE",
            help="Check the links of this roadmap file instead of the course llmcourse works "
            "on (as 'llmcourse --roadmaps FILE check-links' does).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="S",
            min=0.1,
            max=600,
            help="Seconds to wait for each answer, from 0.1 to 600. An address is given up on "
            "after six times this (at least a minute), retries included.",
        ),
    ] = 10.0,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Ask every address afresh, and keep no answer for the next run.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> LinksChecked:
    """Check that every web address of the course still answers: topics' links, references
    and the course's own.

    Each gets one verdict: ok; redirected (with where it ends); broken (4xx or 5xx after
    retries, a redirect loop); unreachable (a timeout, a refused connection, no such host, a
    TLS failure); or blocked (403 or 429 from a site known to turn scripts away, which a person
    would likely see). Exits 1 when any is broken or unreachable; a blocked one does not
    count. Answers that were fine are kept in the cache folder for a day, then asked again
    with their ETag or date.
    Example: llmcourse check-links --roadmaps my-course.toml
    """
    from dataclasses import replace

    from llmcourse import linkcheck, render

    run = session(ctx)
    if roadmaps is not None:
        run.roadmaps = Path(roadmaps).expanduser()
    catalog = run.course()
    addresses = linkcheck.course_urls(catalog)
    with render.checking_bar(len(addresses), "Checking links") as advance:
        outcomes = linkcheck.check(
            [a.url for a in addresses],
            settings=replace(linkcheck.SETTINGS, timeout=timeout),
            cache=None if no_cache else linkcheck.cache_path(),
            clock=run.now,
            on_checked=advance,
        )
    return LinksChecked(catalog, addresses, outcomes)
