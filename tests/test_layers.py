"""Who may import whom (docs/ARCHITECTURE.md): checked on the source with ast, so a lazy import
inside a function counts too."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imports_of(package: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): imported_modules(p) for p in sorted((ROOT / package).rglob("*.py"))}


def test_composer_and_summarize_do_not_import_each_other():
    composer = imported_modules(ROOT / "agent" / "composer.py")
    summarize = imported_modules(ROOT / "agent" / "summarize.py")
    assert "agent.summarize" not in composer
    assert "agent.composer" not in summarize


def test_indexer_never_imports_agent():
    """The daemon serves methods the agent registers (register_daemon_methods); the index layer
    itself never reaches up into the agent."""
    offending = {path: sorted(m for m in modules if m == "agent" or m.startswith("agent."))
                 for path, modules in imports_of("indexer").items()}
    assert {path: mods for path, mods in offending.items() if mods} == {}


def test_ask_reaches_the_daemon_through_the_hook():
    from kith import plugins

    plugins.load_plugins()
    methods = plugins.factories("register_daemon_methods")
    assert methods["ask"].__module__ == "agent.daemon_methods"


def test_product_packages_do_not_depend_on_evals_or_bench():
    """Evaluation code lives in evals/, the daemon test harness in bench/daemon_harness.py; only front
    ends (kith.cli) may run them."""
    found = {}
    for package in ("indexer", "intents", "agent", "runtime", "compress", "serve"):
        for path, modules in imports_of(package).items():
            bad = sorted(m for m in modules if m.split(".")[0] in ("evals", "bench", "tests"))
            if bad:
                found[path] = bad
    assert found == {}
    assert not (ROOT / "indexer" / "daemon" / "harness.py").exists()
