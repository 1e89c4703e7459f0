"""Built-in intents with side effects, all local and inspectable: drafts go to an outbox Maildir,
messages to an outbox JSONL file, reminders and events to .ics files in the kith home, and
``forget_document`` removes a document from the index."""
from __future__ import annotations

import json
import mailbox
import os
import tempfile
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from icalendar import Calendar, Event as VEvent, Todo

from indexer.home import secure_touch
from indexer.store import to_utc_iso
from intents.builtin.models import CalendarReceipt, DraftReceipt, ForgetReceipt, MessageReceipt
from intents.context import IntentContext
from intents.decorator import intent
from intents.effects import Effect
from intents.entities import Document, Person
from intents.errors import IntentError
from intents.schema import Param

OUTBOX_DIR = "outbox"
DRAFTS_MAILDIR = "outbox/drafts"
MESSAGES_FILE = "outbox/messages.jsonl"
REMINDERS_FILE = "reminders.ics"
EVENTS_FILE = "events.ics"


def _owner_address(context: IntentContext) -> str:
    owner = context.app.home.config.get("owner") or {}
    emails = owner.get("emails") or []
    name = owner.get("name") or context.owner or ""
    if emails:
        return f"{name} <{emails[0]}>" if name else emails[0]
    return name or "me@localhost"


def _address(person: Person) -> str:
    if not person.emails:
        raise IntentError(f"{person.display} has no e-mail address", type="no_address")
    return f"{person.name} <{person.emails[0]}>" if person.name else person.emails[0]


@intent(title="Draft email", effect=Effect.WRITE,
        phrases=["draft an email to {to} about {subject}", "write to {to} saying {body}"],
        confirm_message="Save a draft to {to}: {subject!r}",
        examples={"to": "Alice", "subject": "the quarterly report", "body": "I'm running late"})
def draft_email(
    to: Param[Person, "Recipient"],
    subject: Param[str, "Subject line"],
    body: Param[str, "The message text"],
    context: IntentContext,
    cc: Param[list[Person], "Other recipients, copied"] = [],
) -> DraftReceipt:
    """Write an e-mail draft into the outbox Maildir (<home>/outbox/drafts); nothing is sent."""
    msg = EmailMessage()
    msg["From"] = _owner_address(context)
    msg["To"] = _address(to)
    if cc:
        msg["Cc"] = ", ".join(_address(p) for p in cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(context.now)
    msg["Message-ID"] = make_msgid(domain="kith.local")
    msg["X-Kith-Intent"] = "draft_email"
    msg.set_content(body)
    root = context.home / DRAFTS_MAILDIR
    root.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    box = mailbox.Maildir(str(root), create=True)
    key = box.add(msg)
    path = context.wrote(root / "new" / key)
    os.chmod(path, 0o600)
    return DraftReceipt(path=str(path), message_id=msg["Message-ID"], to=[to.display, *(p.display for p in cc)],
                        subject=subject)


@intent(title="Send message", effect=Effect.SEND,
        phrases=["text {recipient} that {body}", "message {recipient}", "tell {recipient} {body}"],
        confirm_message="Send to {recipient}: {body!r}",
        examples={"recipient": "Alice", "body": "I'm running late"})
def send_message(
    recipient: Param[Person, "Who to message"],
    body: Param[str, "The message text"],
    context: IntentContext,
) -> MessageReceipt:
    """Send a text message to a contact (queued in <home>/outbox/messages.jsonl for delivery)."""
    address = (recipient.phones or recipient.emails or [None])[0]
    if address is None:
        raise IntentError(f"{recipient.display} has no phone number or e-mail address", type="no_address")
    record = {"id": uuid.uuid4().hex, "queued_at": to_utc_iso(context.now), "to": recipient.name or recipient.display,
              "address": address, "body": body, "status": "queued", "from": context.owner or "me"}
    path = context.wrote(secure_touch(context.home / MESSAGES_FILE))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return MessageReceipt(id=record["id"], recipient=recipient.display, address=address, outbox=str(path),
                          queued_at=record["queued_at"])


def append_component(path: Path, component: VEvent | Todo) -> None:
    """Add one VEVENT/VTODO to an .ics file, keeping it a valid calendar (atomic rewrite, 0600)."""
    if path.exists() and path.stat().st_size:
        calendar = Calendar.from_ical(path.read_bytes())
    else:
        calendar = Calendar()
        calendar.add("prodid", "-//kith//intents//EN")
        calendar.add("version", "2.0")
    calendar.add_component(component)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(calendar.to_ical())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@intent(title="Create reminder", effect=Effect.WRITE,
        phrases=["remind me to {title}", "remind me to {title} at {due}"],
        confirm_message="Add reminder {title!r}",
        examples={"title": "call Bob", "due": "tomorrow at 9"},
        dates="future")
def create_reminder(
    title: Param[str, "What to be reminded of"],
    context: IntentContext,
    due: Param[datetime | None, "When it is due (ISO 8601 with a UTC offset)"] = None,
    notes: Param[str | None, "Extra notes"] = None,
) -> CalendarReceipt:
    """Add a reminder (a VTODO) to <home>/reminders.ics."""
    uid = f"{uuid.uuid4()}@kith.local"
    todo = Todo()
    todo.add("uid", uid)
    todo.add("dtstamp", context.now)
    todo.add("summary", title)
    if due is not None:
        todo.add("due", due)
    if notes:
        todo.add("description", notes)
    path = context.wrote(context.home / REMINDERS_FILE)
    append_component(path, todo)
    return CalendarReceipt(uid=uid, path=str(path), summary=title, start=due.isoformat() if due else None)


@intent(title="Create event", effect=Effect.WRITE,
        phrases=["add {title} to my calendar on {start}", "schedule {title} at {start}"],
        confirm_message="Add event {title!r} at {start}",
        examples={"title": "call Bob", "start": "tomorrow at 9"},
        dates="future")
def create_event(
    title: Param[str, "Event title"],
    start: Param[datetime, "Start time (ISO 8601 with a UTC offset)"],
    context: IntentContext,
    end: Param[datetime | None, "End time; one hour after the start if not given"] = None,
    location: Param[str | None, "Where"] = None,
    attendees: Param[list[Person], "People invited"] = [],
) -> CalendarReceipt:
    """Add an event (a VEVENT) to <home>/events.ics."""
    if end is not None and end <= start:
        raise IntentError("the event ends before it starts", type="validation", field="end")
    uid = f"{uuid.uuid4()}@kith.local"
    event = VEvent()
    event.add("uid", uid)
    event.add("dtstamp", context.now)
    event.add("summary", title)
    event.add("dtstart", start)
    event.add("dtend", end or start + timedelta(hours=1))
    if location:
        event.add("location", location)
    for person in attendees:
        if person.emails:
            event.add("attendee", f"mailto:{person.emails[0]}", parameters={"CN": person.name or person.display})
    path = context.wrote(context.home / EVENTS_FILE)
    append_component(path, event)
    return CalendarReceipt(uid=uid, path=str(path), summary=title, start=start.isoformat())


@intent(title="Forget document", effect=Effect.DESTRUCTIVE,
        phrases=["forget {document}", "remove {document} from the index"],
        confirm_message="Remove {document} from the index (the source file is not touched)",
        examples={"document": "that email"})
def forget_document(document: Param[Document, "The document to remove from the index"],
                    context: IntentContext) -> ForgetReceipt:
    """Remove a document from the index (SQLite, full-text and vectors). The source file is left alone."""
    removed = context.app.indexer.forget(document.id)
    return ForgetReceipt(id=document.id, title=document.title, documents_removed=removed)


