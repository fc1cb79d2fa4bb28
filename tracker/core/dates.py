"""Resolve the date phrase that governs a reported act.

News reports date events relative to their own publication ("yesterday", "on Sunday",
"last week"), so every phrase is resolved against the *local* publication date at the
place (Asia/Damascus for Syria; the caller passes the time zone in). Nothing here reads
the clock.

Conventions (UCDP ``date_prec``: 1 day, 2 a 2-6 day range, 3 week, 4 month, 5 year):

* A phrase that names one day resolves to that day, precision 1.
* A phrase that names a window resolves to the **first day of the window**: "last week" is
  the publication date minus 7 days (the window runs to the day before publication),
  "this week" the Monday of the publication week, "earlier this month" the 1st of the
  publication month, "last month" the 1st of the previous month, "in 2019" 1 January 2019.
* A weekday ("Sunday", "on Sunday", "late on Tuesday") is the most recent such weekday on
  or before the publication date (the same day is allowed); "last Sunday" is strictly
  before it.
* A calendar date without a year ("March 3", "3 March") is the most recent such date not
  after publication.
* "last night"/"overnight" is the previous day; precision 1 when published before noon
  (the night that just ended), 2 otherwise (the night may straddle midnight).
* No phrase at all: the publication date, precision 2, reason "no date phrase; assumed
  the report date".

A naive ``published`` datetime is taken as already being local time at the place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from tracker.core.text import CaselessPattern

NO_PHRASE_REASON = "no date phrase; assumed the report date"
MORNING_REASON = ("no date phrase; a report out before noon tells of the day before, assumed "
                  "the day before the report")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}
SMALL_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

_MONTH_ALT = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|"
    r"NOVEMBER|DECEMBER|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|JAN|FEB|MAR|APR|"
    r"JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)\.?"
)
_WEEKDAY_ALT = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"


@dataclass(frozen=True, slots=True)
class DatePhrase:
    """A date expression found in a text: its kind, offsets and parsed parts."""

    kind: str
    start: int
    end: int
    words: str
    values: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DateResolution:
    """A resolved date with its UCDP precision, the words it came from and why."""

    date: date | None
    precision: int
    words: str
    reason: str


# Order matters only for ties: at one position the longest match wins.  Case-insensitive
# patterns are CaselessPatterns (lower-case sources): the same matches, found faster.
_PATTERNS: tuple[tuple[str, re.Pattern[str] | CaselessPattern], ...] = (
    ("iso", re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")),
    (
        "dmy",
        re.compile(
            rf"\b(?:on\s+)?(?:the\s+)?({_DAY})\s+(?:of\s+)?({_MONTH_ALT})(?:,?\s+({_YEAR}))?\b"
        ),
    ),
    (
        "mdy",
        re.compile(rf"\b(?:on\s+)?({_MONTH_ALT})\s+({_DAY})(?:,?\s+({_YEAR}))?\b(?!\s*km)"),
    ),
    ("today", CaselessPattern(r"\b(?:(?:at dawn|at noon|earlier|late|early)\s+)?today\b")),
    ("today", CaselessPattern(r"\b(?:this\s+(?:morning|afternoon|evening)|tonight|(?:shortly\s+|"
                              r"just\s+|soon\s+)?after\s+midnight)\b")),
    # "beat back an attack before dawn", with no day named: the dawn of the report's day in a
    # report out after noon; a morning report tells of the day before (see report_date).
    ("dawn", CaselessPattern(r"\b(?:(?:just|shortly)\s+)?(?:before|at)\s+dawn\b(?!\s*(?:,\s*)?"
                              r"(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
                              r"sunday|yesterday|today|\d))")),
    (
        "yesterday",
        CaselessPattern(r"\b(?:(?:late|early|at dawn)\s+)?yesterday(?:\s+(?:morning|afternoon|"
                        r"evening|night))?\b"),
    ),
    ("last_night", CaselessPattern(r"\b(?:late\s+)?last\s+night\b|\bovernight\b|"
                                   r"\bduring the night\b")),
    ("days_ago", CaselessPattern(r"\b(a|one|two|three|four|five|six|[1-6])\s+days?\s+"
                                 r"(?:ago|earlier)\b")),
    ("few_days", CaselessPattern(r"\b(?:a\s+few|several)\s+days\s+ago\b")),
    ("weeks_ago", CaselessPattern(r"\b(?:about\s+|around\s+|nearly\s+)?(a|one|two|three|[1-3])"
                                  r"\s+weeks?\s+ago\b")),
    ("last_week", CaselessPattern(r"\b(?:last|the\s+past|the\s+previous)\s+week\b")),
    ("this_week", CaselessPattern(r"\b(?:earlier\s+)?this\s+week\b")),
    ("this_month", CaselessPattern(r"\b(?:earlier\s+)?this\s+month\b")),
    ("last_month", CaselessPattern(r"\blast\s+month\b")),
    # Days named by the calendar's feasts: "on New Year's Day", "on Christmas Eve".
    ("holiday", CaselessPattern(r"\b(?:on\s+)?(?:new\s+year's|new\s+year\u2019s|christmas)\s+"
                                r"(?:day|eve)\b")),
    # "at midnight between Sunday and Monday": midnight starts the second day.
    (
        "midnight",
        re.compile(
            rf"\b(?:(?:at|around|about|after|just\s+after)\s+)?midnight\s+(?:between|on|from|"
            rf"of)\s+({_WEEKDAY_ALT})\s+(?:and|to|into)\s+({_WEEKDAY_ALT})\b"
        ),
    ),
    (
        "weekday",
        re.compile(
            rf"\b(?:(?:late|early)\s+)?(?:(last|on|since)\s+)?(?:(?:late|early)\s+)?"
            rf"({_WEEKDAY_ALT})(?:'s)?{_PART}\b"
        ),
    ),
    (
        "month",
        re.compile(
            # The lead word may open the sentence ("In September, shelling ..."); the month
            # name itself stays case-sensitive ("may" is a verb).
            rf"\b((?i:in|since|during|until|by|early|late|mid-|mid|earlier in|last))\s+"
            rf"({_MONTH_ALT})(?:,?\s+({_YEAR}))?\b"
        ),
    ),
    ("month", re.compile(rf"\b()({_MONTH_ALT})\s+({_YEAR})\b")),
    (
        "year",
        CaselessPattern(
            rf"\b(in|since|during|by|until|early|late|mid-|mid|of|from)\s+({_YEAR})\b"),
    ),
)


def to_local(published: datetime, tz: tzinfo) -> datetime:
    """Express the publication time in the place's time zone (naive = already local)."""
    if published.tzinfo is None:
        return published
    return published.astimezone(tz)


