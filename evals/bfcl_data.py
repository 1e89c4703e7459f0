"""BFCL v4 (Berkeley Function Calling Leaderboard) data for `kith eval tools`: finding the data files,
loading items with their `possible_answer`, and turning BFCL's function docs into JSON Schema tools.

An item is one user turn (`question[0]`, with the system messages live items carry), its function
docs, and for the call categories the ground truth, ``[{function_name: {param: [allowed values]}}]``
where ``""`` among the values marks a parameter that may be left out.
BFCL's parameter types are Python's: ``dict`` becomes a JSON ``object``, ``float`` a ``number``,
``tuple`` an ``array`` and ``any`` a ``string`` (BFCL's own checker maps ``any`` to ``str``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import KithError

VERSION = "v4"
# category -> whether the correct answer is a call (checked against possible_answer) or no call at all
CATEGORIES: dict[str, bool] = {"simple_python": True, "irrelevance": False, "live_simple": True,
                               "live_irrelevance": False}
DATA_SUBDIRS = ("", "bfcl_eval/data", "berkeley-function-call-leaderboard/bfcl_eval/data")
# Grammar bounds, so that a small model caught in a repetition loop ("1000000...", "a_a_a_...") still
# closes its reply within the token budget. BFCL's ground truths fit (one 224-character URL excepted).
STRING_MAX = 160
ITEM_STRING_MAX = 100   # strings inside arrays
ARRAY_MAX = 12
NUMBER_MAX = 10**15
JSON_TYPES = {"string": "string", "integer": "integer", "float": "number", "number": "number",
              "boolean": "boolean", "array": "array", "tuple": "array", "dict": "object", "object": "object",
              "any": "string"}


@dataclass
class ToolItem:
    """One BFCL test item."""

    id: str
    category: str
    messages: list[dict[str, str]]
    functions: list[dict[str, Any]]
    answer: list[dict[str, Any]] | None = None

    @property
    def expects_call(self) -> bool:
        return CATEGORIES[self.category]

    def tools(self) -> list[dict[str, Any]]:
        """The function docs as tools whose parameters are JSON Schemas (for the prompt and the grammar)."""
        return [to_tool(f) for f in self.functions]


def data_dir(directory: str | Path) -> Path:
    """The folder holding ``BFCL_v4_*.json`` under ``directory`` (the corpus root, the leaderboard folder
    or the data folder itself)."""
    root = Path(directory)
    if not root.is_dir():
        raise KithError(f"no such directory: {directory}")
    for sub in DATA_SUBDIRS:
        folder = root / sub if sub else root
        if (folder / f"BFCL_{VERSION}_simple_python.json").is_file():
            return folder
    raise KithError(f"no BFCL {VERSION} data in {directory} (expected BFCL_{VERSION}_simple_python.json in it "
                    "or in bfcl_eval/data under it)")


def check_categories(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in CATEGORIES]
    if unknown:
        raise KithError(f"unknown category {unknown[0]!r} (known: {', '.join(CATEGORIES)})")
    if not names:
        raise KithError(f"no category given (known: {', '.join(CATEGORIES)})")
    return names


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise KithError(f"missing BFCL file {path}")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise KithError(f"{path}:{n}: not JSON ({exc})") from None
    return rows


def load_category(directory: str | Path, category: str, limit: int | None = None, skip: int = 0) -> list[ToolItem]:
    """Items ``skip+1`` to ``limit`` of ``category`` (held-out ranges: calibrate on the first items, test on the
    rest), with their possible answers when the category has them."""
    check_categories([category])
    folder = data_dir(directory)
    rows = _jsonl(folder / f"BFCL_{VERSION}_{category}.json")[skip:limit]
    answers: dict[str, Any] = {}
    if CATEGORIES[category]:
        answers = {a["id"]: a["ground_truth"] for a in
                   _jsonl(folder / "possible_answer" / f"BFCL_{VERSION}_{category}.json")}
    items = []
    for row in rows:
        turn = row["question"][0] if row.get("question") else []
        messages = [{"role": m["role"], "content": str(m.get("content") or "")} for m in turn]
        if CATEGORIES[category] and row["id"] not in answers:
            raise KithError(f"item {row['id']} has no possible_answer")
        items.append(ToolItem(row["id"], category, messages, list(row.get("function") or []), answers.get(row["id"])))
    return items


def json_schema(param: dict[str, Any]) -> dict[str, Any]:
    """A BFCL parameter as a bounded JSON Schema (descriptions left to the prompt)."""
    kind = JSON_TYPES.get(str(param.get("type", "string")), "string")
    if isinstance(param.get("enum"), list) and param["enum"]:
        return {"enum": list(param["enum"])}
    out: dict[str, Any] = {"type": kind}
    if kind == "string":
        out["maxLength"] = STRING_MAX
    elif kind in ("integer", "number"):
        out.update(minimum=-NUMBER_MAX, maximum=NUMBER_MAX)
    elif kind == "array":
        items = param.get("items")
        out["items"] = json_schema(items) if isinstance(items, dict) else {"type": "string"}
        if out["items"].get("type") == "string":
            out["items"]["maxLength"] = ITEM_STRING_MAX
        out["maxItems"] = ARRAY_MAX
    elif kind == "object":
        props = param.get("properties") or {}
        if props:
            out["properties"] = {k: json_schema(v) for k, v in props.items()}
            out["required"] = [r for r in param.get("required") or [] if r in props]
            out["additionalProperties"] = False
        else:  # a free dict: scalar values or lists of them
            scalar = [{"type": "string", "maxLength": STRING_MAX},
                      {"type": "number", "minimum": -NUMBER_MAX, "maximum": NUMBER_MAX}, {"type": "boolean"}]
            out["additionalProperties"] = {"anyOf": scalar + [{"type": "array", "items": {"anyOf": scalar},
                                                               "maxItems": ARRAY_MAX}]}
    return out


def to_tool(function: dict[str, Any]) -> dict[str, Any]:
    """A BFCL function doc as a tool (``runtime.tool_calls``): parameters become a closed JSON Schema object."""
    params = function.get("parameters") or {}
    props = params.get("properties") or {}
    schema = {"type": "object",
              "properties": {name: dict(json_schema(p), **_doc(p)) for name, p in props.items()},
              "required": [r for r in params.get("required") or [] if r in props],
              "additionalProperties": False}
    return {"name": function["name"], "description": function.get("description", ""), "parameters": schema}


def _doc(param: dict[str, Any]) -> dict[str, Any]:
    """The keys the compact prompt shows (``description``, ``default``); the grammar ignores them."""
    return {k: param[k] for k in ("description", "default") if k in param}
