"""The `llmcourse` commands, one module per kind; `cli` registers them on the app.

Typer builds every command to find the one asked for, so these modules are loaded by every run,
a Tab completion and `--version` included. They import at the top only what every run has
already loaded (Typer, the shared options, the result types); each command imports the domain
modules it works with when it runs, so that no run pays for what it does not use. Measured in
instructions, that keeps completing an id at the cost it had before these modules were split.
"""