# Cheap literal gates: a pattern can only match when one of its words is present, so
# most sentences skip most patterns (the classifier calls this for every sentence).
_MONTH_GATE = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
# The same search for ASCII text already lower-cased: a case-sensitive literal alternation
# lets ``re`` skip ahead, where the case-insensitive one tries every position.
_MONTH_GATE_LOWER = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_GATES: dict[str, tuple[str, ...]] = {
    "today": ("today", "this ", "tonight", "midnight"),
    "yesterday": ("yesterday",),
    "last_night": ("night",),
    "days_ago": ("day",),
    "few_days": ("days ago",),
    "weeks_ago": ("week",),
    "last_week": ("week",),
    "this_week": ("week",),
    "this_month": ("month",),
    "last_month": ("month",),
    "weekday": ("day",),
    "midnight": ("midnight",),
    "dawn": ("dawn",),
    "holiday": ("new year", "christmas"),
    "year": ("19", "20"),
    "iso": ("-",),
}
_MONTH_KINDS = ("dmy", "mdy", "month")


# _PATTERNS with each one's gate resolved once: True for the month gate (the month-name
# patterns), else the words one of which must occur in the lower-cased text (empty: always
# tried), so that the per-sentence loop does no look-ups.
_GATED_PATTERNS: tuple[
    tuple[str, re.Pattern[str] | CaselessPattern, bool, tuple[str, ...]], ...
] = tuple(
    (kind, pattern, kind in _MONTH_KINDS, () if kind in _MONTH_KINDS else _GATES.get(kind, ()))
    for kind, pattern in _PATTERNS
)


@lru_cache(maxsize=256)
def find_date_phrases(text: str) -> tuple[DatePhrase, ...]:
    """All non-overlapping date phrases in ``text``, left to right (longest wins).

    Cached (small LRU): one item asks about the same sentence several times.
    """
    found: list[DatePhrase] = []
    lower = text.lower()
    has_month = bool(_MONTH_GATE_LOWER.search(lower) if text.isascii()
                     else _MONTH_GATE.search(text))
    for kind, pattern, month_gate, words in _GATED_PATTERNS:
        if month_gate:
            if not has_month:
                continue
        elif words and not any(map(lower.__contains__, words)):
            continue
        for m in pattern.finditer(text):
            values = tuple(_group_value(g) for g in m.groups())
            found.append(DatePhrase(kind, m.start(), m.end(), m.group(0), values))
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    chosen: list[DatePhrase] = []
    for phrase in found:
        if chosen and phrase.start < chosen[-1].end:
            continue
        if phrase.kind == "mdy" and phrase.words.split()[0].rstrip(".").lower() == "may" \
                and not re.search(r"\d", phrase.words):
            continue
        chosen.append(phrase)
    return tuple(chosen)


