"""Type hints → JSON Schema 2020-12: the input schema of an intent's parameters and its output schema.

Supported: str, int, float, bool, date, datetime, Enum, Literal, Optional/unions, list/tuple/set,
dict[str, T], pydantic models and Entity types. ``Param[T, "description"]`` attaches a description.
Anything else raises ``UnsupportedType`` (turned into a registration error naming the intent).
"""
from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from intents.errors import UnsupportedType

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS: dict[type, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
}


@dataclass(frozen=True)
class ParamInfo:
    """Metadata carried by ``Param[T, "description", {extra schema keywords}]``."""

    description: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.description, tuple(sorted(self.extra))))


class Param:
    """``Param[Person, "Who to message"]`` is ``Annotated[Person, ParamInfo("Who to message")]``."""

    def __class_getitem__(cls, item: Any) -> Any:
        if not isinstance(item, tuple) or len(item) not in (2, 3) or not isinstance(item[1], str):
            raise TypeError('use Param[Type, "description"] or Param[Type, "description", {schema keywords}]')
        extra = dict(item[2]) if len(item) == 3 else {}
        return Annotated[item[0], ParamInfo(item[1], extra)]


def split_annotated(tp: Any) -> tuple[Any, ParamInfo | None]:
    """The bare type and its ParamInfo (if any)."""
    info = None
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        tp = args[0]
        for meta in args[1:]:
            if isinstance(meta, ParamInfo):
                info = meta
    return tp, info


def is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def entity_class(tp: Any) -> type | None:
    from intents.entities import Entity

    return tp if isinstance(tp, type) and issubclass(tp, Entity) else None


class SchemaBuilder:
    """Builds schemas for one intent, collecting shared definitions (pydantic models) in ``defs``."""

    def __init__(self, mode: str = "input") -> None:
        self.mode = mode
        self.defs: dict[str, Any] = {}

    def build(self, tp: Any) -> dict[str, Any]:
        tp, info = split_annotated(tp)
        schema = self._build(tp)
        if info is not None:
            schema = {**schema, "description": info.description, **info.extra}
        return schema

    def _build(self, tp: Any) -> dict[str, Any]:
        if tp is None or tp is type(None):
            return {"type": "null"}
        if tp is Any:
            if self.mode == "output":
                return {}
            raise UnsupportedType("typing.Any is not allowed for a parameter: give it a concrete type")
        if tp in _SCALARS:
            return dict(_SCALARS[tp])
        if tp is datetime:
            return {"type": "string", "format": "date-time"}
        if tp is date:
            return {"type": "string", "format": "date"}
        if entity_class(tp) is not None:
            return tp.input_schema() if self.mode == "input" else self._model(tp)
        if isinstance(tp, type) and issubclass(tp, Enum):
            values = [member.value for member in tp]
            return {**_enum_type(values), "enum": values}
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return self._model(tp)
        origin = get_origin(tp)
        if origin is Literal:
            values = list(get_args(tp))
            return {**_enum_type(values), "enum": values}
        if is_union(tp):
            return self._union(get_args(tp))
        if origin in (list, set, frozenset, tuple, typing.Sequence, typing.List) or tp in (list, tuple, set):
            args = get_args(tp)
            if origin is tuple and args and (len(args) != 2 or args[1] is not Ellipsis):
                raise UnsupportedType(f"fixed-length tuple {tp!r} is not supported: use list[T]")
            if not args:
                raise UnsupportedType(f"{tp!r} needs an item type, e.g. list[str]")
            schema: dict[str, Any] = {"type": "array", "items": self.build(args[0])}
            if origin in (set, frozenset):
                schema["uniqueItems"] = True
            return schema
        if origin is dict or tp is dict:
            args = get_args(tp)
            if self.mode == "output" and not args:
                return {"type": "object"}
            if not args or args[0] is not str:
                raise UnsupportedType(f"{tp!r} is not supported: use dict[str, T] or a pydantic model")
            return {"type": "object", "additionalProperties": self.build(args[1])}
        if typing.is_typeddict(tp) if hasattr(typing, "is_typeddict") else False:
            from pydantic import TypeAdapter

            return TypeAdapter(tp).json_schema()
        raise UnsupportedType(f"unsupported type {_type_name(tp)}")

    def _model(self, model: type[BaseModel]) -> dict[str, Any]:
        name = model.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placeholder against recursion
            mode = "validation" if self.mode == "input" else "serialization"
            schema = model.model_json_schema(ref_template="#/$defs/{model}", mode=mode)
            for sub_name, sub in schema.pop("$defs", {}).items():
                self.defs.setdefault(sub_name, sub)
            self.defs[name] = schema
        return {"$ref": f"#/$defs/{name}"}

    def _union(self, members: tuple[Any, ...]) -> dict[str, Any]:
        nullable = any(m is type(None) for m in members)
        rest = [m for m in members if m is not type(None)]
        parts = [self.build(m) for m in rest]
        if nullable and len(parts) == 1:
            return nullable_schema(parts[0])
        if nullable:
            parts.append({"type": "null"})
        return {"anyOf": parts}


def nullable_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``T | None``: a type union with null where possible, else anyOf [T, null]."""
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema:
        out = {**schema, "type": [kind, "null"]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _enum_type(values: list[Any]) -> dict[str, Any]:
    kinds = {type(v) for v in values}
    if kinds == {str}:
        return {"type": "string"}
    if kinds <= {int} and bool not in kinds:
        return {"type": "integer"}
    if kinds <= {int, float}:
        return {"type": "number"}
    if kinds == {bool}:
        return {"type": "boolean"}
    return {}


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def object_schema(title: str, description: str, properties: dict[str, Any], required: list[str],
                  defs: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT, "title": title, "description": description, "type": "object",
        "properties": properties, "required": required, "additionalProperties": False,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def output_schema(tp: Any) -> dict[str, Any]:
    """The output schema of a return annotation (``None`` → null)."""
    builder = SchemaBuilder("output")
    schema = builder.build(tp)
    out = {"$schema": SCHEMA_DIALECT, **schema}
    if builder.defs:
        out["$defs"] = builder.defs
    return out


def json_type(schema: dict[str, Any]) -> str:
    """A short type name for listings ("string", "integer", "array", "Person"...)."""
    if "x-kith-entity" in schema:
        return schema["x-kith-entity"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind:
        return kind
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return "|".join(json_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    return "any"
