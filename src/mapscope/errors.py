"""Errors a user can cause. The CLI prints them as one line and exits with status 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: a malformed file, an impossible mapping, a nonsensical size.

    `where` names the place (``file.m:12``, ``layer CONV1``, ``directive SpatialMap(1,1) K``) and the
    message says what is wrong there, so that ``str(error)`` is a complete one-line diagnosis.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
