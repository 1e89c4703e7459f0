"""The store owns its SQL: no product module outside indexer/store/ and indexer/migrations/ passes an
SQL statement to execute/executemany/executescript/query, or holds one in a string literal
(``sql = "SELECT ..."`` then ``db.execute(sql)``). Databases other than kith.db are allow-listed,
each with its reason; an allow-list entry that no longer holds SQL fails too, so the list stays true."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "intents", "kith", "indexer", "serve", "runtime", "training", "compress", "evals", "eval")
OWNERS = ("indexer/store/", "indexer/migrations/")  # where SQL against kith.db may live
CALLS = {"execute", "executemany", "executescript", "query"}

# Files that run SQL against a database that is not kith.db.
ALLOWED = {
    "indexer/sources/messages/imessage.py": "reads the macOS Messages chat.db (a source, opened read-only), not kith.db",
}

# An SQL statement: a verb at the start and the word that makes it a statement (not prose).
STATEMENT = re.compile(
    r"^\s*(SELECT\b[\s\S]*\bFROM\b|SELECT\s+\d|INSERT\s+(OR\s+\w+\s+)?INTO\b|REPLACE\s+INTO\b|UPDATE\s+\w+\s+SET\b"
    r"|DELETE\s+FROM\b|CREATE\s+(TEMP\s+|VIRTUAL\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b|DROP\s+(TABLE|INDEX)\b"
    r"|ALTER\s+TABLE\b|PRAGMA\s+\w+|WITH\s+\w+\s+AS\s*\()")


def literal_text(node: ast.AST) -> str | None:
    """The text of a string literal, f-string (its constant parts) or a concatenation of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal_text(node.left), literal_text(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def sql_in_source(source: str) -> list[tuple[int, str]]:
    """(line, statement start) for every SQL statement found in ``source``."""
    found: dict[int, str] = {}
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CALLS and node.args:
            text = literal_text(node.args[0])
        elif isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp)) and id(node) not in docstrings:
            text = literal_text(node)
        if text and STATEMENT.match(text):
            found.setdefault(node.lineno, " ".join(text.split())[:60])
    return sorted(found.items())


def product_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        if (ROOT / package).is_dir():
            files += sorted((ROOT / package).rglob("*.py"))
    return files


def test_no_sql_against_kith_db_outside_the_store() -> None:
    offenders = []
    for path in product_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(OWNERS) or rel in ALLOWED:
            continue
        for line, text in sql_in_source(path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}:{line}: {text}")
    assert not offenders, ("SQL outside indexer/store/ (add a named Store method in a store mixin instead, "
                           "or allow-list a database that is not kith.db):\n" + "\n".join(offenders))


def test_allow_list_entries_still_hold_sql_and_give_a_reason() -> None:
    for rel, reason in ALLOWED.items():
        assert len(reason) > 20, f"{rel}: say why it may hold SQL"
        assert sql_in_source((ROOT / rel).read_text(encoding="utf-8")), f"{rel} holds no SQL: drop it from ALLOWED"


def test_the_scan_finds_sql_in_every_form_it_is_written() -> None:
    source = '''
def f(store, ids, table):
    """SELECT words in a docstring are prose, not SQL."""
    store.db.execute("SELECT id FROM documents WHERE kind = ?", ["mail"])
    store.db.execute(f"DELETE FROM {table} WHERE path = ?", ["x"])
    store.db.conn.executemany("INSERT OR IGNORE INTO people (name) VALUES (?)", [])
    rows = store.db.query("SELECT * FROM " + table)
    sql = ("UPDATE sources SET last_scanned = ? "
           "WHERE path = ?")
    store.db.execute(sql, [1, 2])
    store.db.execute("PRAGMA journal_mode=WAL")
    message = "select the people you mean"
    return cls.query(text, context)
'''
    lines = [line for line, _ in sql_in_source(source)]
    assert lines == [4, 5, 6, 7, 8, 11], sql_in_source(source)
    assert sql_in_source('x = "Please select one FROM the list"\n') == []
    assert sql_in_source('"""SELECT id FROM documents."""\n') == []


CRASH_TEXT = re.compile(r"LIKE\s+'(reader crashed|ReaderCrashed)|startswith\((CRASH_PREFIX|[\"']reader crashed)", re.I)


def test_failure_kinds_are_a_column_not_message_text(tmp_path: Path) -> None:
    """Failures are told apart by ``failures.kind``; only migration m006 reads message text, once,
    to fill the column for rows written before it existed."""
    matches = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in product_files()
               if not p.relative_to(ROOT).as_posix().startswith("indexer/migrations/")
               for m in CRASH_TEXT.finditer(p.read_text(encoding="utf-8"))]
    assert not matches, matches
    from indexer.store import Store

    store = Store.open(tmp_path / "home")
    try:
        store.record_failure("/a", "reader crashed or hung: died", kind="crash")
        store.record_failure("/b", "reader crashed or hung: no", kind="read")
        assert {f["path"]: f["kind"] for f in store.failures()} == {"/a": "crash", "/b": "read"}
    finally:
        store.close()
