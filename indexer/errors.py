"""Errors a user can cause. The CLI prints their message on one line and exits non-zero."""
from __future__ import annotations


class KithError(Exception):
    """Base class for every user-facing error (bad path, bad filter, corrupt database...)."""


class StoreError(KithError):
    """The database cannot be opened or is corrupt."""


class FilterError(KithError):
    """A search filter (date, kind, person) is not understood."""
