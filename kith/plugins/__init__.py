"""kith's plugin system (pluggy): hook specs, ``hookimpl`` for plugin authors, and ``load_plugins``.

Plugins come from three places, all loaded by ``load_plugins`` (called by the CLI, the daemon, the
isolated reader child and ``KithApp``):

- ``DEFAULT_PLUGINS``: kith's own built-ins, registered through the very same hooks;
- installed packages with an entry point in the group ``kith`` (``[project.entry-points.kith]``);
- modules named in kith.toml ``[plugins] modules = [...]`` (local plugins, test harnesses).

``collect(hook)`` calls each plugin's implementation separately, so a plugin that fails to import or
raises while registering is recorded in ``failures()`` (shown by ``kith plugins`` and ``kith status``)
and every other plugin keeps working. This module imports nothing of kith's own layers, so every
layer may import it.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from kith.plugins import hookspecs

hookimpl = pluggy.HookimplMarker("kith")
ENTRY_POINT_GROUP = "kith"
PROJECT = "kith"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "indexer.sources.catalog",      # readers and document kinds
    "indexer.embedder_registry",    # the bundled sentence embedder
    "intents.builtin",              # built-in intents
    "agent.plugins",                # deterministic planner, extractive answerer
    "agent.daemon_methods",         # the daemon's `ask` method
    "runtime.plugin",               # the onnxruntime-genai text generator
    "kith.cli.commands",            # the built-in CLI commands
)

__all__ = ["hookimpl", "load_plugins", "collect", "plugins", "failures", "PluginInfo", "PluginFailure",
           "DEFAULT_PLUGINS", "ENTRY_POINT_GROUP"]


@dataclass
class PluginInfo:
    name: str
    origin: str                 # builtin | entrypoint:<distribution> | module
    version: str
    module: str
    hooks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "origin": self.origin, "version": self.version, "module": self.module,
                "hooks": self.hooks}


@dataclass
class PluginFailure:
    plugin: str
    stage: str                  # "import" or the hook that raised
    error: str

    def to_json(self) -> dict[str, str]:
        return {"plugin": self.plugin, "stage": self.stage, "error": self.error}

    def __str__(self) -> str:
        return f"plugin {self.plugin}: {self.stage}: {self.error}"


class _State:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.lock = threading.RLock()
        self.info: dict[str, PluginInfo] = {}
        self.import_failures: list[PluginFailure] = []
        self.hook_failures: dict[tuple[str, str], PluginFailure] = {}
        self.defaults_loaded = False
        self.entry_points_loaded = False
        self.generation = 0
        self.cache: dict[str, tuple[int, list[tuple[str, tuple[Any, ...], dict[str, Any]]]]] = {}


_state = _State()


def plugin_manager() -> pluggy.PluginManager:
    return _state.pm


def _version() -> str:
    try:
        from importlib.metadata import version

        return version(PROJECT)
    except Exception:
        return "0+unknown"


def _register(module: Any, name: str, origin: str, version: str) -> None:
    if _state.pm.is_registered(module) or name in _state.info:
        return
    _state.pm.register(module, name=name)
    hooks = sorted(h.name for h in (_state.pm.get_hookcallers(module) or []))
    _state.info[name] = PluginInfo(name, origin, version, getattr(module, "__name__", str(module)), hooks)
    _state.generation += 1


def _fail(plugin: str, stage: str, exc: BaseException) -> None:
    failure = PluginFailure(plugin, stage, f"{type(exc).__name__}: {exc}")
    if stage == "import":
        if not any(f.plugin == plugin and f.stage == "import" for f in _state.import_failures):
            _state.import_failures.append(failure)
    else:
        _state.hook_failures[(plugin, stage)] = failure


def load_plugins(modules: Iterable[str] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    """Register the built-ins (always), installed ``kith`` entry points (unless ``entry_points`` is
    False) and the given plugin modules. Idempotent and cheap after the first call."""
    with _state.lock:
        if not _state.defaults_loaded:
            _state.defaults_loaded = True
            version = _version()
            for name in DEFAULT_PLUGINS:
                # A built-in that fails to import is a bug in kith, not a plugin problem: raise.
                _register(importlib.import_module(name), name, "builtin", version)
        if entry_points and not _state.entry_points_loaded:
            _state.entry_points_loaded = True
            _load_entry_points()
        for name in modules:
            if name in _state.info:
                continue
            try:
                _register(importlib.import_module(name), name, "module", "local")
            except Exception as exc:
                _fail(name, "import", exc)
        return _state.pm


def _load_entry_points() -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else ep.name
        version = ep.dist.version if ep.dist is not None else "?"
        try:
            module = ep.load()
        except Exception as exc:
            _fail(ep.name, "import", exc)
            continue
        try:
            _register(module, ep.name, f"entrypoint:{dist}", version)
        except Exception as exc:  # e.g. a hookimpl with a wrong signature
            _fail(ep.name, "import", exc)


def origin_of(plugin: str) -> str:
    info = _state.info.get(plugin)
    return info.origin if info else "module"


def collect(hook: str, **kwargs: Any) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """Call every plugin's ``hook`` with a ``register`` callable and return what each registered, as
    ``(plugin name, args, kwargs)`` in load order (built-ins first). A plugin that raises is recorded
    in ``failures()``; what it registered before raising is dropped. Cached until plugins change."""
    load_plugins()
    with _state.lock:
        cached = _state.cache.get(hook)
        if cached is not None and cached[0] == _state.generation and not kwargs:
            return list(cached[1])
        found: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        caller = getattr(_state.pm.hook, hook)
        for impl in caller.get_hookimpls():
            mine: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

            def register(*args: Any, _plugin: str = impl.plugin_name, _into: list = mine, **kw: Any) -> Any:
                _into.append((_plugin, args, kw))
                return args[0] if args else None

            try:
                impl.function(**{"register": register, **kwargs} if "register" in impl.argnames else kwargs)
            except Exception as exc:
                if origin_of(impl.plugin_name) == "builtin":
                    raise  # a broken built-in is a bug in kith, not a plugin problem
                _fail(impl.plugin_name, hook, exc)
                continue
            _state.hook_failures.pop((impl.plugin_name, hook), None)
            found += mine
        if not kwargs:
            _state.cache[hook] = (_state.generation, found)
        return list(found)


def call_hook(hook: str, **kwargs: Any) -> None:
    """Call a hook that takes no ``register`` (``register_commands(cli)``), one plugin at a time."""
    collect(hook, **kwargs)


def factories(hook: str) -> dict[str, Callable[..., Any]]:
    """``name -> factory`` for the ``register(name, factory)`` hooks (planners, answerers, ...).
    A later plugin may replace a built-in of the same name."""
    return {args[0]: args[1] for _, args, _ in collect(hook) if len(args) >= 2}


REGISTER_HOOKS = ("register_readers", "register_kinds", "register_intents", "register_planners",
                  "register_answerers", "register_embedders", "register_generators", "register_daemon_methods")


def report(modules: Iterable[str] = ()) -> dict[str, Any]:
    """Every plugin with its hooks, version and what it registered, and every failure: what
    `kith plugins` and `kith status` show. Calls every registration hook once."""
    load_plugins(modules)
    registered: dict[str, dict[str, list[str]]] = {}
    for hook in REGISTER_HOOKS:
        for plugin, args, _ in collect(hook):
            registered.setdefault(plugin, {}).setdefault(hook.removeprefix("register_"), []).append(_label(args))
    return {"plugins": [info.to_json() | {"registered": registered.get(info.name, {})} for info in plugins()],
            "failures": [failure.to_json() for failure in failures()]}


def _label(args: tuple[Any, ...]) -> str:
    first = args[0] if args else "?"
    for attribute in ("name", "__name__"):
        value = getattr(first, attribute, None)
        if isinstance(value, str):
            return value
    return str(first)


def plugins() -> list[PluginInfo]:
    load_plugins()
    return list(_state.info.values())


def failures() -> list[PluginFailure]:
    return list(_state.import_failures) + list(_state.hook_failures.values())
