"""Date slots from the user's own words: ``DateSlotter`` finds date mentions (ranges, and a point
when a clock time is given) relative to an injected ``now``, and ``date_slots`` turns them into
since/until or ``at`` slots. Spoken forms ("last week", "since Monday", "last summer", "tomorrow at
9") have rules; explicit dates ("3 December", "2026-12-03") go through ``dateparser``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from agent.plan import Slot

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_WEEKDAY_RE = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"
_TIME_RE = r"(?:at\s+)?(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?"
_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
              "nine": 9, "ten": 10, "a": 1, "an": 1, "couple of": 2, "few": 3}


@dataclass
class DateMention:
    """A date expression: a range [start, end] and, when a clock time was given, a point."""

    text: str
    span: tuple[int, int]
    start: datetime | None
    end: datetime | None
    point: datetime | None = None
    open_start: bool = False   # "since Monday": no end
    has_time: bool = False


def _day_start(d: date, tz) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=tz)


def _day_end(d: date, tz) -> datetime:
    return datetime.combine(d, time(23, 59, 59), tzinfo=tz)


def _month_range(year: int, month: int, tz) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return _day_start(first, tz), _day_end(nxt - timedelta(days=1), tz)


def _clock(match: re.Match | None) -> time | None:
    if not match or match.group("hour") is None:
        return None
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    ampm = (match.group("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _weekday_index(word: str) -> int:
    word = word.lower()
    for i, name in enumerate(WEEKDAYS):
        if name.startswith(word[:3]):
            return i
    raise ValueError(word)


class DateSlotter:
    """Finds date mentions in a question. ``prefer`` is "past" for questions, "future" for actions."""

    def __init__(self, now: datetime, prefer: str = "past") -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now
        self.tz = now.tzinfo
        self.today = now.date()
        self.prefer = prefer
        time_tail = rf"(?:\s+{_TIME_RE})?"
        self.rules: list[tuple[re.Pattern[str], Callable[[re.Match], DateMention | None]]] = [
            (re.compile(rf"\b(?:since|after)\s+(?P<inner>last\s+(?:week|month|year)|yesterday|{_WEEKDAY_RE}|{_MONTH_RE}(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RE}(?:\s+\d{{4}})?)\b", re.I), self._since),
            (re.compile(rf"\b(?P<rel>last|past|previous|next|coming)\s+(?P<n>\d+|{'|'.join(_NUM_WORDS)})\s+(?P<unit>days?|weeks?|months?|years?|hours?)\b", re.I), self._last_n),
            (re.compile(rf"\b(?P<day>today|tonight|tomorrow|yesterday|day after tomorrow){time_tail}\b", re.I), self._day_word),
            (re.compile(rf"\b(?P<rel>last|this|next|coming)\s+(?P<unit>week|weekend|month|year)\b", re.I), self._relative_unit),
            (re.compile(r"\b(?P<rel>last|this|next)?\s*(?P<season>spring|summer|autumn|fall|winter)(?:\s+(?P<year>\d{4}))?\b", re.I), self._season),
            (re.compile(rf"\b(?:(?P<rel>last|this|next|on)\s+)?(?P<wd>{_WEEKDAY_RE}){time_tail}\b", re.I), self._weekday),
            (re.compile(rf"\b(?:on\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH_RE})|(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)(?:,?\s+(?P<y>\d{{4}}))?{time_tail}\b", re.I), self._explicit_day),
            (re.compile(rf"\b(?:on\s+)?(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})(?:[ T]{_TIME_RE})?\b", re.I), self._explicit_day),
            (re.compile(rf"\b(?:in\s+|during\s+)?(?P<month>{_MONTH_RE})(?:\s+(?P<year>\d{{4}}))?\b", re.I), self._month),
            (re.compile(r"\bin\s+(?P<year>(?:19|20)\d{2})\b", re.I), self._year),
            (re.compile(rf"\bat\s+(?P<hour>\d{{1,2}})(?::(?P<minute>\d{{2}}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?\b", re.I), self._bare_time),
        ]

    # ----------------------------------------------------------- the scanner
    def find(self, text: str) -> list[DateMention]:
        taken: list[tuple[int, int]] = []
        found: list[DateMention] = []
        for pattern, handler in self.rules:
            for match in pattern.finditer(text):
                span = match.span()
                if match.group(0).strip() == "" or any(s < span[1] and span[0] < e for s, e in taken):
                    continue
                if pattern.pattern.startswith(r"\b(?:in\s+|during\s+)?(?P<month>") and not self._month_ok(text, match):
                    continue
                try:
                    mention = handler(match)
                except (ValueError, OverflowError):
                    mention = None
                if mention is None:
                    continue
                # trim leading whitespace the optional groups may have matched
                lead = len(match.group(0)) - len(match.group(0).lstrip())
                mention.span = (span[0] + lead, span[1])
                mention.text = text[mention.span[0]:mention.span[1]]
                taken.append(mention.span)
                found.append(mention)
        return sorted(found, key=lambda m: m.span)

    @staticmethod
    def _month_ok(text: str, match: re.Match) -> bool:
        """'may' and 'march' are also verbs: take them only after in/during/since or with a year, or capitalised."""
        word = match.group("month")
        if word.lower() not in ("may", "march", "mar", "jan", "sept", "sep", "dec", "oct", "nov", "aug", "jun", "jul", "apr", "feb"):
            return True
        return bool(match.group("year")) or match.group(0).lower().startswith(("in ", "during ")) or word[0].isupper() and word.lower() != "may" or word == "May" and match.start() > 0

    # -------------------------------------------------------------- handlers
    def _mention(self, m: re.Match, start, end, point=None, open_start=False, has_time=False) -> DateMention:
        return DateMention(m.group(0), m.span(), start, end, point, open_start, has_time)

    def _since(self, m: re.Match) -> DateMention | None:
        inner = m.group("inner")
        sub = DateSlotter(self.now, prefer="past").find(inner)
        if not sub:
            parsed = self._dateparser(inner)
            if parsed is None:
                return None
            start = _day_start(parsed.date(), self.tz)
        else:
            start = sub[0].start
        return self._mention(m, start, None, open_start=True)

    def _last_n(self, m: re.Match) -> DateMention:
        raw = m.group("n").lower()
        n = int(raw) if raw.isdigit() else _NUM_WORDS[raw]
        unit = m.group("unit").lower().rstrip("s")
        delta = {"day": timedelta(days=n), "week": timedelta(weeks=n), "month": timedelta(days=30 * n),
                 "year": timedelta(days=365 * n), "hour": timedelta(hours=n)}[unit]
        if m.group("rel").lower() in ("next", "coming"):
            return self._mention(m, self.now, self.now + delta)
        return self._mention(m, self.now - delta, self.now)

    def _day_word(self, m: re.Match) -> DateMention:
        word = m.group("day").lower()
        offset = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2}[word]
        day = self.today + timedelta(days=offset)
        clock = _clock(m) or (time(20, 0) if word == "tonight" else None)
        point = datetime.combine(day, clock, tzinfo=self.tz) if clock else None
        return self._mention(m, _day_start(day, self.tz), _day_end(day, self.tz), point, has_time=clock is not None)

    def _relative_unit(self, m: re.Match) -> DateMention:
        rel, unit = m.group("rel").lower(), m.group("unit").lower()
        step = {"last": -1, "this": 0, "next": 1, "coming": 1}[rel]
        if unit == "week":
            monday = self.today - timedelta(days=self.today.weekday()) + timedelta(weeks=step)
            return self._mention(m, _day_start(monday, self.tz), _day_end(monday + timedelta(days=6), self.tz))
        if unit == "weekend":
            saturday = self.today - timedelta(days=self.today.weekday()) + timedelta(days=5, weeks=step)
            if rel == "last" and self.today.weekday() >= 5:
                saturday = self.today - timedelta(days=self.today.weekday()) + timedelta(days=5 - 7)
            return self._mention(m, _day_start(saturday, self.tz), _day_end(saturday + timedelta(days=1), self.tz))
        if unit == "month":
            index = self.today.year * 12 + self.today.month - 1 + step
            start, end = _month_range(index // 12, index % 12 + 1, self.tz)
            return self._mention(m, start, end)
        year = self.today.year + step
        return self._mention(m, _day_start(date(year, 1, 1), self.tz), _day_end(date(year, 12, 31), self.tz))

    def _season(self, m: re.Match) -> DateMention | None:
        rel = (m.group("rel") or "").lower()
        season = m.group("season").lower()
        first, last = SEASONS[season]

        def bounds(year: int) -> tuple[date, date]:
            start = date(year, first, 1)
            end_year = year + 1 if first > last else year
            end = _month_range(end_year, last, self.tz)[1].date()
            return start, end

        if m.group("year"):
            start, end = bounds(int(m.group("year")))
        else:
            year = self.today.year
            if rel == "next":
                year = year if bounds(year)[0] > self.today else year + 1
                start, end = bounds(year)
            elif rel == "this":
                start, end = bounds(year if not (first > last and self.today.month <= last) else year - 1)
            else:
                if not rel and self.prefer == "future":
                    year = year if bounds(year)[1] >= self.today else year + 1
                    start, end = bounds(year)
                else:
                    # "last summer": the most recent summer that has ended before now
                    while bounds(year)[1] >= self.today:
                        year -= 1
                    start, end = bounds(year)
        return self._mention(m, _day_start(start, self.tz), _day_end(end, self.tz))

    def _weekday(self, m: re.Match) -> DateMention | None:
        rel = (m.group("rel") or "").lower()
        target = _weekday_index(m.group("wd"))
        delta = target - self.today.weekday()
        if rel == "last" or (rel != "next" and self.prefer == "past" and not rel == "on" and delta > 0):
            delta = delta - 7 if delta >= 0 else delta
            if rel == "" and delta == -7:
                delta = 0
        elif rel == "next" or self.prefer == "future" or rel == "on":
            if self.prefer == "future" or rel == "next":
                delta = delta + 7 if delta <= 0 else delta
            elif delta > 0:
                delta -= 7
        elif delta > 0:
            delta -= 7
        day = self.today + timedelta(days=delta)
        clock = _clock(m)
        point = datetime.combine(day, clock, tzinfo=self.tz) if clock else None
        return self._mention(m, _day_start(day, self.tz), _day_end(day, self.tz), point, has_time=clock is not None)

    def _explicit_day(self, m: re.Match) -> DateMention | None:
        groups = m.groupdict()
        if groups.get("iso"):
            day = date.fromisoformat(groups["iso"])
        else:
            text = f"{groups.get('d1') or groups.get('d2')} {groups.get('m1') or groups.get('m2')}"
            if groups.get("y"):
                text += f" {groups['y']}"
            parsed = self._dateparser(text)
            if parsed is None:
                return None
            day = parsed.date()
        clock = _clock(m)
        point = datetime.combine(day, clock, tzinfo=self.tz) if clock else None
        return self._mention(m, _day_start(day, self.tz), _day_end(day, self.tz), point, has_time=clock is not None)

    def _month(self, m: re.Match) -> DateMention:
        month = MONTH_ABBR[m.group("month").lower()[:4] if m.group("month").lower().startswith("sept") else m.group("month").lower()[:3]]
        if m.group("year"):
            year = int(m.group("year"))
        else:
            year = self.today.year
            if self.prefer == "past" and month > self.today.month:
                year -= 1
            if self.prefer == "future" and month < self.today.month:
                year += 1
        start, end = _month_range(year, month, self.tz)
        return self._mention(m, start, end)

    def _year(self, m: re.Match) -> DateMention:
        year = int(m.group("year"))
        return self._mention(m, _day_start(date(year, 1, 1), self.tz), _day_end(date(year, 12, 31), self.tz))

    def _bare_time(self, m: re.Match) -> DateMention | None:
        clock = _clock(m)
        if clock is None:
            return None
        point = datetime.combine(self.today, clock, tzinfo=self.tz)
        if point <= self.now:
            point += timedelta(days=1)
        return self._mention(m, _day_start(point.date(), self.tz), _day_end(point.date(), self.tz), point, has_time=True)

    def _dateparser(self, text: str) -> datetime | None:
        import dateparser

        naive_now = self.now.replace(tzinfo=None)
        settings = {"RELATIVE_BASE": naive_now, "PREFER_DATES_FROM": "past" if self.prefer == "past" else "future",
                    "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
        return parsed.replace(tzinfo=self.tz) if parsed else None


def date_slots(mentions: list[DateMention], as_point: bool = False) -> list[Slot]:
    """Turn date mentions into since/until slots (questions) or an ``at`` point (actions)."""
    slots: list[Slot] = []
    for m in mentions:
        if as_point:
            value = m.point or (m.start.replace(hour=9) if m.start else None)
            if value is not None:
                slots.append(Slot("at", value, m.text, m.span))
            continue
        if m.start is not None:
            slots.append(Slot("since", m.start, m.text, m.span))
        if m.end is not None and not m.open_start:
            slots.append(Slot("until", m.end, m.text, m.span))
    return slots
