"""``@intent``: turns a typed, documented function into an ``IntentSpec`` (schemas, phrases, effect).

The spec is built at decoration time so that a registration error (unsupported type, missing
docstring or parameter description, bad phrase slot) is raised on import, naming the file and the
intent. Registration into a ``Registry`` happens when discovery scans the module.
"""
from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intents.context import IntentContext
from intents.effects import Effect
from intents.errors import RegistrationError, UnsupportedType
from intents.schema import SchemaBuilder, json_type, object_schema, output_schema, split_annotated

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    description: str
    json_type: str
    required: bool
    annotation: Any = None
    default: Any = None

    def __iter__(self):  # (name, description, json type, required), as the agent's planner reads it
        return iter((self.name, self.description, self.json_type, self.required))

    def __getitem__(self, index: int) -> Any:
        return (self.name, self.description, self.json_type, self.required)[index]

    def __len__(self) -> int:
        return 4


@dataclass
class IntentSpec:
    name: str
    title: str
    description: str
    effect: Effect
    phrases: list[str]
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    params: list[ParamSpec]
    func: Callable[..., Any] = field(repr=False)
    context_param: str | None = None
    confirm_message: str | None = None
    source_file: str = ""
    origin: str = "builtin"  # builtin | entrypoint:<dist> | folder:<path> | local
    # Answered from the index (a search, not a call): the retrieval filters, e.g. {"kind": "mail"};
    # None for an intent that is called.
    from_index: dict[str, Any] | None = None
    examples: dict[str, str] = field(default_factory=dict)  # parameter -> an example value for phrases

    def example_phrase(self, phrase: str) -> str:
        """``text {recipient} that {body}`` with the declared example values (a slot without one is dropped)."""
        filled = SLOT_RE.sub(lambda m: self.examples.get(m.group(1), ""), phrase)
        return " ".join(filled.split())
    dates: str | None = None  # "future" | "past": which way relative dates in a request point ("on Friday")

    @property
    def hash(self) -> str:
        from intents.trust import spec_hash

        return spec_hash(self)

    @property
    def third_party(self) -> bool:
        return self.origin != "builtin"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "effect": self.effect.value, "phrases": self.phrases,
            "params": [{"name": p.name, "description": p.description, "type": p.json_type, "required": p.required}
                       for p in self.params],
            "input_schema": self.input_schema, "output_schema": self.output_schema,
            "origin": self.origin, "source_file": self.source_file, "hash": self.hash,
            "from_index": self.from_index, "examples": self.examples, "dates": self.dates,
        }


def intent(
    title: str | None = None,
    *,
    effect: Effect | str = Effect.READ,
    phrases: list[str] | tuple[str, ...] = (),
    name: str | None = None,
    description: str | None = None,
    confirm_message: str | None = None,
    from_index: bool | str = False,
    order: str | None = None,
    examples: dict[str, str] | None = None,
    dates: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an intent. The docstring is the description; every parameter needs ``Param[T, "…"]``.

    ``from_index``: the intent is a search answered from the index by retrieval and the grounded
    answerer rather than called (``True``, or the document kind it searches, e.g. ``"mail"``);
    ``order`` then orders its results (``"next"``: upcoming first). ``examples`` gives an example
    value per parameter, used to turn phrases such as ``"text {recipient} that {body}"`` into
    sentences the router learns from. ``dates``: "future" when the intent schedules something
    (relative dates in a request, such as "on Friday", then mean the next such day), "past" when it
    looks back; unset, a side-effecting intent looks forward and a READ intent back.
    """

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__kith_intent__ = build_spec(func, title=title, effect=effect, phrases=list(phrases), name=name,
                                          description=description, confirm_message=confirm_message,
                                          from_index=from_index, order=order, examples=examples,
                                          dates=dates)
        return func

    return wrap


def build_spec(func: Callable[..., Any], *, title: str | None, effect: Effect | str, phrases: list[str],
               name: str | None = None, description: str | None = None,
               confirm_message: str | None = None, from_index: bool | str = False, order: str | None = None,
               examples: dict[str, str] | None = None, dates: str | None = None) -> IntentSpec:
    intent_name = name or func.__name__
    source = _source_file(func)

    def fail(reason: str) -> RegistrationError:
        return RegistrationError(f"{source}: intent {intent_name!r}: {reason}")

    if not NAME_RE.match(intent_name):
        raise fail("name must be lower_snake_case (a-z, 0-9, _), at most 64 characters")
    try:
        effect = Effect(effect)
    except ValueError:
        raise fail(f"unknown effect {effect!r}: use Effect.READ, WRITE, SEND or DESTRUCTIVE") from None
    if dates not in (None, "future", "past"):
        raise fail(f"dates={dates!r}: use \"future\", \"past\" or leave it unset")
    desc = (description or inspect.getdoc(func) or "").strip()
    if not desc:
        raise fail("missing docstring (the description shown to users and models)")
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as exc:
        raise fail(f"cannot evaluate type hints: {exc}") from exc
    builder = SchemaBuilder("input")
    properties: dict[str, Any] = {}
    required: list[str] = []
    params: list[ParamSpec] = []
    context_param = None
    for pname, param in inspect.signature(func).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise fail(f"*{pname} parameters are not supported")
        hint = hints.get(pname)
        if hint is None:
            raise fail(f"parameter {pname!r} has no type hint")
        bare, info = split_annotated(hint)
        if bare is IntentContext:
            context_param = pname
            continue
        if info is None or not info.description.strip():
            raise fail(f'parameter {pname!r} has no description: annotate it as Param[T, "description"]')
        try:
            schema = builder.build(hint)
        except UnsupportedType as exc:
            raise fail(f"parameter {pname!r}: {exc}") from None
        has_default = param.default is not inspect.Parameter.empty
        if has_default:
            try:
                schema["default"] = _json_default(param.default)
            except TypeError:
                pass
        else:
            required.append(pname)
        properties[pname] = schema
        params.append(ParamSpec(pname, info.description, json_type(schema), not has_default, hint,
                                param.default if has_default else None))
    try:
        out_schema = output_schema(hints.get("return", type(None)))
    except UnsupportedType as exc:
        raise fail(f"return type: {exc}") from None
    for phrase in phrases:
        for slot in SLOT_RE.findall(phrase):
            if slot not in properties:
                raise fail(f"phrase {phrase!r} has slot {{{slot}}} that is not a parameter")
    for key in examples or {}:
        if key not in properties:
            raise fail(f"example for {key!r}, which is not a parameter")
    if from_index and effect != Effect.READ:
        raise fail("only a READ intent can be answered from the index (from_index)")
    retrieval: dict[str, Any] | None = None
    if from_index:
        retrieval = {"kind": from_index} if isinstance(from_index, str) else {}
        if order:
            retrieval["order"] = order
    display_title = title or intent_name.replace("_", " ").capitalize()
    return IntentSpec(
        name=intent_name, title=display_title, description=desc, effect=effect, phrases=list(phrases),
        input_schema=object_schema(intent_name, desc, properties, required, builder.defs),
        output_schema=out_schema, params=params, func=func, context_param=context_param,
        confirm_message=confirm_message, source_file=source, from_index=retrieval,
        examples={str(k): str(v) for k, v in (examples or {}).items()}, dates=dates,
    )


def _json_default(value: Any) -> Any:
    from enum import Enum

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_json_default(v) for v in value]
    raise TypeError(value)


def _source_file(func: Callable[..., Any]) -> str:
    try:
        path = inspect.getsourcefile(func) or "?"
        line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        return getattr(func, "__module__", "?")
    return f"{Path(path)}:{line}"
