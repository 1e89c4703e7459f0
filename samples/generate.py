"""Generate the fictional user's sample data under ``samples/data`` (deterministic: fixed dates, no randomness).

The owner is Maya Okafor (London); see ``samples/README.md`` for what is written. Run::

    python samples/generate.py            # writes samples/data
    python samples/generate.py --out DIR  # writes DIR instead

Every file is byte-identical between runs except ``messages/chat.db`` (the Messages schema uses
random GUIDs) and possibly the JPEGs' compressed pixels across Pillow/libjpeg versions.
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import os
import quopri
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from samples.generators.chat_db import write_chat_db  # noqa: E402
from samples.generators.photo_writer import write_photo  # noqa: E402

DEFAULT_OUT = ROOT / "data"
FIXED_MTIME = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc).timestamp()

# --- people ---------------------------------------------------------------------------------------

MAYA = ("Maya Okafor", "maya.okafor@example.com")
DANIEL = ("Daniel Okafor", "dan.okafor@example.net")
GRACE = ("Grace Adeyemi", "grace.adeyemi@example.org")
ALICE = ("Alice Martin", "alice.martin@example.org")
WALKER = ("Alice Walker", "alice.walker@example.com")
BOB = ("Bob Chen", "bob.chen@example.com")
DENTIST = ("Smile Dental Clinic", "reception@smiledental.example.com")
NINA = ("Nina Patel", "nina.patel@example.com")
SOPHIE = ("Sophie Turner", "sophie.turner@example.org")
FATIMA = ("Fatima Bello", "fatima.bello@example.net")
LUCAS = ("Lucas Ferreira", "lucas.ferreira@example.org")
RESTAURANT = ("Casa do Alentejo", "reservas@casa-do-alentejo.example.net")
FLYAIR = ("FlyAir Bookings", "noreply@flyair.example.com")
HOTEL = ("Hotel Alfama Azul", "reservations@alfama-azul.example.com")
STAYS = ("Stays.example", "bookings@stays.example.com")
LONDONLIFE = ("London Life Weekly", "newsletter@londonlife.example.org")
TRAMDEALS = ("Tram & Travel Deals", "deals@tramtravel.example.net")
GYM = ("Northside Gym", "members@northsidegym.example.com")
PARCEL = ("ParcelGo", "tracking@parcelgo.example.com")
BANK = ("Greenleaf Bank", "no-reply@greenleafbank.example.com")

SIGNATURES = {
    MAYA: "Maya Okafor\n+44 7700 900123",
    ALICE: "Alice Martin\nLisbon · +351 912 345 678",
    BOB: "Bob Chen\nFinance Lead, Northwind Analytics\n+44 7700 900555",
    DANIEL: "Dan",
    GRACE: "Love, Mum",
    WALKER: "Alice Walker\nProgramme Manager, Northwind Analytics",
}


def at(stamp: str, offset_hours: float = 0.0) -> datetime:
    """``"2026-06-15 18:42"`` at a fixed UTC offset."""
    naive = datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=timezone(timedelta(hours=offset_hours)))


def bst(stamp: str) -> datetime:
    """London wall clock: +01:00 from the last Sunday of March to the last Sunday of October."""
    naive = datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    summer = _last_sunday(naive.year, 3) <= naive < _last_sunday(naive.year, 10)
    return at(stamp, 1 if summer else 0)


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month, 31, 1, 0)
    while day.weekday() != 6:
        day -= timedelta(days=1)
    return day


# --- mail -----------------------------------------------------------------------------------------

@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    key: str
    when: datetime
    sender: tuple[str, str]
    to: list[tuple[str, str]]
    subject: str
    body: str | None
    folder: str  # "mbox", "INBOX" or "Sent"
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: str | None = None  # key of the parent message
    quote: bool = True
    signature: bool = True
    also_in: list[str] = field(default_factory=list)
    charset: str = "utf-8"
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    unread: bool = False
    replied: bool = False
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


def tiny_pdf(title: str) -> bytes:
    """A small, well-formed one-page PDF whose page says ``title``."""
    text = title.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 40 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def tiny_jpeg(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


BOAT_ICS = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Alice Martin//Lisbon trip//EN", "METHOD:REQUEST",
    "BEGIN:VEVENT", "UID:boat-trip-cascais-20260714@example.org", "DTSTAMP:20260628T101500Z",
    "DTSTART:20260714T090000Z", "DTEND:20260714T140000Z",
    "SUMMARY:Boat trip to Cascais",
    "LOCATION:Doca de Santo Amaro\\, Lisbon",
    "DESCRIPTION:Sailing boat from Doca de Santo Amaro to Cascais and back. Bring sunscreen!",
    "ORGANIZER;CN=Alice Martin:mailto:alice.martin@example.org",
    "ATTENDEE;CN=Maya Okafor;RSVP=TRUE:mailto:maya.okafor@example.com",
    "ATTENDEE;CN=Daniel Okafor;RSVP=TRUE:mailto:dan.okafor@example.net",
    "END:VEVENT", "END:VCALENDAR", "",
]).encode("utf-8")


def mail_list() -> list[Mail]:
    """Every sample mail, oldest first within each group."""
    m: list[Mail] = []
    add = m.append

    # ---- 2025 archive (mbox) ----
    add(Mail("newsletter-2025-01", at("2025-01-10 07:00"), LONDONLIFE, [MAYA],
             "London Life Weekly: ten winter walks along the Thames",
             "This week: ten winter walks along the Thames, the best new bakeries in Hackney,\n"
             "and what's on at the Barbican.\n\nUnsubscribe: https://londonlife.example.org/unsubscribe",
             "mbox", signature=False))
    add(Mail("grace-lunch-2025", bst("2025-03-08 18:20"), GRACE, [MAYA],
             "Sunday lunch", "Hello darling,\n\nAre you and Daniel coming for lunch on Sunday? I'm making jollof "
             "and Daniel's favourite plantain.\nCome around 1pm.", "mbox"))
    add(Mail("grace-lunch-2025-re", bst("2025-03-08 20:05"), MAYA, [GRACE], "Re: Sunday lunch",
             "Hi Mum,\n\nYes, we'll be there at 1. I'll bring dessert.\n\nxx", "mbox", reply_to="grace-lunch-2025"))
    add(Mail("walker-offsite", bst("2025-06-04 11:02"), WALKER, [MAYA, BOB], "Offsite agenda (draft)",
             "Hi both,\n\nAttached is the draft agenda for the June offsite in Brighton. Please add your "
             "sessions by Friday.\n\nThanks,", "mbox",
             attachments=[Attachment("offsite-agenda.pdf", "application/pdf", tiny_pdf("June offsite agenda"))]))
    add(Mail("gym-2025", bst("2025-06-30 09:00"), GYM, [MAYA], "Your membership renews on 1 July",
             "Hi Maya,\n\nYour Northside Gym membership renews on 1 July 2025 (GBP 42/month).\n"
             "No action needed.", "mbox", signature=False))
    add(Mail("newsletter-2025-07", bst("2025-07-11 07:00"), LONDONLIFE, [MAYA],
             "London Life Weekly: open-air cinema season",
             "Open-air cinema is back: our pick of screenings in parks and rooftops this summer.\n\n"
             "Unsubscribe: https://londonlife.example.org/unsubscribe", "mbox", signature=False))
    add(Mail("porto-booking", bst("2025-08-02 14:31"), STAYS, [MAYA],
             "Booking confirmed: Casa da Ribeira, Porto (12–15 Sep 2025)",
             "Hi Maya,\n\nYour booking is confirmed.\n\nCasa da Ribeira, Cais da Ribeira 20, Porto\n"
             "Check-in: Friday 12 September 2025 from 15:00\nCheck-out: Monday 15 September 2025 by 11:00\n"
             "Guests: 2 adults (Maya Okafor, Daniel Okafor)\nBooking reference: STY-88213",
             "mbox", signature=False))
    add(Mail("porto-daniel", bst("2025-08-02 19:10"), DANIEL, [MAYA], "Porto!",
             "Just saw the booking - can't wait. I'll look for a port cellar tour in Vila Nova de Gaia.",
             "mbox"))
    add(Mail("porto-photos", bst("2025-09-16 21:14"), DANIEL, [MAYA], "Porto photos",
             "Here's my favourite one from the Dom Luís bridge. More on the shared album.", "mbox",
             attachments=[Attachment("porto-bridge.jpg", "image/jpeg", tiny_jpeg((70, 110, 160)))]))
    add(Mail("bob-q3-draft", bst("2025-10-06 09:12"), BOB, [MAYA], "Q3 quarterly report - draft",
             "Hi Maya,\n\nHere is the first draft of the Q3 quarterly report. Could you check the revenue "
             "section and the regional breakdown?\n\nThanks,", "mbox",
             attachments=[Attachment("Q3-2025-report-draft.pdf", "application/pdf", tiny_pdf("Q3 2025 report draft"))]))
    add(Mail("bob-q3-draft-re", bst("2025-10-06 15:40"), MAYA, [BOB], "Re: Q3 quarterly report - draft",
             "Hi Bob,\n\nLooks good. Two things: the EMEA numbers in table 2 are from the old export, and "
             "the chart on page 4 is missing September.\n\nBest,", "mbox", reply_to="bob-q3-draft"))
    add(Mail("bob-q3-draft-re2", bst("2025-10-07 08:55"), BOB, [MAYA], "Re: Q3 quarterly report - draft",
             "Good catch, fixed both. Sending to Nina today.", "mbox", reply_to="bob-q3-draft-re"))
    add(Mail("newsletter-2025-10", bst("2025-10-17 07:00"), LONDONLIFE, [MAYA],
             "London Life Weekly: half-term with the kids",
             "Half-term ideas, the Frieze week guide and a new Sunday market in Peckham.\n\n"
             "Unsubscribe: https://londonlife.example.org/unsubscribe", "mbox", signature=False))
    add(Mail("fatima-wedding", at("2025-10-20 12:30"), FATIMA, [MAYA], "Save the date!",
             "Cousin! Emeka and I are getting married on 6 June 2026 in Manchester. "
             "Formal invite to follow, but save the date please!\n\nFatima", "mbox", signature=False))
    add(Mail("alice-hello", at("2025-11-02 16:45"), ALICE, [MAYA], "Long time no see!",
             "Hi Maya!\n\nIt's been ages. Lisbon is lovely this autumn. You and Daniel should really come and "
             "visit next summer - I have a spare week in July and I'd love to show you around.", "mbox"))
    add(Mail("alice-hello-re", at("2025-11-03 09:20"), MAYA, [ALICE], "Re: Long time no see!",
             "Alice! So good to hear from you. We'd love to come to Lisbon next summer. "
             "Let me talk to Daniel and we'll pick dates in the new year.", "mbox", reply_to="alice-hello"))
    add(Mail("dentist-2025", at("2025-11-18 10:00"), DENTIST, [MAYA],
             "Reminder: your dental check-up on 25 November",
             "Dear Maya Okafor,\n\nThis is a reminder of your check-up with Dr. Priya Shah on Tuesday "
             "25 November 2025 at 10:00.\n\nSmile Dental Clinic\n12 Harley St, London\n020 7946 0123",
             "mbox", signature=False))
    add(Mail("bob-budget-2026", at("2025-12-01 17:48"), BOB, [MAYA], "Budget 2026 planning",
             "Maya,\n\nFinance wants the 2026 budget by 15 December. I've put a first cut in the shared sheet. "
             "Can you call me about the budget tomorrow morning? The travel line looks too low.", "mbox"))
    add(Mail("bob-budget-2026-re", at("2025-12-01 18:30"), MAYA, [BOB], "Re: Budget 2026 planning",
             "Sure, I'll call you at 9:30.", "mbox", reply_to="bob-budget-2026"))
    add(Mail("bank-2025-12", at("2025-12-03 06:00"), BANK, [MAYA], "Your December statement is ready",
             "Your Greenleaf Bank statement for the account ending 4417 is ready to view online.",
             "mbox", signature=False))
    add(Mail("sophie-bookclub", at("2025-12-05 20:10"), SOPHIE, [MAYA], "Book club - January pick",
             "Hi all,\n\nJanuary's book is 'The Lisbon Notebook'. We meet on 14 January at mine.\n"
             "From the first chapter on, it's a page-turner.\n\nSophie", "mbox", signature=False))
    add(Mail("newsletter-2025-12", at("2025-12-12 07:00"), LONDONLIFE, [MAYA],
             "London Life Weekly: the Christmas markets guide",
             "Our guide to this year's Christmas markets, plus late-night shopping on Regent Street.\n\n"
             "Unsubscribe: https://londonlife.example.org/unsubscribe", "mbox", signature=False))
    add(Mail("daniel-xmas", at("2025-12-15 12:02"), DANIEL, [MAYA], "Christmas at your mum's",
             "Grace asked if we can come on the 24th and stay over. I said I'd check with you. OK?", "mbox"))
    add(Mail("daniel-xmas-re", at("2025-12-15 12:40"), MAYA, [DANIEL], "Re: Christmas at your mum's",
             "Yes, lovely. I'll tell her.", "mbox", reply_to="daniel-xmas"))
    add(Mail("parcel-2025", at("2025-12-19 08:15"), PARCEL, [MAYA], "Your parcel is out for delivery",
             "Your parcel PG-20931 will arrive today between 10:00 and 14:00.", "mbox", signature=False))

    # ---- 2026 (Maildir INBOX / Sent) ----
    add(Mail("bob-q4-2025-final", at("2026-01-12 10:05"), BOB, [MAYA], "Q4 2025 quarterly report - final",
             "Hi Maya,\n\nThe final Q4 2025 quarterly report is attached. Thanks for the numbers.", "INBOX",
             attachments=[Attachment("Q4-2025-report.pdf", "application/pdf", tiny_pdf("Q4 2025 quarterly report"))]))
    add(Mail("daniel-anniversary", at("2026-02-10 13:22"), DANIEL, [MAYA], "Anniversary dinner?",
             "Shall I book the Italian place on Upper Street for the 21st? 7:30?", "INBOX", replied=True))
    add(Mail("daniel-anniversary-re", at("2026-02-10 13:40"), MAYA, [DANIEL], "Re: Anniversary dinner?",
             "Yes please! 7:30 is perfect.", "Sent", reply_to="daniel-anniversary"))
    add(Mail("lisbon-1", at("2026-03-02 21:10"), MAYA, [ALICE], "Lisbon in July?",
             "Hi Alice,\n\nDaniel and I finally looked at the calendar. Would 10-17 July work for you? "
             "We'd stay in a hotel in Alfama so we don't crowd you.", "Sent", cc=[DANIEL]))
    add(Mail("lisbon-2", at("2026-03-03 08:47"), ALICE, [MAYA], "Re: Lisbon in July?",
             "Yes!! 10-17 July is perfect, Lucas and I are both around that week.\n\n"
             "Alfama is a great choice. I'll plan a proper dinner and maybe a boat trip.", "INBOX",
             cc=[DANIEL], reply_to="lisbon-1", replied=True))
    add(Mail("lisbon-3", at("2026-03-20 19:30"), MAYA, [ALICE], "Re: Lisbon in July?",
             "Flights are booked: we land in Lisbon on Friday 10 July at 10:05 and fly back on Friday "
             "17 July in the evening.", "Sent", cc=[DANIEL], reply_to="lisbon-2"))
    add(Mail("flight-booking", at("2026-03-20 19:12"), FLYAIR, [MAYA],
             "Booking confirmed: London Heathrow to Lisbon, 10 July 2026",
             "Booking reference: FA7Q2K\n\nOutbound: FA 1432, Fri 10 July 2026, London Heathrow 07:15 - "
             "Lisbon 10:05\nReturn: FA 1437, Fri 17 July 2026, Lisbon 18:40 - London Heathrow 21:25\n"
             "Passengers: Maya Okafor, Daniel Okafor\n\nYour e-ticket is attached.", "INBOX", signature=False,
             attachments=[Attachment("e-ticket-FA7Q2K.pdf", "application/pdf", tiny_pdf("FlyAir e-ticket FA7Q2K"))]))
    add(Mail("hotel-booking", at("2026-03-22 11:02", 0), HOTEL, [MAYA],
             "Your reservation at Hotel Alfama Azul (10-17 July 2026)",
             "Dear Ms Okafor,\n\nThank you for your reservation.\n\nArrival: 10 July 2026\nDeparture: 17 July 2026\n"
             "Room: Double room with river view\nAddress: Rua de São Miguel 12, Alfama, Lisbon\n"
             "Confirmation number: AZ-55120\n\nWe look forward to welcoming you.", "INBOX", signature=False))
    add(Mail("bob-q1-draft", bst("2026-04-08 09:30"), BOB, [MAYA], "Quarterly report Q1: first draft",
             "Hi Maya,\n\nFirst draft of the Q1 quarterly report attached. The budget variance section still "
             "needs your numbers.", "INBOX", replied=True,
             attachments=[Attachment("Q1-2026-report-draft.pdf", "application/pdf", tiny_pdf("Q1 2026 report draft"))]))
    add(Mail("bob-q1-draft-re", bst("2026-04-08 14:02"), MAYA, [BOB], "Re: Quarterly report Q1: first draft",
             "Hi Bob,\n\nBudget variance numbers are in the sheet now: we're 4% under on travel and 2% over "
             "on software.", "Sent", reply_to="bob-q1-draft"))
    add(Mail("bob-q1-draft-re2", bst("2026-04-08 16:25"), BOB, [MAYA], "Re: Quarterly report Q1: first draft",
             "Perfect, thanks. That closes the Q1 report.", "INBOX", reply_to="bob-q1-draft-re"))
    add(Mail("daniel-seats", bst("2026-04-14 20:01"), DANIEL, [MAYA], "Lisbon flight seats",
             "I picked 14A and 14B for both flights. Window for you on the way out.", "INBOX"))
    add(Mail("dentist-june-reminder", bst("2026-05-26 10:00"), DENTIST, [MAYA],
             "Appointment reminder: Tuesday 2 June 2026 at 9:30",
             "Dear Maya Okafor,\n\nThis is a reminder of your appointment with Dr. Priya Shah on Tuesday "
             "2 June 2026 at 9:30.\n\nSmile Dental Clinic\n12 Harley St, London\n020 7946 0123\n\n"
             "To reschedule, reply to this email or call us.", "INBOX", signature=False))
    add(Mail("newsletter-2026-06", bst("2026-06-05 07:00"), LONDONLIFE, [MAYA],
             "London Life Weekly: summer festivals",
             "Summer festival season starts now: our guide to music in the parks.\n\n"
             "Unsubscribe: https://londonlife.example.org/unsubscribe", "INBOX", signature=False))
    add(Mail("lisbon-dinner", at("2026-06-15 18:42", 1), ALICE, [MAYA], "Re: Lisbon in July?",
             "Hi Maya,\n\nEverything is set for your visit! The dinner is on Saturday 11 July at 8pm at Casa do "
             "Alentejo - I booked a table for four, with Lucas. It's in a beautiful old palace near Rossio, "
             "you'll love it.\n\nAnd bring sunscreen, it's going to be hot.", "INBOX",
             cc=[DANIEL], reply_to="lisbon-3", replied=True))
    add(Mail("lisbon-dinner-re", bst("2026-06-15 20:15"), MAYA, [ALICE], "Re: Lisbon in July?",
             "Perfect! Saturday 11 July at 8pm it is. Daniel is already reading the menu.", "Sent",
             cc=[DANIEL], reply_to="lisbon-dinner"))
    add(Mail("restaurant-confirm", at("2026-06-16 11:30", 1), RESTAURANT, [MAYA],
             "Reserva confirmada — Sala São Jorge, 11 de julho",
             "Olá Maya Okafor,\n\nA sua reserva está confirmada.\n\nData: sábado, 11 de julho de 2026\n"
             "Hora: 20h00\nPessoas: 4\nSala: São Jorge\n\nCasa do Alentejo\nRua das Portas de Santo Antão 58, "
             "Lisboa\n\nAté breve! Obrigado pela preferência.", "INBOX", signature=False,
             charset="windows-1252"))
    add(Mail("boat-trip", at("2026-06-28 11:15", 1), ALICE, [MAYA], "Boat trip to Cascais",
             "Hi Maya,\n\nI booked the boat trip to Cascais for Tuesday 14 July: we sail at 10am from Doca de "
             "Santo Amaro and come back around 3pm. Invite attached.\n\nBring sunscreen and a jumper, "
             "it gets windy on the water.", "INBOX", cc=[DANIEL], replied=True,
             attachments=[Attachment("invite.ics", "text/calendar; method=REQUEST", BOAT_ICS)]))
    add(Mail("boat-trip-re", bst("2026-06-28 13:02"), MAYA, [ALICE], "Re: Boat trip to Cascais",
             "Amazing, thank you! Accepted. Daniel is very excited about the boat.", "Sent",
             cc=[DANIEL], reply_to="boat-trip"))
    add(Mail("itinerary", bst("2026-07-05 21:40"), MAYA, [ALICE, DANIEL], "Lisbon itinerary (final)",
             "Hi both,\n\nHere's the plan:\n\n"
             "Fri 10 July - land 10:05, check in at Hotel Alfama Azul\n"
             "Sat 11 July - dinner at Casa do Alentejo, 8pm (with Alice and Lucas)\n"
             "Tue 14 July - boat trip to Cascais, 10am from Doca de Santo Amaro\n"
             "Fri 17 July - fly home 18:40\n\nSee you soon!", "Sent", cc=[MAYA], also_in=["INBOX"]))
    add(Mail("lisbon-thanks", bst("2026-07-20 19:05"), MAYA, [ALICE], "Thank you for an amazing week!",
             "Alice,\n\nThank you so much for everything - the dinner at Casa do Alentejo was the highlight, "
             "and the boat trip to Cascais a close second. Here's my favourite photo of the four of us.",
             "Sent", cc=[DANIEL],
             attachments=[Attachment("lisbon-sunset.jpg", "image/jpeg", tiny_jpeg((230, 140, 60)))]))
    add(Mail("lisbon-thanks-re", at("2026-07-20 21:30", 1), ALICE, [MAYA], "Re: Thank you for an amazing week!",
             "It was so lovely to have you here! Come back soon - next time we do Sintra.", "INBOX",
             cc=[DANIEL], reply_to="lisbon-thanks"))
    add(Mail("bob-budget-call", bst("2026-07-03 16:45"), BOB, [MAYA], "Budget review",
             "Maya,\n\nThe mid-year budget review is on Thursday. Call me about the budget before then - "
             "I want to agree the travel numbers first.", "INBOX", replied=True))
    add(Mail("bob-budget-call-re", bst("2026-07-03 17:10"), MAYA, [BOB], "Re: Budget review",
             "Will call you tomorrow at 10. Note I'm off 10-17 July (Lisbon).", "Sent", reply_to="bob-budget-call"))
    add(Mail("grace-birthday", bst("2026-08-01 10:30"), GRACE, [MAYA], "My birthday lunch",
             "Hello darling,\n\nFor my birthday on the 14th I'd like a simple lunch at home on Sunday the 16th. "
             "Fatima might come down from Manchester.", "INBOX", replied=True))
    add(Mail("grace-birthday-re", bst("2026-08-01 12:12"), MAYA, [GRACE], "Re: My birthday lunch",
             "Hi Mum,\n\nOf course. We'll bring the cake. Love you.", "Sent", reply_to="grace-birthday"))
    add(Mail("tram-deals", bst("2026-09-02 06:30"), TRAMDEALS, [MAYA], "Autumn city breaks from £89",
             None, "INBOX", signature=False,
             html="<html><head><style>body{font-family:sans-serif}</style>"
                  "<script>track('open')</script></head><body>"
                  "<h1>Autumn city breaks from &pound;89</h1>"
                  "<p>Lisbon, Porto and Seville: <b>three nights</b> with tram passes included.</p>"
                  "<ul><li>Lisbon - Tram 28 day pass</li><li>Porto - Douro river cruise</li></ul>"
                  "<p><a href=\"https://tramtravel.example.net/unsubscribe\">Unsubscribe</a></p>"
                  "</body></html>"))
    add(Mail("daniel-boiler", bst("2026-09-15 08:02"), DANIEL, [MAYA], "Boiler service booked",
             "The boiler service is booked for Wednesday 23 September, 8-12. I'll work from home.", "INBOX"))
    add(Mail("bob-q3-numbers", bst("2026-10-05 09:15"), BOB, [MAYA], "Q3 numbers",
             "Hi Maya,\n\nThanks for the Q3 numbers - all in the quarterly report now.", "INBOX"))
    add(Mail("grace-sunday", at("2026-11-07 17:50"), GRACE, [MAYA], "Sunday",
             "Are you coming on Sunday? I found the photos from Lisbon you sent me, so beautiful.", "INBOX",
             replied=True))
    add(Mail("grace-sunday-re", at("2026-11-07 19:02"), MAYA, [GRACE], "Re: Sunday",
             "Yes Mum, we'll be there around 1.", "Sent", reply_to="grace-sunday"))
    add(Mail("walker-slides", at("2026-11-16 14:20"), WALKER, [MAYA], "Offsite slides - can you review?",
             "Hi Maya,\n\nCould you review the slides for the December offsite before Wednesday 25 November? "
             "I especially need your eyes on the budget section.\n\nThanks!", "INBOX"))
    add(Mail("walker-slides-2", at("2026-11-19 09:05"), WALKER, [MAYA], "Re: Offsite slides - can you review?",
             "Gentle nudge on this one - any chance you can look today or tomorrow?", "INBOX",
             reply_to="walker-slides"))
    add(Mail("dentist-dec-reminder", at("2026-11-19 10:00"), DENTIST, [MAYA],
             "Appointment reminder: Thursday 3 December 2026 at 9:30",
             "Dear Maya Okafor,\n\nThis is a reminder of your next appointment with Dr. Priya Shah on Thursday "
             "3 December 2026 at 9:30 (check-up and hygienist).\n\nSmile Dental Clinic\n12 Harley St, London\n"
             "020 7946 0123\n\nTo reschedule, reply to this email or call us.", "INBOX", signature=False))
    add(Mail("bob-q4-numbers", at("2026-11-20 16:32"), BOB, [MAYA], "Q4 numbers for the quarterly report",
             "Hi Maya,\n\nCan you send the Q4 numbers by Friday 27 November? Nina wants the quarterly report "
             "draft the week after, and I still need the budget forecast for December.\n\nThanks,",
             "INBOX", cc=[NINA], unread=True))
    add(Mail("newsletter-2026-11", at("2026-11-21 07:00"), LONDONLIFE, [MAYA],
             "London Life Weekly: winter lights and ice rinks",
             "Winter is here: the best ice rinks, the Kew lights and five cosy pubs.\n\n"
             "Unsubscribe: https://londonlife.example.org/unsubscribe", "INBOX", signature=False, unread=True))
    add(Mail("parcel-2026", at("2026-11-22 08:10"), PARCEL, [MAYA], "Your parcel is out for delivery",
             "Your parcel PG-48210 will arrive today between 12:00 and 16:00. Delivery code: 4821.",
             "INBOX", signature=False, unread=True))
    add(Mail("fatima-photos", at("2026-11-22 18:44"), FATIMA, [MAYA], "Photos from Aunty Grace's birthday",
             "Finally sorting my photos - here's one of Aunty Grace blowing out the candles!\n\nFatima",
             "INBOX", signature=False, unread=True,
             attachments=[Attachment("grace-candles.jpg", "image/jpeg", tiny_jpeg((250, 200, 120)))]))
    return m


def _domain(address: str) -> str:
    return address.split("@", 1)[1]


def _address_header(people: list[tuple[str, str]]) -> str:
    return ", ".join(formataddr(p, charset="utf-8") for p in people)


def _encode_subject(subject: str, charset: str) -> str:
    try:
        subject.encode("ascii")
        return subject
    except UnicodeEncodeError:
        return Header(subject, charset).encode(maxlinelen=76)


def _quote(parent: Mail) -> str:
    when = parent.when.strftime("%a, %d %b %Y at %H:%M")
    lines = (parent.body or "").rstrip("\n").split("\n")
    quoted = "\n".join("> " + line if line else ">" for line in lines)
    return f"On {when}, {parent.sender[0]} <{parent.sender[1]}> wrote:\n{quoted}"


def _text_part(text: str, charset: str) -> tuple[list[tuple[str, str]], bytes]:
    if charset.lower() != "utf-8":  # raw 8-bit legacy charset, as many older mailers send it
        return ([("Content-Type", f'text/plain; charset="{charset}"'),
                 ("Content-Transfer-Encoding", "8bit")], text.encode(charset))
    try:
        text.encode("ascii")
        return ([("Content-Type", 'text/plain; charset="us-ascii"'),
                 ("Content-Transfer-Encoding", "7bit")], text.encode("ascii"))
    except UnicodeEncodeError:
        return ([("Content-Type", 'text/plain; charset="utf-8"'),
                 ("Content-Transfer-Encoding", "quoted-printable")], quopri.encodestring(text.encode("utf-8")))


def _b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def render_mail(mail: Mail, by_key: dict[str, Mail], ids: dict[str, str],
                delivered: bool = False) -> bytes:
    """The RFC 5322 bytes of ``mail`` (LF line endings, as stored in mbox and Maildir)."""
    headers: list[tuple[str, str]] = []
    if delivered:
        headers += [("Return-Path", f"<{mail.sender[1]}>"), ("Delivered-To", MAYA[1]),
                    ("Received", f"from mx.{_domain(mail.sender[1])} by mx.example.com with ESMTPS id "
                                 f"{mail.key.replace('-', '')[:12]}; {format_datetime(mail.when)}")]
    headers += [("From", _address_header([mail.sender])), ("To", _address_header(mail.to))]
    if mail.cc:
        headers.append(("Cc", _address_header(mail.cc)))
    headers += [("Subject", _encode_subject(mail.subject, mail.charset)),
                ("Date", format_datetime(mail.when)), ("Message-ID", ids[mail.key])]
    text = mail.body
    if mail.reply_to:
        parent = by_key[mail.reply_to]
        chain: list[str] = []
        node: Mail | None = parent
        while node is not None:
            chain.insert(0, ids[node.key])
            node = by_key[node.reply_to] if node.reply_to else None
        headers += [("In-Reply-To", ids[parent.key]), ("References", " ".join(chain))]
    if mail.sender in (LONDONLIFE, TRAMDEALS):
        headers += [("List-Id", f"<{_domain(mail.sender[1])}>"),
                    ("List-Unsubscribe", f"<https://{_domain(mail.sender[1])}/unsubscribe>")]
    if mail.sender == MAYA:
        headers.append(("User-Agent", "Mozilla Thunderbird 128.4"))
    headers += mail.extra_headers
    headers.append(("MIME-Version", "1.0"))

    if text is not None:
        if mail.signature and mail.sender in SIGNATURES:
            text = text.rstrip("\n") + "\n\n-- \n" + SIGNATURES[mail.sender]
        if mail.reply_to and mail.quote:
            text = text.rstrip("\n") + "\n\n" + _quote(by_key[mail.reply_to])
        text += "\n"

    if text is None and mail.html is not None:
        body_headers = [("Content-Type", 'text/html; charset="utf-8"'), ("Content-Transfer-Encoding", "7bit")]
        body = mail.html.encode("ascii", "xmlcharrefreplace") + b"\n"
    else:
        body_headers, body = _text_part(text or "", mail.charset)

    if mail.attachments:
        boundary = f"=_kith_{mail.key}"
        parts = [b"This is a multi-part message in MIME format.\n"]
        part = "".join(f"{k}: {v}\n" for k, v in body_headers).encode() + b"\n" + body
        parts.append(f"--{boundary}\n".encode() + part)
        for item in mail.attachments:
            disposition = "inline" if item.content_type.startswith("text/calendar") else "attachment"
            head = (f'Content-Type: {item.content_type}; name="{item.filename}"\n'
                    f'Content-Disposition: {disposition}; filename="{item.filename}"\n'
                    "Content-Transfer-Encoding: base64\n\n")
            parts.append(f"--{boundary}\n".encode() + head.encode() + _b64(item.data) + b"\n")
        payload = b"\n".join(parts) + f"\n--{boundary}--\n".encode()
        headers.append(("Content-Type", f'multipart/mixed; boundary="{boundary}"'))
    else:
        headers += body_headers
        payload = body
    head = "".join(f"{k}: {v}\n" for k, v in headers).encode("ascii")
    return head + b"\n" + payload


def message_ids(mails: list[Mail]) -> dict[str, str]:
    return {m.key: f"<{m.when.astimezone(timezone.utc):%Y%m%d%H%M%S}.{m.key}@{_domain(m.sender[1])}>"
            for m in mails}


def _mbox_from_line(mail: Mail) -> bytes:
    utc = mail.when.astimezone(timezone.utc)
    return f"From {mail.sender[1]} {utc:%a %b} {utc.day:2d} {utc:%H:%M:%S %Y}\n".encode()


def _mboxrd_escape(raw: bytes) -> bytes:
    lines = raw.split(b"\n")
    return b"\n".join(b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines)


def write_mail(out: Path) -> dict[str, int]:
    mails = mail_list()
    by_key = {m.key: m for m in mails}
    ids = message_ids(mails)
    mail_dir = out / "mail"
    mbox = io.BytesIO()
    for mail in sorted((m for m in mails if m.folder == "mbox"), key=lambda m: m.when):
        mbox.write(_mbox_from_line(mail) + _mboxrd_escape(render_mail(mail, by_key, ids, delivered=mail.sender != MAYA)))
        mbox.write(b"\n")
    (mail_dir).mkdir(parents=True, exist_ok=True)
    (mail_dir / "archive-2025.mbox").write_bytes(mbox.getvalue())

    maildir = mail_dir / "Maildir"
    for folder in ("INBOX", "Sent"):
        for sub in ("cur", "new", "tmp"):
            (maildir / folder / sub).mkdir(parents=True, exist_ok=True)
            (maildir / folder / sub / ".gitkeep").write_bytes(b"")  # git keeps no empty folders
    counts = {"mbox": sum(1 for m in mails if m.folder == "mbox"), "maildir": 0}
    sequence = 0
    for mail in sorted((m for m in mails if m.folder != "mbox"), key=lambda m: m.when):
        for folder in [mail.folder] + mail.also_in:
            sequence += 1
            base = f"{int(mail.when.timestamp())}.M{sequence}P{4000 + sequence}.kith-sample"
            if mail.unread and folder == "INBOX":
                target = maildir / folder / "new" / base
            else:
                flags = "RS" if mail.replied else "S"
                target = maildir / folder / "cur" / f"{base}:2,{flags}"
            target.write_bytes(render_mail(mail, by_key, ids, delivered=folder == "INBOX"))
            counts["maildir"] += 1
    return counts


# --- messages -------------------------------------------------------------------------------------

WHATSAPP_ALICE = [
    ("02/03/2026", "21:15", None, "Messages and calls are end-to-end encrypted. No one outside of this chat, "
                                   "not even WhatsApp, can read or listen to them. Tap to learn more."),
    ("02/03/2026", "21:15", "Maya Okafor", "Just emailed you about July!! 10-17 July, does that work?"),
    ("03/03/2026", "08:50", "Alice Martin", "YES. Replied by email. So happy you're finally coming 🥳"),
    ("20/03/2026", "19:35", "Maya Okafor", "Flights booked ✈️ landing Friday 10 July at 10:05"),
    ("20/03/2026", "19:37", "Alice Martin", "I'll pick you up at the airport!"),
    ("15/06/2026", "18:30", "Alice Martin", "Dinner is on Saturday 11 July at 8pm at Casa do Alentejo. "
                                            "Table for four, Lucas is coming too"),
    ("15/06/2026", "18:31", "Alice Martin", "It's the old palace near Rossio, the courtyard is stunning"),
    ("15/06/2026", "18:40", "Maya Okafor", "Perfect, Daniel is already reading the menu 😂"),
    ("28/06/2026", "11:20", "Alice Martin", "I booked the boat trip to Cascais! Tuesday 14 July, 10am from "
                                            "Doca de Santo Amaro. Sent you the invite"),
    ("28/06/2026", "11:21", "Alice Martin", "Things to bring:\n- sunscreen (seriously, bring sunscreen)\n"
                                            "- a jumper for the boat\n- comfy shoes for the hills\n"
                                            "- an empty stomach for pastéis de nata"),
    ("28/06/2026", "11:45", "Maya Okafor", "Haha noted. Can't wait!"),
    ("10/07/2026", "10:20", "Maya Okafor", "Landed! Where are you?"),
    ("10/07/2026", "10:22", "Alice Martin", "Arrivals, by the café. Yellow dress 💛"),
    ("11/07/2026", "19:20", "Alice Martin", "Running 10 min late, start without me if the table is ready"),
    ("11/07/2026", "23:58", "Maya Okafor", "<Media omitted>"),
    ("11/07/2026", "23:59", "Maya Okafor", "Best dinner ever. Thank you!!"),
    ("14/07/2026", "08:30", "Alice Martin", "Boat leaves at 10 sharp. Don't forget the sunscreen!"),
    ("17/07/2026", "17:05", "Maya Okafor", "At the airport. Thank you for the most wonderful week ❤️"),
    ("12/11/2026", "20:10", "Alice Martin", "Are you two coming for New Year? Lucas says hi"),
    ("12/11/2026", "20:31", "Maya Okafor", "Maybe! Let me check with Daniel"),
]

WHATSAPP_FAMILY = [
    ("14/02/2026", "09:00:12", "Okafor family", "\u200eMessages and calls are end-to-end encrypted. No one "
                                                "outside of this chat, not even WhatsApp, can read or listen to them."),
    ("14/02/2026", "09:00:12", "Okafor family", "\u200eGrace Adeyemi created group “Okafor family”"),
    ("14/02/2026", "09:01:40", "Grace Adeyemi", "Hello my dears, I made a group so we can all talk together!"),
    ("14/02/2026", "09:15:02", "Daniel Okafor", "Hi Grace 👋"),
    ("14/02/2026", "10:02:51", "Maya Okafor", "Welcome to WhatsApp groups Mum 😄"),
    ("05/04/2026", "12:30:00", "Grace Adeyemi", "Easter lunch at 1pm. Who is bringing the rice?"),
    ("05/04/2026", "12:41:19", "Daniel Okafor", "I'll bring it"),
    ("09/07/2026", "21:03:44", "Grace Adeyemi", "Safe travels to Lisbon tomorrow! Send photos"),
    ("11/07/2026", "22:10:05", "Maya Okafor", "\u200e<attached: 00000012-PHOTO-2026-07-11-22-10-05.jpg>"),
    ("11/07/2026", "22:10:30", "Maya Okafor", "Dinner with Alice at Casa do Alentejo!"),
    ("11/07/2026", "22:30:11", "Grace Adeyemi", "Beautiful! Say hello to Alice from me"),
    ("16/08/2026", "16:20:00", "Grace Adeyemi", "Thank you both for the lovely birthday lunch.\n"
                                                 "The cake was perfect.\nI am a lucky mum ❤️"),
    ("21/11/2026", "18:02:33", "Grace Adeyemi", "Sunday lunch tomorrow? I'm making pepper soup"),
    ("21/11/2026", "18:10:09", "Daniel Okafor", "Yes please!"),
    ("21/11/2026", "18:12:47", "Maya Okafor", "We'll be there at 1. Need anything?"),
    ("21/11/2026", "18:20:00", "Grace Adeyemi", "Just bring yourselves"),
]


def write_whatsapp(out: Path) -> None:
    lines = []
    for day, time, author, text in WHATSAPP_ALICE:
        lines.append(f"{day}, {time} - {text}" if author is None else f"{day}, {time} - {author}: {text}")
    (out / "WhatsApp Chat with Alice Martin.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    family = []
    for day, time, author, text in WHATSAPP_FAMILY:
        family.append(f"[{day}, {time}] {author}: {text}")
    info = zipfile.ZipInfo("_chat.txt", date_time=(2026, 11, 22, 9, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, ("\n".join(family) + "\n").encode("utf-8"))
    (out / "WhatsApp Chat - Okafor family.zip").write_bytes(buffer.getvalue())


ALICE_PHONE = "+351912345678"
DANIEL_PHONE = "+447700900456"


def imessage_chats() -> list[dict]:
    def msg(stamp: str, offset: float, text: str, handle: str, from_me: bool = False, **extra) -> dict:
        return {"when": at(stamp, offset), "text": text, "handle": handle, "from_me": from_me, **extra}

    alice = [
        msg("2026-06-15 19:02", 1, "Did you get my email? Dinner is Saturday 11 July, 8pm, Casa do Alentejo",
            ALICE_PHONE),
        msg("2026-06-15 19:05", 1, "Got it! Booked in the calendar 🗓️", ALICE_PHONE, True),
        msg("2026-06-28 11:30", 1, "Also: I booked the boat trip to Cascais for the Tuesday. "
            "It's a small sailing boat, about 4 hours", ALICE_PHONE),
        msg("2026-07-13 21:40", 1, "Boat leaves at 10 from Doca de Santo Amaro, don't be late! "
            "And bring sunscreen", ALICE_PHONE, attributed_only=True),
        msg("2026-07-13 21:44", 1, "We'll be there at 9:45 ⛵", ALICE_PHONE, True),
        msg("2026-07-14 16:10", 1, "Photos from the boat!", ALICE_PHONE,
            attachments=[{"filename": "~/Library/Messages/Attachments/4f/15/IMG_4530.HEIC",
                          "mime_type": "image/heic", "uti": "public.heic", "total_bytes": 1843200}]),
    ]
    daniel = [
        msg("2026-11-18 17:45", 0, "Running late, train is stuck at Finsbury Park. Home by 7:30", DANIEL_PHONE),
        msg("2026-11-18 17:46", 0, "No worries, I'll start dinner", DANIEL_PHONE, True),
        msg("2026-11-20 16:02", 0, "Can you pick up milk on the way home?", DANIEL_PHONE, True),
        msg("2026-11-20 16:20", 0, "Will do. Anything else?", DANIEL_PHONE),
        msg("2026-11-20 16:21", 0, "Bread and eggs please ❤️", DANIEL_PHONE, True),
        msg("2026-11-22 12:05", 0, "Running late for lunch at Grace's, 15 min", DANIEL_PHONE),
    ]
    return [
        {"identifier": ALICE_PHONE, "display_name": "", "messages": alice},
        {"identifier": DANIEL_PHONE, "display_name": "", "messages": daniel},
    ]


def _telegram_message(number: int, stamp: str, offset: float, sender: str, text) -> dict:
    when = at(stamp, offset)
    entities = []
    for part in (text if isinstance(text, list) else [text]):
        entities.append({"type": "plain", "text": part} if isinstance(part, str) else part)
    return {
        "id": number, "type": "message", "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
        "date_unixtime": str(int(when.timestamp())),
        "from": sender, "from_id": "user481516" if sender == "Bob Chen" else "user123456",
        "text": text, "text_entities": entities,
    }


def telegram_export() -> dict:
    msgs = [
        _telegram_message(101, "2026-04-08 09:31", 1, "Bob Chen",
                          ["Sent you the ", {"type": "bold", "text": "Q1 quarterly report"}, " draft by email"]),
        _telegram_message(102, "2026-04-08 09:40", 1, "Maya Okafor", "On it, numbers this afternoon"),
        _telegram_message(103, "2026-07-03 16:50", 1, "Bob Chen",
                          ["Call me about the budget when you have 10 minutes. Sheet: ",
                           {"type": "link", "text": "https://sheets.example.com/budget-2026"}]),
        _telegram_message(104, "2026-07-03 17:05", 1, "Maya Okafor", "Tomorrow at 10?"),
        _telegram_message(105, "2026-07-03 17:06", 1, "Bob Chen", "👍"),
        _telegram_message(106, "2026-11-20 16:35", 0, "Bob Chen",
                          ["Just emailed you - I need the ", {"type": "bold", "text": "Q4 numbers"},
                           " by ", {"type": "italic", "text": "Friday 27 November"},
                           ", otherwise the quarterly report slips. ",
                           {"type": "mention", "text": "@maya_okafor"}]),
        _telegram_message(107, "2026-11-20 18:02", 0, "Bob Chen", "Also: budget forecast for December, "
                          "same deadline if you can"),
    ]
    return {"name": "Bob Chen", "type": "personal_chat", "id": 481516, "messages": msgs}


def _sms_attrs(when: datetime) -> dict[str, str]:
    """``date`` (UTC milliseconds) and ``readable_date`` (the phone's wall clock, Android style)."""
    return {"date": str(int(when.timestamp() * 1000)),
            "readable_date": f"{when:%b} {when.day}, {when:%Y %I:%M:%S %p}"}


def _xml_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", "&#10;"))


def sms_backup_xml() -> str:
    items: list[str] = []

    def sms(address: str, contact: str, when: datetime, kind: int, body: str) -> None:
        a = _sms_attrs(when)
        items.append(
            f'  <sms protocol="0" address="{_xml_attr(address)}" date="{a["date"]}" type="{kind}" subject="null" '
            f'body="{_xml_attr(body)}" toa="null" sc_toa="null" service_center="null" read="1" status="-1" '
            f'locked="0" date_sent="{a["date"]}" sub_id="1" readable_date="{a["readable_date"]}" '
            f'contact_name="{_xml_attr(contact)}" />')

    sms("SmileDental", "Smile Dental Clinic", bst("2026-05-31 10:00"), 1,
        "Smile Dental: reminder of your appointment with Dr Shah on Tue 2 Jun at 09:30. Reply C to confirm.")
    sms("SmileDental", "Smile Dental Clinic", bst("2026-05-31 10:12"), 2, "C")
    sms("SmileDental", "Smile Dental Clinic", at("2026-11-22 10:00"), 1,
        "Smile Dental: reminder of your appointment with Dr Shah on Thu 3 Dec at 09:30, 12 Harley St. "
        "Reply C to confirm or call 020 7946 0123.")
    sms("ParcelGo", "(Unknown)", at("2026-11-22 08:05"), 1,
        "ParcelGo: your parcel PG-48210 arrives today 12:00-16:00. Delivery code 4821. Track: parcelgo.example.com/t/48210")
    sms("+447700900789", "Grace Adeyemi", at("2026-11-21 17:30"), 1,
        "Maya it's Mum, my WhatsApp isn't working. Lunch tomorrow at 1?")
    sms("+447700900789", "Grace Adeyemi", at("2026-11-21 17:42"), 2, "Yes Mum, see you at 1. xx")
    mms_when = bst("2026-08-16 15:05")
    a = _sms_attrs(mms_when)
    image = base64.b64encode(tiny_jpeg((250, 200, 120))).decode("ascii")
    items.append(
        f'  <mms date="{a["date"]}" ct_t="application/vnd.wap.multipart.related" msg_box="1" '
        f'address="+447700900456" rr="129" sub="null" read="1" m_id="mms-20260816-1505" '
        f'readable_date="{a["readable_date"]}" contact_name="Daniel Okafor" seen="1" text_only="0">\n'
        '    <parts>\n'
        '      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" fn="null" cid="&lt;smil&gt;" '
        'cl="smil.xml" ctt_s="null" ctt_t="null" text="&lt;smil&gt;&lt;body&gt;&lt;par dur=&quot;5000ms&quot;&gt;'
        '&lt;img src=&quot;IMG_0816.jpg&quot;/&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;" />\n'
        f'      <part seq="0" ct="image/jpeg" name="IMG_0816.jpg" chset="null" cd="null" fn="null" '
        f'cid="&lt;IMG_0816&gt;" cl="IMG_0816.jpg" ctt_s="null" ctt_t="null" text="null" data="{image}" />\n'
        '      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;text0&gt;" '
        'cl="text0.txt" ctt_s="null" ctt_t="null" text="Grace with her birthday cake - she loved it!" />\n'
        '    </parts>\n'
        '    <addrs>\n'
        '      <addr address="+447700900456" type="137" charset="106" />\n'
        '      <addr address="+447700900123" type="151" charset="106" />\n'
        '    </addrs>\n'
        '  </mms>')
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
            "<!--File Created By SMS Backup & Restore v10.20.002 on 22/11/2026 20:00:00-->\n"
            f'<smses count="{len(items)}" backup_set="8f2c6d1e-0000-4000-8000-000000000001" '
            'backup_date="1795377600000" type="full">\n' + "\n".join(items) + "\n</smses>\n")


