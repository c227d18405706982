"""Test-only loader: run llmcourse with a roadmap file other than the bundled one.

    python bench/_with_roadmaps.py ROADMAP_FILE [LLMCOURSE ARGUMENTS...]

The benchmark uses this only while llmcourse has no option of its own for a custom roadmap
file. It replaces `llmcourse.catalog.load_bundled` (which each command imports when it runs)
with a function that reads and parses ROADMAP_FILE the way `load_bundled` parses the bundled
course, then runs the `llmcourse` console script's entry point (`llmcourse.start:main`, which
also sets up the process the way the console script does; `llmcourse.cli:main` before it).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    # The console script turns the cyclic collector off before anything is imported; so does
    # this stand-in for it, or the comparison would be with a slower program.
    import gc

    gc.disable()
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = Path(sys.argv[1])

    from llmcourse import catalog

    if not hasattr(catalog, "load_bundled") or not hasattr(catalog, "parse"):
        sys.exit("bench: llmcourse.catalog has no load_bundled/parse to replace; update the loader")

    def load_given() -> catalog.Catalog:
        return catalog.parse(path.read_bytes(), str(path))

    catalog.load_bundled = load_given

    try:
        from llmcourse.start import main as llmcourse_main
    except ImportError:
        from llmcourse.cli import main as llmcourse_main

    sys.argv = ["llmcourse", *sys.argv[2:]]
    llmcourse_main()


if __name__ == "__main__":
    main()
