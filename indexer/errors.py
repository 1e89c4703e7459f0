"""Errors a user can cause. The CLI prints their message on one line and exits non-zero.

Each class has a stable ``code`` (shown in ``--json`` error output and passed over the daemon socket).
"""
from __future__ import annotations


class KithError(Exception):
    """Base class for every user-facing error (bad path, bad filter, corrupt database...)."""

    code = "error"


class StoreError(KithError):
    """The database cannot be opened or is corrupt."""

    code = "store"


class FilterError(KithError):
    """A search filter (date, kind, person) is not understood."""

    code = "filter"


class EmptyRangeError(FilterError):
    """A date range whose start is after its end: nothing can match."""

    code = "empty_range"
