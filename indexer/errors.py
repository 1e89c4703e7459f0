"""Errors a user can cause. The CLI prints their message on one line and exits non-zero.

Every user-facing error is a ``KithError`` subclass with a stable ``code`` (a short snake_case
string that scripts, the daemon's socket protocol and clients match on instead of message text).
Codes are shown in ``--json`` error output and passed over the daemon socket. Standard library
only: the daemon client on the `kith search` hot path imports this.
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


class ConfigError(KithError):
    """kith.toml names something that does not exist (a planner, an embedder...)."""

    code = "config"


class EmbeddingError(KithError):
    """The embedding model cannot be found or loaded."""

    code = "embedding"


class EmbedderMismatch(EmbeddingError):
    """The index was embedded with another model than the one configured now."""

    code = "embedder_mismatch"


class ReembedError(KithError):
    """`kith reembed` cannot run (a daemon is running, unknown model...)."""

    code = "reembed"


def error_code(exc: BaseException) -> str:
    """The stable code of a user-facing error (``internal`` for anything else)."""
    return getattr(exc, "code", None) or ("error" if isinstance(exc, KithError) else "internal")


# name -> class, for rebuilding a KithError from its code (the daemon client)
def error_class(code: str) -> type[KithError]:
    found: dict[str, type[KithError]] = {}
    pending: list[type[KithError]] = [KithError]
    while pending:
        cls = pending.pop()
        if isinstance(cls.__dict__.get("code"), str):
            found.setdefault(cls.code, cls)
        pending += cls.__subclasses__()
    return found.get(code, KithError)
