"""The error every reader raises for a file it cannot read, in a module of its own so that the commands
can catch it without importing the readers (and pandas)."""

from __future__ import annotations


class SourceFileError(ValueError):
    """A file cannot be read as its format; the message names file, line and column and what to do."""