_DIGITS = re.compile(r"\d+")


def _group_value(group: str | None) -> int:
    """Encode a regex group as an int: numbers, month and weekday names, keywords."""
    if not group:
        return 0
    g = group.lower().rstrip(".")
    digits = _DIGITS.match(g)
    if digits:
        return int(digits.group(0))
    if g in MONTHS:
        return MONTHS[g]
    if g in WEEKDAYS:
        return WEEKDAYS.index(g) + 1
    if g in SMALL_NUMBERS:
        return SMALL_NUMBERS[g]
    return {"last": -1, "since": -2, "on": 1}.get(g, 100 + len(g))


def resolve_phrase(phrase: DatePhrase, ref: datetime) -> DateResolution:
    """Resolve one phrase against the local reference time ``ref`` (the report's time)."""
    day = ref.date()
    kind, v, words = phrase.kind, phrase.values, phrase.words
    if kind == "iso":
        return _exact(_safe_date(v[0], v[1], v[2]), words, "calendar date")
    if kind == "dmy":
        return _calendar(day, v[1], v[0], v[2], words)
    if kind == "mdy":
        return _calendar(day, v[0], v[1], v[2], words)
    if kind == "today":
        return DateResolution(day, 1, words, f"'{words}' = the report date {day}")
    if kind == "yesterday":
        d = day - timedelta(days=1)
        return DateResolution(d, 1, words, f"'{words}' = the day before the report ({d})")
    if kind == "last_night":
        d = day - timedelta(days=1)
        prec = 1 if ref.hour < 12 else 2
        return DateResolution(d, prec, words, f"'{words}' = the night before the report ({d})")
    if kind == "days_ago":
        d = day - timedelta(days=v[0])
        return DateResolution(d, 1, words, f"'{words}' = {v[0]} day(s) before the report")
    if kind == "few_days":
        d = day - timedelta(days=3)
        return DateResolution(d, 2, words, f"'{words}' = about 3 days before the report ({d})")
    if kind == "weeks_ago":
        d = day - timedelta(days=7 * v[0])
        return DateResolution(d, 3, words, f"'{words}' = {7 * v[0]} days before the report")
    if kind == "last_week":
        d = day - timedelta(days=7)
        return DateResolution(d, 3, words, f"'{words}' = the week before the report, from {d}")
    if kind == "this_week":
        d = day - timedelta(days=day.weekday())
        return DateResolution(d, 3, words, f"'{words}' = the report's week, from {d}")
    if kind == "this_month":
        d = day.replace(day=1)
        return DateResolution(d, 4, words, f"'{words}' = the report's month, from {d}")
    if kind == "last_month":
        d = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        return DateResolution(d, 4, words, f"'{words}' = the month before the report, from {d}")
    if kind == "weekday":
        return _weekday(day, v[1] - 1, strict=v[0] == -1, words=words)
    if kind == "dawn":
        if ref.hour >= 12:
            return DateResolution(day, 1, words, f"'{words}' = the dawn of the report's day "
                                  f"({day}), the report being out after noon")
        d = day - timedelta(days=1)
        return DateResolution(d, 2, words, f"'{words}' in a morning report: the day before "
                              f"({d}), as morning reports tell of the day before")
    if kind == "midnight":
        return _weekday(day, v[1] - 1, strict=False, words=words)
    if kind == "holiday":
        return _holiday(day, words)
    if kind == "month":
        return _month(day, v[1], v[2], words)
    # year
    return DateResolution(_safe_date(v[1], 1, 1), 5, words, f"'{words}' names the year {v[1]}")


_HOLIDAYS = {("new", "day"): (1, 1), ("new", "eve"): (12, 31), ("christmas", "day"): (12, 25),
             ("christmas", "eve"): (12, 24)}


