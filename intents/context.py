"""What an intent sees when it runs: the app (index + home), an injectable clock, the owner, and optional
capabilities its caller provides (a summary writer)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.app import KithApp


@dataclass
class IntentContext:
    app: "KithApp"
    now: datetime | None = None
    owner: str | None = None
    written: list[Path] = field(default_factory=list)  # files this call wrote (indexed after it succeeds)
    # a writer of verified summaries that the caller may provide (the agent does, with the on-device model, when
    # kith.toml says [agent] summarizer = "generative"): documents -> summary text, or None to keep the extractive one
    summarize: Callable[[list[dict[str, Any]]], str | None] | None = None

    def wrote(self, path: Path | str) -> Path:
        """Record a file the intent wrote as the user's own data: the registry indexes it after the call."""
        path = Path(path)
        if path not in self.written:
            self.written.append(path)
        return path

    def __post_init__(self) -> None:
        if self.now is None:
            self.now = datetime.now(timezone.utc)
        elif self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=timezone.utc)
        if self.owner is None:
            owner = (self.app.home.config.get("owner") or {}) if self.app is not None else {}
            self.owner = owner.get("name") if isinstance(owner, dict) else None

    @property
    def home(self) -> Path:
        """The kith home directory: where the outbox and .ics files of local effects live."""
        return self.app.home.path

    @property
    def store(self):
        return self.app.store
