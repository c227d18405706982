"""Where the `llmcourse` command starts: settings for a short-lived process, then the CLI."""

import gc


def main() -> None:
    # A command lives for a fraction of a second and makes little cyclic garbage, while the
    # collector's passes over the many objects Typer and pydantic create as they are imported
    # cost about a tenth of start-up. The process ends long before garbage would matter.
    gc.disable()
    from llmcourse.cli import main as run

    run()
