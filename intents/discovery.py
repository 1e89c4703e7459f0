"""Where intents come from: the ``register_intents`` plugin hook (kith's built-ins and any plugin,
see kith.plugins), the ``kith.intents`` entry-point group (third-party packages, via
importlib.metadata) and a local folder of modules configured in kith.toml::

    [intents]
    folder = "~/kith-intents"      # every *.py in it is imported and scanned for @intent functions
    disabled = ["send_message"]    # optional: switch intents off

A third-party source that fails to import or register is recorded in ``Registry.errors`` (naming
the file and the intent) instead of breaking kith; a broken built-in raises.
"""
from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from intents.errors import RegistrationError
from intents.registry import Registry

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "kith.intents"


def load_registry(home: Any = None, *, entry_points_enabled: bool = True, folder: str | Path | None = None) -> Registry:
    """A registry with the built-ins, installed entry points and the configured local folder."""
    from indexer.home import KithHome

    home = home if isinstance(home, KithHome) or home is None else KithHome.resolve(home)
    if home is None:
        home = KithHome.resolve(None)
    config = home.config.get("intents", {}) if isinstance(home.config.get("intents"), dict) else {}
    registry = Registry(home=home, disabled=set(config.get("disabled") or []))
    load_plugin_intents(registry, third_party=entry_points_enabled, modules=home.plugin_modules)
    if entry_points_enabled:
        load_entry_points(registry)
    folder = folder or config.get("folder")
    if folder:
        path = Path(str(folder)).expanduser()
        if not path.is_absolute():
            path = home.path / path
        load_folder(registry, path)
    return registry


def load_builtins(registry: Registry) -> None:
    load_plugin_intents(registry, third_party=False)


def load_plugin_intents(registry: Registry, third_party: bool = True, modules: list[str] | tuple[str, ...] = ()) -> None:
    """Intents registered through the ``register_intents`` hook: the built-ins always, other
    plugins' when ``third_party``. A built-in that fails raises; a plugin's error is recorded."""
    from kith.plugins import collect, failures, load_plugins, origin_of

    load_plugins(modules, entry_points=third_party)
    for plugin, args, _ in collect("register_intents"):
        origin = origin_of(plugin)
        if origin != "builtin":
            if not third_party:
                continue
            origin = origin if origin.startswith("entrypoint:") else f"plugin:{plugin}"
        if origin == "builtin":
            _register_target(registry, args[0], origin)
            continue
        try:
            _register_target(registry, args[0], origin)
        except RegistrationError as exc:
            registry.errors.append(f"{origin}: {exc}")
        except Exception as exc:
            registry.errors.append(f"{origin}: cannot register intents: {type(exc).__name__}: {exc}")
    if third_party:
        registry.errors += [str(f) for f in failures() if f.stage == "register_intents"]


def load_entry_points(registry: Registry, group: str = ENTRY_POINT_GROUP) -> None:
    for ep in entry_points(group=group):
        dist = ep.dist.name if ep.dist is not None else ep.name
        origin = f"entrypoint:{dist}"
        try:
            target = ep.load()
            _register_target(registry, target, origin)
        except RegistrationError as exc:
            registry.errors.append(f"{origin}: {exc}")
        except Exception as exc:
            registry.errors.append(f"{origin}: cannot load entry point {ep.value!r}: {type(exc).__name__}: {exc}")


def load_folder(registry: Registry, folder: Path) -> None:
    if not folder.is_dir():
        registry.errors.append(f"folder:{folder}: the [intents] folder configured in kith.toml does not exist")
        return
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith(("_", ".")):
            continue
        origin = f"folder:{path}"
        try:
            module = _import_file(path)
            registry.add_module(module, origin)
        except RegistrationError as exc:
            registry.errors.append(str(exc) if str(path) in str(exc) else f"{path}: {exc}")
        except Exception as exc:
            registry.errors.append(f"{path}: cannot import: {type(exc).__name__}: {exc}")


def _import_file(path: Path) -> ModuleType:
    name = f"kith_local_intents.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RegistrationError(f"{path}: not an importable Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _register_target(registry: Registry, target: Any, origin: str) -> None:
    """An entry point may name a module, one @intent function, a list of them, or a function returning one."""
    if inspect.ismodule(target):
        if not registry.add_module(target, origin):
            raise RegistrationError(f"{getattr(target, '__file__', target)}: module defines no @intent functions")
        return
    if hasattr(target, "__kith_intent__"):
        registry.add(target, origin)
        return
    if isinstance(target, (list, tuple)):
        for item in target:
            registry.add(item, origin)
        return
    if callable(target):
        _register_target(registry, list(target()), origin)
        return
    raise RegistrationError(f"{target!r}: an entry point must name a module, an @intent function or a list")
