"""Commands about llmcourse itself: help. (`--version` is the group's own option; see `cli`.)"""

from typing import Annotated

import typer
from typer.core import TyperGroup

from llmcourse.results import HelpText

GUIDES = ("roadmaps",)  # topics of help that are not commands


def _complete_topic(ctx: typer.Context, incomplete: str) -> list[str]:
    app = ctx.find_root().command
    names = app.list_commands(ctx) if isinstance(app, TyperGroup) else []
    return [name for name in (*GUIDES, *names) if name.startswith(incomplete)]


def help_(
    ctx: typer.Context,
    topic: Annotated[
        str | None,
        typer.Argument(
            metavar="TOPIC",
            autocompletion=_complete_topic,
            help="A command, or 'roadmaps' for the format of a roadmap file; every command "
            "when left out.",
            show_default=False,
        ),
    ] = None,
) -> HelpText:
    """Show how to use llmcourse, one of its commands, or how to write a roadmap file.

    Example: llmcourse help roadmaps
    """
    from llmcourse import catalog
    from llmcourse.errors import BadValueError

    group = ctx.find_root()
    if topic is None:
        return HelpText(group.get_help())
    if topic == "roadmaps":
        return HelpText(catalog.format_guide(), markdown=True)
    app = group.command
    assert isinstance(app, TyperGroup)
    command = app.get_command(group, topic)
    if command is None:
        names = ", ".join([*GUIDES, *app.list_commands(group)])
        raise BadValueError(f"there is no help on '{topic}'", f"Try one of: {names}")
    with command.make_context(topic, [], parent=group, resilient_parsing=True) as shown:
        return HelpText(shown.get_help())
