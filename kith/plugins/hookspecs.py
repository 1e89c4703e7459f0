"""The hook specifications: every extension point of kith, each taking a ``register`` callable.

Plugins implement them with ``@hookimpl`` (``from kith.plugins import hookimpl``). Built-ins use the
very same hooks (see ``kith.plugins.DEFAULT_PLUGINS``), so a third-party reader or planner is a peer
of the built-in ones. What ``register`` accepts is part of the plugin API (docs/PLUGINS.md).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("kith")


@hookspec
def register_readers(register: Callable[[Any], Any]) -> None:
    """``register(reader)``: an object with ``name``, ``kind``, ``sniff(path, head) -> float`` and
    ``read(path) -> Iterator[Document | ReadFailure]`` (``indexer.document``)."""


@hookspec
def register_kinds(register: Callable[..., Any]) -> None:
    """``register(name, words=(...), description="")``: a document kind and the words a question
    uses for it ("mail", "emails", ...)."""


@hookspec
def register_intents(register: Callable[[Any], Any]) -> None:
    """``register(target)``: a module, an ``@intent`` function or a list of them."""


@hookspec
def register_planners(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    """``register(name, factory)``; ``factory(embedder)`` returns an ``agent.protocols.Planner``."""


@hookspec
def register_answerers(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    """``register(name, factory)``; ``factory(embedder)`` returns an ``agent.protocols.Answerer``."""


@hookspec
def register_embedders(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    """``register(name, factory)``; ``factory()`` returns an ``indexer.protocols.Embedder``."""


@hookspec
def register_generators(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    """``register(name, factory)``; ``factory(home, model=None, **options)`` returns a
    ``runtime.generator.TextGenerator`` (a language-model backend)."""


@hookspec
def register_daemon_methods(register: Callable[[str, Callable[..., Any]], Any]) -> None:
    """``register(method, factory)``: a socket method of the daemon. ``factory(home)`` (or
    ``factory(home, daemon)`` when it has a ``daemon`` parameter: ``daemon.shared_app()`` is a KithApp
    sharing the daemon's warm model and FAISS index) runs once when the daemon starts and returns
    ``handler(params)``; the handler returns a JSON-serialisable answer or an
    ``indexer.daemon.server.Streaming``. A ``warm()`` attribute on the handler is called in the
    background once the daemon serves, a ``close()`` attribute at shutdown. The agent's ``ask`` is
    registered this way (agent/daemon_methods.py). Built-in methods (search, embed, ...) cannot be replaced."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add click commands or groups to the ``kith`` command: ``cli.add_command(...)``."""
