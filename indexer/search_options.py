"""The search options, declared once. The `kith search` click options (kith/cli/search_cmd.py), the
fast path's option parser (kith/cli/entry.py), ``SearchRequest`` (indexer/search_service.py) and
``SearchFilters`` (indexer/search.py) are all derived from ``SEARCH_OPTIONS``.

Standard library only, and nothing heavy at import time (no dataclasses, typing or datetime: ~25 ms on this
machine): the fast path imports this module on every `kith search`.
"""
from __future__ import annotations

WHEN_HELP = "YYYY-MM-DD, ISO timestamp, or 7d/2w/3m"


class OptionSpec:
    """One search option: its flag (``--name``), help, default, and how it is checked and used."""

    __slots__ = ("name", "help", "default", "choices", "bounds", "filter", "when")

    def __init__(self, name: str, help: str | None = None, default: object = None, choices: tuple[str, ...] = (),
                 bounds: tuple[int, int] | None = None, filter: bool = True, when: bool = False) -> None:
        self.name = name
        self.help = help
        self.default = default
        self.choices = choices
        self.bounds = bounds        # an integer option's inclusive range
        self.filter = filter        # also a ``SearchFilters`` field
        self.when = when            # a date: text in the request, a datetime in the filters

    def __repr__(self) -> str:
        return f"OptionSpec({self.name!r})"

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def request_type(self) -> object:
        if self.bounds is not None:
            return int
        return str if self.default is not None else str | None

    @property
    def filter_type(self) -> object:
        from datetime import datetime

        return datetime | None if self.when else str | None


SEARCH_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("kind", help="mail, message, photo, contact, event or note"),
    OptionSpec("since", help=WHEN_HELP, when=True),
    OptionSpec("until", help=WHEN_HELP, when=True),
    OptionSpec("person", help='A name, address, phone, or a relation such as "my husband"'),
    OptionSpec("place", help="A place name (photo place or event location)"),
    OptionSpec("source", help="A source path or reader name"),
    OptionSpec("limit", default=10, bounds=(1, 1000), filter=False),
    OptionSpec("mode", default="hybrid", choices=("hybrid", "bm25", "dense"), filter=False),
    OptionSpec("order", default="relevance", choices=("relevance", "newest", "oldest"), filter=False),
)
FILTER_OPTIONS: tuple[OptionSpec, ...] = tuple(o for o in SEARCH_OPTIONS if o.filter)


def request_fields() -> list[tuple[str, object, object]]:
    """``SearchRequest``'s fields after ``query``, as ``dataclasses.make_dataclass`` takes them."""
    from dataclasses import field

    return [(o.name, o.request_type, field(default=o.default)) for o in SEARCH_OPTIONS]


def filter_fields() -> list[tuple[str, object, object]]:
    """``SearchFilters``' fields (before ``identity_keys``), as ``dataclasses.make_dataclass`` takes them."""
    from dataclasses import field

    return [(o.name, o.filter_type, field(default=None)) for o in FILTER_OPTIONS]


def value_flags() -> set[str]:
    """The flags taking a value that the fast path of `kith search` understands."""
    return {o.flag for o in SEARCH_OPTIONS}
