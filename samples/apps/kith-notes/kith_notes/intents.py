"""The kith-notes intents (found by kith through the ``kith.intents`` entry point)."""
from __future__ import annotations

import json
import uuid
from enum import Enum
from pathlib import Path

from pydantic import BaseModel

from intents import Effect, IntentContext, Param, intent

NOTES_FILE = "notes/notes.jsonl"


class NoteKind(str, Enum):
    NOTE = "note"
    TODO = "todo"


class Note(BaseModel):
    id: str
    text: str
    kind: NoteKind
    tags: list[str]
    created: str
    done: bool = False


class NoteList(BaseModel):
    path: str
    count: int
    notes: list[Note]


def notes_path(context: IntentContext) -> Path:
    return context.home / NOTES_FILE


def read_notes(path: Path) -> list[Note]:
    if not path.exists():
        return []
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            notes.append(Note.model_validate_json(line))
        except ValueError:
            continue  # a damaged line is skipped, never fatal
    return notes


@intent(title="Add note", effect=Effect.WRITE,
        phrases=["note that {text}", "add a to-do to {text}", "remember to {text}"],
        confirm_message="Add a {kind}: {text!r}",
        examples={"text": "call Bob"})
def add_note(
    text: Param[str, "The note text"],
    context: IntentContext,
    kind: Param[NoteKind, "A plain note or a to-do"] = NoteKind.NOTE,
    tags: Param[list[str], "Tags for finding it later"] = [],
) -> Note:
    """Add a note or a to-do to the kith-notes file in the kith home."""
    from indexer.home import secure_touch

    note = Note(id=uuid.uuid4().hex[:12], text=text, kind=kind, tags=list(tags),
                created=context.now.isoformat(timespec="seconds"))
    path = secure_touch(notes_path(context))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(note.model_dump(mode="json"), ensure_ascii=False) + "\n")
    return note


@intent(title="List notes", effect=Effect.READ, phrases=["show my notes", "what are my to-dos", "notes tagged {tag}"])
def list_notes(
    context: IntentContext,
    tag: Param[str | None, "Only notes with this tag"] = None,
    todos_only: Param[bool, "Only to-dos that are not done"] = False,
) -> NoteList:
    """List the notes and to-dos saved by kith-notes, oldest first."""
    path = notes_path(context)
    notes = [n for n in read_notes(path)
             if (tag is None or tag in n.tags) and (not todos_only or (n.kind is NoteKind.TODO and not n.done))]
    return NoteList(path=str(path), count=len(notes), notes=notes)
