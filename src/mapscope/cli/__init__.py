"""The `mapscope` command line: one module per command, MAESTRO's flag spellings, and the process
behaviour every command shares (exit statuses, signals, closed pipes)."""

from mapscope.cli.root import app, main

__all__ = ["app", "main"]