def _holiday(ref: date, words: str) -> DateResolution:
    """New Year's Day or Eve, Christmas Day or Eve: the latest one not after the report."""
    low = words.lower().split()
    first = "new" if "new" in low else "christmas"
    month, dom = _HOLIDAYS[(first, low[-1])]
    d = date(ref.year, month, dom)
    if d > ref:
        d = date(ref.year - 1, month, dom)
    return DateResolution(d, 1, words, f"'{words}' = {d}, the latest one before the report")


def _exact(d: date | None, words: str, what: str) -> DateResolution:
    """A phrase naming one day (or an impossible date, kept unknown)."""
    if d is None:
        return DateResolution(None, 5, words, f"'{words}' is not a valid {what}")
    return DateResolution(d, 1, words, f"'{words}' = {d}")


def _safe_date(year: int, month: int, day: int) -> date | None:
    """``date(...)`` or None for impossible combinations such as 31 April."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _calendar(ref: date, month: int, day: int, year: int, words: str) -> DateResolution:
    """A day of a month; without a year, the most recent one not after the report."""
    if year:
        return _exact(_safe_date(year, month, day), words, "calendar date")
    for y in (ref.year, ref.year - 1):
        d = _safe_date(y, month, day)
        if d is not None and d <= ref:
            return DateResolution(d, 1, words, f"'{words}' = {d} (latest such date not after "
                                  f"the report)")
    return DateResolution(None, 5, words, f"'{words}' is not a valid calendar date")


def _weekday(ref: date, weekday: int, *, strict: bool, words: str) -> DateResolution:
    """The most recent given weekday on or before (strictly before with 'last') ``ref``."""
    back = (ref.weekday() - weekday) % 7
    if strict and back == 0:
        back = 7
    d = ref - timedelta(days=back)
    return DateResolution(d, 1, words, f"'{words}' = {d} (most recent "
                          f"{WEEKDAYS[weekday].title()} on or before the report)")


def _month(ref: date, month: int, year: int, words: str) -> DateResolution:
    """A month, resolved to its first day; without a year the latest one not after ref."""
    if not year:
        year = ref.year if month <= ref.month else ref.year - 1
    d = date(year, month, 1)
    return DateResolution(d, 4, words, f"'{words}' = the month from {d}")


def resolve_text(text: str, ref: datetime, near: int | None = None) -> DateResolution | None:
    """Resolve the phrase in ``text`` nearest to offset ``near`` (first one without it).

    Year-only and "since ..." phrases are skipped: they date background, not the act.
    """
    phrases = [p for p in find_date_phrases(text) if not is_background_phrase(p)]
    if not phrases:
        return None
    if near is not None:
        phrases.sort(key=lambda p: min(abs(p.start - near), abs(p.end - near)))
    return resolve_phrase(phrases[0], ref)


def is_background_phrase(phrase: DatePhrase) -> bool:
    """Year-only phrases and "since X" describe background, not when an act happened."""
    if phrase.kind == "year":
        return True
    return phrase.kind in ("month", "weekday") and phrase.values[0] == -2


def report_date(published: datetime, tz: tzinfo, morning: bool = False) -> DateResolution:
    """The fallback, precision 2: the local report date, or with ``morning`` the day before
    for a report out before local noon (an English morning report with no date words tells
    of the day or night before: 4 of 4 such labelled cases; a time of exactly midnight UTC is
    a date without a time and shifts nothing)."""
    local = to_local(published, tz)
    utc = published.astimezone(UTC) if published.tzinfo else published
    if morning and local.hour < 12 and (utc.hour, utc.minute, utc.second) != (0, 0, 0):
        return DateResolution(local.date() - timedelta(days=1), 2, "", MORNING_REASON)
    return DateResolution(local.date(), 2, "", NO_PHRASE_REASON)


def resolve_first(
    texts: Sequence[tuple[str, int | None]], published: datetime, tz: tzinfo
) -> DateResolution:
    """Resolve against the first text (with its focus offset) that has a date phrase.

    ``texts`` is ordered by preference, typically the act sentence, its neighbours and the
    title; when none has a phrase the local report date is assumed (precision 2).
    """
    ref = to_local(published, tz)
    for text, near in texts:
        found = resolve_text(text, ref, near)
        if found is not None and found.date is not None:
            return found
    return report_date(published, tz)


_YEAR_NUMBER = re.compile(r"(?<![\d,.])(?:199\d|20[0-3]\d)(?![\d,])")


def years_mentioned(text: str) -> list[int]:
    """Four-digit years (1990-2039) in ``text``; used to spot background recollections."""
    return [int(m.group(0)) for m in _YEAR_NUMBER.finditer(text)]