def write_messages(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_whatsapp(out)
    write_chat_db(out / "chat.db", imessage_chats())
    tg_dir = out / "Telegram Bob Chen"
    tg_dir.mkdir(parents=True, exist_ok=True)
    (tg_dir / "result.json").write_text(json.dumps(telegram_export(), ensure_ascii=False, indent=1) + "\n",
                                        encoding="utf-8")
    (out / "sms-20261122200000.xml").write_text(sms_backup_xml(), encoding="utf-8")


# --- photos ---------------------------------------------------------------------------------------

LISBON = (38.7223, -9.1393, 45.0)
ALFAMA = (38.7115, -9.1300, 60.0)
BELEM = (38.6916, -9.2160, 8.0)
CASCAIS = (38.6979, -9.4215, 2.0)
LONDON = (51.5074, -0.1278, 20.0)
HAMPSTEAD = (51.5560, -0.1780, 100.0)
PORTO = (41.1496, -8.6109, 30.0)
IPHONE = ("Apple", "iPhone 15 Pro")
PIXEL = ("Google", "Pixel 8")

PHOTOS = [
    # (relative path, when, gps, camera, people, keywords, title, color)
    ("2025/IMG_2104.JPG", at("2025-09-12 18:40", 1), PORTO, IPHONE, ["Daniel Okafor"],
     ["porto", "river", "sunset"], "Ribeira at sunset", (210, 120, 70)),
    ("2025/IMG_2131.JPG", at("2025-09-13 11:05", 1), PORTO, IPHONE, ["Daniel Okafor"],
     ["bridge", "Dom Luís"], None, (90, 120, 150)),
    ("2025/PXL_20250914_153012345.jpg", at("2025-09-14 15:30", 1), (41.1380, -8.6130, 60.0), PIXEL,
     ["Maya Okafor"], ["port cellar", "wine"], "Port tasting in Gaia", (120, 40, 60)),
    ("2026/IMG_3302.JPG", at("2026-03-14 12:10", 0), HAMPSTEAD, IPHONE, ["Daniel Okafor"],
     ["park", "spring"], "Hampstead Heath walk", (90, 150, 80)),
    ("2026/IMG_4402.JPG", at("2026-07-10 13:20", 1), ALFAMA, IPHONE, ["Daniel Okafor"],
     ["tram", "Alfama"], "Tram 28 in Alfama", (240, 200, 40)),
    ("2026/IMG_4415.JPG", at("2026-07-10 20:55", 1), LISBON, IPHONE, ["Daniel Okafor", "Alice Martin"],
     ["sunset", "miradouro"], "Sunset at the miradouro", (240, 130, 60)),
    ("2026/IMG_4431.JPG", at("2026-07-11 20:15", 1), LISBON, IPHONE,
     ["Daniel Okafor", "Alice Martin", "Lucas Ferreira"], ["dinner", "Casa do Alentejo"],
     "Dinner at Casa do Alentejo", (150, 60, 40)),
    ("2026/IMG_4452.JPG", at("2026-07-12 11:30", 1), BELEM, IPHONE, ["Daniel Okafor"],
     ["pastéis de nata", "Belém"], None, (230, 190, 120)),
    ("2026/PXL_20260713_101502118.jpg", at("2026-07-13 10:15", 1), (38.6790, -9.3250, 5.0), PIXEL,
     ["Maya Okafor"], ["beach"], "Beach day", (70, 170, 210)),
    ("2026/IMG_4521.JPG", at("2026-07-14 10:05", 1), LISBON, IPHONE, [],  # people in IMG_4521.xmp
     ["boat", "harbour"], "Leaving Doca de Santo Amaro", (60, 110, 180)),
    ("2026/IMG_4530.JPG", at("2026-07-14 12:40", 1), CASCAIS, IPHONE, ["Daniel Okafor", "Alice Martin"],
     ["boat", "sea", "Cascais"], "Boat trip to Cascais", (40, 120, 200)),
    ("2026/IMG_4544.JPG", at("2026-07-15 19:50", 1), LISBON, IPHONE, ["Daniel Okafor"],
     ["sunset", "beach", "tram"], None, (250, 150, 90)),
    ("2026/IMG_4560.JPG", at("2026-07-16 09:30", 1), LISBON, IPHONE, ["Alice Martin"],
     ["breakfast", "café"], "Last breakfast with Alice", (200, 170, 130)),
    ("2026/IMG_4890.JPG", at("2026-08-16 14:10", 1), LONDON, IPHONE, ["Grace Adeyemi", "Daniel Okafor"],
     ["birthday", "cake", "family"], "Mum's birthday lunch", (250, 200, 120)),
    ("2026/PXL_20261003_164401877.jpg", at("2026-10-03 16:44", 1), (51.5007, -0.1246, 10.0), PIXEL,
     [], ["Westminster", "river"], None, (130, 130, 140)),
    ("2026/IMG_5120.JPG", at("2026-11-14 15:20", 0), LONDON, IPHONE, ["Daniel Okafor"],
     ["autumn", "market"], "Borough Market", (170, 90, 40)),
]

SIDECAR_PEOPLE = {"2026/IMG_4521.JPG": ["Daniel Okafor", "Alice Martin"]}


def xmp_sidecar(people: list[str], when: datetime) -> str:
    regions = []
    for index, name in enumerate(people):
        x = (index + 0.5) / len(people)
        regions.append(
            "     <rdf:li>\n      <rdf:Description mwg-rs:Name=\"{}\" mwg-rs:Type=\"Face\">\n"
            "       <mwg-rs:Area stArea:x=\"{:.3f}\" stArea:y=\"0.420\" stArea:w=\"0.180\" stArea:h=\"0.260\" "
            "stArea:unit=\"normalized\"/>\n      </rdf:Description>\n     </rdf:li>\n".format(name, x))
    names = "".join(f"     <rdf:li>{n}</rdf:li>\n" for n in people)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"\n'
        '    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"\n'
        '    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        f'    xmp:CreateDate="{when.isoformat(timespec="seconds")}">\n'
        '   <mwg-rs:Regions rdf:parseType="Resource">\n'
        '    <mwg-rs:AppliedToDimensions stDim:w="64" stDim:h="48" stDim:unit="pixel"/>\n'
        '    <mwg-rs:RegionList>\n     <rdf:Bag>\n' + "".join(regions) +
        '     </rdf:Bag>\n    </mwg-rs:RegionList>\n   </mwg-rs:Regions>\n'
        '   <Iptc4xmpExt:PersonInImage>\n    <rdf:Bag>\n' + names +
        '    </rdf:Bag>\n   </Iptc4xmpExt:PersonInImage>\n'
        '  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>\n'
    )


