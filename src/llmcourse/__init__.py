"""A command-line learning tracker for The LLM Course."""

__version__ = "0.1.0"
