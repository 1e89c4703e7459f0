"""What one `kith serve` process holds: the home's KithApp (behind one lock: the store and the
embedder are shared), the intent registry, the loaded generators, and the pending confirmations
the web UI and the API hand back instead of running a side effect."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.app import KithApp
from indexer.home import KithHome
from serve.generation import GenerationPool
from serve.security import Sessions


@dataclass
class Pending:
    """A side-effecting call that waits for the user: the ask that produced it and its confirmation."""

    request: dict[str, Any]
    confirmation: dict[str, Any]
    created: float = field(default_factory=time.time)


class ServeState:
    def __init__(self, home: KithHome, token: str, generation: GenerationPool | None = None,
                 app: KithApp | None = None) -> None:
        self.home = home
        self.token = token
        self.sessions = Sessions()
        self.lock = threading.RLock()  # one request at a time touches the store / embedder / agent
        self._app = app
        self._registry: Any = None
        self.generation = generation or GenerationPool(home)
        self.pending: dict[str, Pending] = {}
        self.started = time.time()

    @property
    def home_path(self) -> Path:
        return self.home.path

    @property
    def app(self) -> KithApp:
        if self._app is None:
            self._app = KithApp(self.home)
        return self._app

    @property
    def registry(self) -> Any:
        if self._registry is None:
            from agent.executor import load_registry_for

            self._registry = load_registry_for(self.app)
        return self._registry

    def remember_pending(self, request: dict[str, Any], answer: dict[str, Any]) -> list[dict[str, Any]]:
        """Keep the confirmations an answer waits for, so they can be approved or declined later."""
        from kith.cli.ask_flow import pending_confirmations

        waiting = pending_confirmations(answer)
        for confirmation in waiting:
            self.pending[confirmation["fingerprint"]] = Pending(dict(request), confirmation)
        return waiting

    @property
    def tool_relevance_floor(self) -> float | None:
        """[serve] tool_relevance_floor in kith.toml (default `runtime.tool_relevance.RELEVANCE_FLOOR`; -1 turns
        the floor off): tool_choice "auto" requests less related than this to every tool get no tool call."""
        from runtime.tool_relevance import RELEVANCE_FLOOR

        value = (self.home.config.get("serve") or {}).get("tool_relevance_floor", RELEVANCE_FLOOR)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1 <= value <= 1:
            from serve.errors import ApiError

            raise ApiError(500, f"kith.toml: [serve] tool_relevance_floor must be a number from -1 to 1, not {value!r}",
                           "bad_config")
        return None if value <= -1 else float(value)

    def tiers_configured(self) -> bool:
        """True when kith.toml names a private or external tier (otherwise every answer stays on device)."""
        tiers = (self.home.config.get("runtime") or {}).get("tiers") or {}
        return bool((tiers.get("private") or {}).get("base_url") or (tiers.get("external") or {}).get("enabled"))

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