def write_photos(out: Path) -> int:
    for rel, when, gps, (make, model), people, keywords, title, color in PHOTOS:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_photo(target, when=when, gps=gps, make=make, model=model, people=people,
                    keywords=keywords, title=title, color=color)
        if rel in SIDECAR_PEOPLE:
            target.with_suffix(".xmp").write_text(xmp_sidecar(SIDECAR_PEOPLE[rel], when), encoding="utf-8")
    return len(PHOTOS)


# --- contacts -------------------------------------------------------------------------------------

def _card(lines: list[str]) -> str:
    return "\r\n".join(["BEGIN:VCARD"] + lines + ["END:VCARD"]) + "\r\n"


def contacts_vcf() -> str:
    cards = [
        _card(["VERSION:4.0", "UID:urn:uuid:6f1c2a9e-0d6b-4a8e-9a51-000000000001", "FN:Maya Okafor",
               "N:Okafor;Maya;;;", "EMAIL;TYPE=home,pref:maya.okafor@example.com",
               "TEL;TYPE=cell;VALUE=uri:tel:+44-7700-900123", "ADR;TYPE=home:;;21 Albion Road;London;;N16 9PL;UK",
               "BDAY:19880419", "RELATED;TYPE=spouse;VALUE=text:Daniel Okafor",
               "RELATED;TYPE=parent;VALUE=text:Grace Adeyemi", "RELATED;TYPE=friend;VALUE=text:Alice Martin",
               "RELATED;TYPE=co-worker;VALUE=text:Bob Chen", "X-KITH-ME:1",
               "REV:20261101T090000Z"]),
        _card(["VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 18.1//EN", "N:Okafor;Daniel;;;",
               "FN:Daniel Okafor", "NICKNAME:Dan", "EMAIL;type=INTERNET;type=HOME;type=pref:dan.okafor@example.net",
               "TEL;type=CELL;type=VOICE;type=pref:+44 7700 900456", "BDAY:1986-02-03",
               "item1.X-ABRELATEDNAMES:Maya Okafor", "item1.X-ABLabel:_$!<Spouse>!$_",
               "item2.ADR;type=HOME;type=pref:;;21 Albion Road;London;;N16 9PL;United Kingdom",
               "item2.X-ABADR:gb", "X-ABUID:2B7F3C1A-5D3E-4C8A-9E1F-00000000D001:ABPerson"]),
        _card(["VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 18.1//EN", "N:Adeyemi;Grace;;;",
               "FN:Grace Adeyemi", "NICKNAME:Mum", "EMAIL;type=INTERNET;type=HOME:grace.adeyemi@example.org",
               "TEL;type=CELL;type=VOICE:+44 7700 900789", "BDAY:1958-08-14",
               "item1.X-ABRELATEDNAMES:Maya Okafor", "item1.X-ABLabel:_$!<Child>!$_",
               "ADR;type=HOME:;;7 Elm Grove;London;;SE15 4QX;United Kingdom"]),
        _card(["VERSION:4.0", "UID:urn:uuid:6f1c2a9e-0d6b-4a8e-9a51-000000000004", "FN:Alice Martin",
               "N:Martin;Alice;;;", "EMAIL;TYPE=home:alice.martin@example.org",
               "TEL;TYPE=cell;VALUE=uri:tel:+351-912-345-678",
               "ADR;TYPE=home:;;Rua da Saudade 14;Lisbon;;1100-583;Portugal",
               "RELATED;TYPE=sweetheart;VALUE=text:Lucas Ferreira", "CATEGORIES:Friends",
               "NOTE:Friend from university. Lives in Lisbon with Lucas."]),
        _card(["VERSION:3.0", "N:Walker;Alice;;;", "FN:Alice Walker", "ORG:Northwind Analytics;Programmes",
               "TITLE:Programme Manager", "EMAIL;TYPE=INTERNET,WORK:alice.walker@example.com",
               "TEL;TYPE=WORK,VOICE:+44 20 7946 0456", "CATEGORIES:Work"]),
        _card(["VERSION:3.0", "N:Chen;Bob;;;", "FN:Bob Chen", "ORG:Northwind Analytics;Finance",
               "TITLE:Finance Lead", "EMAIL;TYPE=INTERNET,WORK:bob.chen@example.com",
               "TEL;TYPE=CELL:+44 7700 900555", "X-TELEGRAM:bobchen", "CATEGORIES:Work"]),
        _card(["VERSION:3.0", "N:Shah;Priya;;Dr.;", "FN:Dr. Priya Shah", "ORG:Smile Dental Clinic",
               "TITLE:Dentist", "EMAIL;TYPE=INTERNET,WORK:reception@smiledental.example.com",
               "TEL;TYPE=WORK,VOICE:+44 20 7946 0123", "ADR;TYPE=WORK:;;12 Harley St;London;;W1G 9PG;United Kingdom",
               "URL:https://smiledental.example.com"]),
        _card(["VERSION:4.0", "KIND:org", "FN:Smile Dental Clinic", "ORG:Smile Dental Clinic",
               "EMAIL;TYPE=work:reception@smiledental.example.com", "TEL;TYPE=work;VALUE=uri:tel:+44-20-7946-0123",
               "ADR;TYPE=work:;;12 Harley St;London;;W1G 9PG;UK"]),
        _card(["VERSION:3.0", "N:Ferreira;Lucas;;;", "FN:Lucas Ferreira",
               "EMAIL;TYPE=INTERNET:lucas.ferreira@example.org", "TEL;TYPE=CELL:+351 913 222 111",
               "NOTE:Alice's partner"]),
        _card(["VERSION:3.0", "N:Patel;Nina;;;", "FN:Nina Patel", "ORG:Northwind Analytics",
               "TITLE:Head of Finance", "EMAIL;TYPE=INTERNET,WORK:nina.patel@example.com",
               "TEL;TYPE=WORK:+44 20 7946 0999"]),
        _card(["VERSION:3.0", "N:Turner;Sophie;;;", "FN:Sophie Turner", "EMAIL;TYPE=INTERNET:sophie.turner@example.org",
               "TEL;TYPE=CELL:+44 7700 900321", "NOTE:Book club"]),
        _card(["VERSION:3.0", "N:Bello;Fatima;;;", "FN:Fatima Bello", "EMAIL;TYPE=INTERNET:fatima.bello@example.net",
               "TEL;TYPE=CELL:+44 7700 900654", "ADR;TYPE=HOME:;;;Manchester;;;United Kingdom",
               "NOTE:Cousin (Grace's niece)"]),
        _card(["VERSION:3.0", "N:Clarke;Emma;;;", "FN:Emma Clarke", "TEL;TYPE=CELL:+44 7700 900888",
               "NOTE:Neighbour at no. 23, has a spare key"]),
        _card(["VERSION:3.0", "N:Grant;Oliver;;;", "FN:Oliver Grant", "ORG:Northside Gym", "TITLE:Personal trainer",
               "EMAIL;TYPE=INTERNET,WORK:members@northsidegym.example.com", "TEL;TYPE=WORK:+44 20 7946 0777"]),
        _card(["VERSION:3.0", "N:Rossi;Marco;;;", "FN:Marco Rossi", "ORG:Rossi Plumbing & Heating",
               "TEL;TYPE=WORK:+44 7700 900999", "NOTE:Boiler service every September"]),
        _card(["VERSION:3.0", "N:Kim;Hannah;;;", "FN:Hannah Kim", "ORG:Northwind Analytics;People",
               "TITLE:HR Partner", "EMAIL;TYPE=INTERNET,WORK:hannah.kim@example.com"]),
        _card(["VERSION:3.0", "N:Silva;João;;;", "FN:João Silva", "ORG:Casa do Alentejo",
               "EMAIL;TYPE=INTERNET,WORK:reservas@casa-do-alentejo.example.net", "TEL;TYPE=WORK:+351 213 400 000",
               "ADR;TYPE=WORK:;;Rua das Portas de Santo Antão 58;Lisboa;;1150-268;Portugal"]),
    ]
    return "".join(cards)


