"""The `llmcourse` commands, one module per kind; `cli` holds the app they register with."""
