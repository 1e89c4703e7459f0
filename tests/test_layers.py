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