# --- calendar -------------------------------------------------------------------------------------

VTIMEZONES = [
    "BEGIN:VTIMEZONE", "TZID:Europe/London",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", "TZNAME:BST", "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "TZNAME:GMT", "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE",
    "BEGIN:VTIMEZONE", "TZID:Europe/Lisbon",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", "TZNAME:WEST", "DTSTART:19960331T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "TZNAME:WET", "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE",
]


def _event(uid: str, summary: str, start: str, end: str, *, location: str | None = None,
           description: str | None = None, extra: list[str] | None = None) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{uid}@kith-sample.example.com", "DTSTAMP:20261101T090000Z", start, end,
             f"SUMMARY:{summary}"]
    if location:
        lines.append("LOCATION:" + location.replace(",", "\\,"))
    if description:
        lines.append("DESCRIPTION:" + description.replace(",", "\\,").replace("\n", "\\n"))
    return lines + (extra or []) + ["END:VEVENT"]


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def calendar_ics() -> str:
    alarm = ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER:-P1D", "END:VALARM"]
    dentist_loc = "Smile Dental Clinic, 12 Harley St, London"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Maya Okafor//kith sample calendar//EN",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:Personal", "X-WR-TIMEZONE:Europe/London"] + VTIMEZONES
    lines += _event("porto-2025", "Porto weekend", "DTSTART;VALUE=DATE:20250912", "DTEND;VALUE=DATE:20250916",
                    location="Porto, Portugal", description="Casa da Ribeira, booking STY-88213")
    lines += _event("team-sync-bob", "Team sync with Bob",
                    "DTSTART;TZID=Europe/London:20260105T100000", "DTEND;TZID=Europe/London:20260105T103000",
                    location="Northwind Analytics, room 4.02 / video call",
                    description="Weekly finance sync: quarterly report, budget, open questions.",
                    extra=["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20261221T235959Z",
                           "EXDATE;TZID=Europe/London:20260406T100000,20260713T100000,20260831T100000",
                           "ORGANIZER;CN=Bob Chen:mailto:bob.chen@example.com",
                           "ATTENDEE;CN=Maya Okafor;PARTSTAT=ACCEPTED:mailto:maya.okafor@example.com"])
    lines += _event("dentist-20260602", "Dentist: check-up with Dr. Priya Shah",
                    "DTSTART;TZID=Europe/London:20260602T093000", "DTEND;TZID=Europe/London:20260602T100000",
                    location=dentist_loc, description="Check-up and cleaning at Smile Dental Clinic.",
                    extra=alarm)
    lines += _event("fatima-wedding", "Fatima & Emeka's wedding", "DTSTART;VALUE=DATE:20260606",
                    "DTEND;VALUE=DATE:20260607", location="Manchester")
    lines += _event("lisbon-trip", "Lisbon trip", "DTSTART;VALUE=DATE:20260710", "DTEND;VALUE=DATE:20260718",
                    location="Lisbon, Portugal",
                    description="With Daniel. Hotel Alfama Azul (AZ-55120). Flights FA 1432 / FA 1437.",
                    extra=["TRANSP:TRANSPARENT"])
    lines += _event("flight-fa1432", "Flight FA 1432 London Heathrow to Lisbon",
                    "DTSTART;TZID=Europe/London:20260710T071500", "DTEND;TZID=Europe/Lisbon:20260710T100500",
                    location="London Heathrow Terminal 5", description="Booking reference FA7Q2K, seats 14A/14B")
    lines += _event("dinner-casa-do-alentejo", "Dinner at Casa do Alentejo",
                    "DTSTART;TZID=Europe/Lisbon:20260711T200000", "DTEND;TZID=Europe/Lisbon:20260711T230000",
                    location="Casa do Alentejo, Rua das Portas de Santo Antão 58, Lisbon",
                    description="Dinner with Alice Martin and Lucas Ferreira, table for four (Sala São Jorge).",
                    extra=["ATTENDEE;CN=Alice Martin:mailto:alice.martin@example.org",
                           "ATTENDEE;CN=Daniel Okafor:mailto:dan.okafor@example.net"])
    lines += _event("boat-trip-cascais", "Boat trip to Cascais",
                    "DTSTART;TZID=Europe/Lisbon:20260714T100000", "DTEND;TZID=Europe/Lisbon:20260714T150000",
                    location="Doca de Santo Amaro, Lisbon", description="Booked by Alice. Bring sunscreen!")
    lines += _event("flight-fa1437", "Flight FA 1437 Lisbon to London Heathrow",
                    "DTSTART;TZID=Europe/Lisbon:20260717T184000", "DTEND;TZID=Europe/London:20260717T212500",
                    location="Lisbon Airport")
    lines += _event("grace-birthday", "Mum's birthday (Grace)", "DTSTART;VALUE=DATE:20250814",
                    "DTEND;VALUE=DATE:20250815", description="Grace Adeyemi's birthday",
                    extra=["RRULE:FREQ=YEARLY", "TRANSP:TRANSPARENT", "CATEGORIES:Birthday"])
    lines += _event("grace-birthday-lunch-2026", "Birthday lunch at Mum's",
                    "DTSTART;TZID=Europe/London:20260816T130000", "DTEND;TZID=Europe/London:20260816T160000",
                    location="7 Elm Grove, London")
    lines += _event("boiler-service", "Boiler service (Marco Rossi)",
                    "DTSTART;TZID=Europe/London:20260923T080000", "DTEND;TZID=Europe/London:20260923T120000",
                    location="Home")
    lines += _event("q4-deadline", "Q4 report deadline: send Q4 numbers to Bob",
                    "DTSTART;TZID=Europe/London:20261127T170000", "DTEND;TZID=Europe/London:20261127T173000",
                    description="Bob needs the Q4 numbers and the December budget forecast for the quarterly report.",
                    extra=alarm)
    lines += _event("dentist-20261203", "Dentist: check-up with Dr. Priya Shah",
                    "DTSTART;TZID=Europe/London:20261203T093000", "DTEND;TZID=Europe/London:20261203T101500",
                    location=dentist_loc, description="Check-up and hygienist at Smile Dental Clinic.",
                    extra=alarm)
    lines += _event("offsite-dec", "Team offsite", "DTSTART;VALUE=DATE:20261209",
                    "DTEND;VALUE=DATE:20261211", location="Brighton",
                    description="Organised by Alice Walker.")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# --- main -----------------------------------------------------------------------------------------



def generate(out: Path) -> dict[str, int]:
    """Write all sample data into ``out`` (replacing it); return a few counts."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts = write_mail(out)
    write_messages(out / "messages")
    counts["photos"] = write_photos(out / "photos")
    (out / "contacts").mkdir()
    (out / "contacts" / "contacts.vcf").write_bytes(contacts_vcf().encode("utf-8"))
    (out / "calendar").mkdir()
    (out / "calendar" / "personal.ics").write_bytes(calendar_ics().encode("utf-8"))
    for path in sorted(out.rglob("*")):  # fixed mtimes: re-generation looks unchanged to size+mtime checks
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: samples/data)")
    args = parser.parse_args(argv)
    counts = generate(args.out)
    print(f"wrote {args.out}: {counts['mbox']} mbox + {counts['maildir']} Maildir mails, "
          f"{counts['photos']} photos, messages, contacts, calendar")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
