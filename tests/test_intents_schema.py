"""Schema generation for every supported type (against golden JSON files), OpenAI strict tools,
and registration errors that name the file and the intent."""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Literal, Optional

import pytest
from pydantic import BaseModel

from intents import Document, Effect, Event, Param, Person, Photo, Place, Registry, RegistrationError, intent
from intents.openai_tools import to_openai_tools

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KITH_UPDATE_GOLDEN") == "1"


class Priority(Enum):
    LOW = "low"
    HIGH = "high"


class Address(BaseModel):
    street: str
    city: str
    postcode: Optional[str] = None


class Receipt(BaseModel):
    id: str
    when: datetime
    tags: list[str] = []


@intent(title="Every type", effect=Effect.WRITE, phrases=["do {text} for {person}"])
def every_type(
    text: Param[str, "A string"],
    count: Param[int, "An integer", {"minimum": 0}],
    ratio: Param[float, "A number"],
    flag: Param[bool, "A boolean"],
    day: Param[date, "A date"],
    moment: Param[datetime, "A date-time"],
    priority: Param[Priority, "An Enum"],
    mode: Param[Literal["fast", "slow"], "A Literal"],
    note: Param[Optional[str], "An optional string"],
    tags: Param[list[str], "A list of strings"],
    scores: Param[dict[str, float], "A mapping"],
    address: Param[Address, "A pydantic model"],
    person: Param[Person, "A Person entity"],
    document: Param[Document, "A Document entity"],
    photo: Param[Photo, "A Photo entity"],
    event: Param[Event, "An Event entity"],
    place: Param[Place | None, "An optional Place entity"] = None,
    people: Param[list[Person], "Several people"] = [],
    level: Param[int | None, "Optional with default"] = 3,
) -> Receipt:
    """A function that uses every supported parameter type."""
    raise NotImplementedError


def check_golden(name: str, data: object) -> None:
    path = GOLDEN / name
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if UPDATE or not path.exists():
        path.write_text(text)
    assert json.loads(path.read_text()) == json.loads(text), f"{name} differs from the golden file (KITH_UPDATE_GOLDEN=1 to refresh)"


def test_input_schema_matches_golden():
    spec = every_type.__kith_intent__
    schema = spec.input_schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = schema["properties"]
    assert props["day"] == {"type": "string", "format": "date", "description": "A date"}
    assert props["moment"]["format"] == "date-time"
    assert props["priority"]["enum"] == ["low", "high"]
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert props["note"]["type"] == ["string", "null"]
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "description": "A list of strings"}
    assert props["address"]["$ref"] == "#/$defs/Address" and "Address" in schema["$defs"]
    assert props["person"]["x-kith-entity"] == "Person"
    assert props["place"]["type"] == ["string", "null"]
    assert props["count"]["minimum"] == 0
    assert "level" not in schema["required"] and props["level"]["default"] == 3
    assert schema["additionalProperties"] is False
    check_golden("intent_every_type.input.json", schema)


def test_output_schema_matches_golden():
    out = every_type.__kith_intent__.output_schema
    assert out["$ref"] == "#/$defs/Receipt"
    check_golden("intent_every_type.output.json", out)


def test_builtin_schemas_match_golden():
    from intents.discovery import load_builtins

    registry = Registry()
    load_builtins(registry)
    names = {s.name for s in registry.list()}
    assert {"search_mail", "search_messages", "find_photos", "next_event", "summarize_thread", "get_contact",
            "draft_email", "send_message", "create_reminder", "create_event", "forget_document"} <= names
    check_golden("builtin_intents.json", {s.name: {"effect": s.effect.value, "input": s.input_schema,
                                                   "output": s.output_schema} for s in registry.list()})


def test_openai_strict_tools():
    tool = to_openai_tools([every_type.__kith_intent__])[0]
    params = tool["function"]["parameters"]
    assert tool["type"] == "function" and tool["function"]["strict"] is True
    assert sorted(params["required"]) == sorted(params["properties"])  # all required in strict mode
    assert params["additionalProperties"] is False
    assert params["properties"]["place"]["type"] == ["string", "null"]
    assert params["properties"]["level"]["type"] == ["integer", "null"]
    assert params["properties"]["people"]["type"] == ["array", "null"]
    assert params["$defs"]["Address"]["additionalProperties"] is False
    assert set(params["$defs"]["Address"]["required"]) == {"street", "city", "postcode"}
    dumped = json.dumps(params)
    assert "x-kith-entity" not in dumped and '"default"' not in dumped
    check_golden("intent_every_type.openai.json", tool)


def _declare(source: str, tmp_path: Path):
    path = tmp_path / "bad_intents.py"
    path.write_text(source)
    namespace = {"__name__": "bad_intents"}
    exec(compile(source, str(path), "exec"), namespace)


HEADER = "from intents import intent, Param, Effect\n"


def test_missing_docstring_names_file_and_intent(tmp_path):
    with pytest.raises(RegistrationError) as err:
        _declare(HEADER + "@intent(title='X')\ndef no_doc(a: Param[str, 'a']) -> str:\n    return a\n", tmp_path)
    assert "bad_intents.py" in str(err.value) and "'no_doc'" in str(err.value) and "docstring" in str(err.value)


def test_missing_description_is_rejected(tmp_path):
    with pytest.raises(RegistrationError, match=r"bad_intents\.py.*'no_desc'.*parameter 'a' has no description"):
        _declare(HEADER + "@intent()\ndef no_desc(a: str) -> str:\n    '''Doc.'''\n", tmp_path)


def test_unsupported_type_is_rejected(tmp_path):
    with pytest.raises(RegistrationError, match=r"bad_intents\.py.*'odd'.*unsupported type"):
        _declare(HEADER + "@intent()\ndef odd(a: Param[complex, 'a']) -> str:\n    '''Doc.'''\n", tmp_path)


def test_bad_phrase_slot_is_rejected(tmp_path):
    with pytest.raises(RegistrationError, match=r"slot \{who\}"):
        _declare(HEADER + "@intent(phrases=['ping {who}'])\ndef ping(a: Param[str, 'a']) -> str:\n    '''Doc.'''\n",
                 tmp_path)


def test_duplicate_name_is_rejected():
    @intent(name="twin")
    def first(a: Param[str, "a"]) -> str:
        """One."""

    @intent(name="twin")
    def second(a: Param[str, "a"]) -> str:
        """Two."""

    registry = Registry()
    registry.add(first)
    with pytest.raises(RegistrationError, match=r"test_intents_schema\.py.*'twin'.*duplicate"):
        registry.add(second)
