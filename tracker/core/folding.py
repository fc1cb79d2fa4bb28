"""Folding: mentions of one act within one report become one incident.

A report tells an act, then its details, then perhaps a second act; each telling is an act
frame (:mod:`tracker.core.frames`).  Frames are folded into one cluster when they can be the
same event: same day (or overlapping date windows, or a statement's day shortly after the
act's), the same or a containing place, and compatible act types.  A frame without a place of
its own elaborates the latest event unless it names another day.  Why a module of its own:
this decides how many incidents a report yields, which every count in the digest and every
alert depends on; it is a pure function of the frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.core.dates import DateResolution
from tracker.core.frames import ActFrame, km
from tracker.core.gazetteer import Place

# How far a place of each UCDP precision may be from another place of the same event
# (precision 2 is "within ~25 km of a named place").
_IMPRECISE_RADIUS_KM = {2: 25.0, 3: 40.0, 4: 80.0, 5: 45.0, 6: 400.0}


@dataclass(slots=True)
class Cluster:
    """Records merged into one incident."""

    records: list[ActFrame] = field(default_factory=list)

    @property
    def sentences(self) -> list[int]:
        """Sentence indexes of the member records, in order, de-duplicated."""
        return sorted({r.sent for r in self.records})



def fold(records: list[ActFrame], pub_date: date) -> list[Cluster]:
    """Merge records of the same event (same day, same or containing place, type)."""
    clusters: list[Cluster] = []
    for rec in records:
        target: Cluster | None = None
        if rec.place is None:
            # An act without a place elaborates the latest event unless it names a
            # different day of its own ("another 20 were killed a week ago"); a day
            # shortly before a statement that reports the event is compatible with it.
            own = rec.date or rec.said
            for c in reversed(clusters):
                if own is None or any(_same_day_or_undated(own, r.date or r.said)
                                      or _reported_by(rec.date, r.said)
                                      for r in c.records) or _dates_next(c, rec, pub_date):
                    target = c
                    break
        else:
            for c in clusters:
                if _compatible(c, rec):
                    target = c
                    break
        if target is None:
            if rec.place is None and all(a.definite for a in rec.acts):
                continue  # "the attack" with nothing before it to refer to
            clusters.append(Cluster([rec]))
        else:
            target.records.append(rec)
    return clusters



def _compatible(c: Cluster, rec: ActFrame) -> bool:
    """Whether ``rec`` reports the same event as cluster ``c``."""
    for r in c.records:
        if not _record_dates_compatible(rec, r):
            return False
        if r.place is not None and rec.place is not None and not places_compatible(
            r.place.place, rec.place.place
        ):
            return False
    rec_types = {a.sub_event_type for a in rec.acts if a.specific}
    c_types = {a.sub_event_type for r in c.records for a in r.acts if a.specific}
    return not rec_types or not c_types or bool(rec_types & c_types)


def _dates_next(c: Cluster, rec: ActFrame, published: date) -> bool:
    """A placeless act in the sentence right after an undated event's last sentence
    ("... hit the post at X. The post came under fire on Thursday, and a round struck
    ...") goes on telling that event and gives it its day, when that day is one an
    undated act may have (the report date or up to two days before, as for merging)."""
    if any(r.date is not None or r.said is not None for r in c.records):
        return False
    if rec.date is None or rec.date.date is None:
        return False
    if not published - timedelta(days=2) <= rec.date.date <= published:
        return False
    return rec.sent == max(r.sent for r in c.records) + 1


def _same_day_or_undated(a: DateResolution | None, b: DateResolution | None) -> bool:
    """Stricter than overlap: no own date, or the very same day."""
    if a is None or a.date is None:
        return True
    if b is None or b.date is None:
        return False
    return a.date == b.date and a.precision == b.precision == 1


_STATEMENT_WINDOW_DAYS = 7


def _reported_by(act: DateResolution | None, said: DateResolution | None) -> bool:
    """An act day on or shortly before the day of a statement that reports it."""
    if act is None or said is None or act.date is None or said.date is None:
        return False
    return 0 <= (said.date - act.date).days <= _STATEMENT_WINDOW_DAYS


def _record_dates_compatible(a: ActFrame, b: ActFrame) -> bool:
    """Dates of two records allow one event; a statement's day bounds the act's day."""
    if a.date is not None and b.date is not None:
        return _dates_compatible(a.date, b.date)
    if a.date is not None and b.said is not None:
        return _reported_by(a.date, b.said) or _dates_compatible(a.date, b.said)
    if b.date is not None and a.said is not None:
        return _reported_by(b.date, a.said) or _dates_compatible(b.date, a.said)
    return _dates_compatible(a.said, b.said)


def _span_days(res: DateResolution) -> int:
    """Length in days of the window a date resolution stands for."""
    return {1: 1, 2: 4, 3: 8, 4: 31, 5: 366}.get(res.precision, 1)


def _dates_compatible(a: DateResolution | None, b: DateResolution | None) -> bool:
    """Two act dates may be the same event: equal days, or overlapping windows."""
    if a is None or b is None or a.date is None or b.date is None:
        return True
    if a.precision == 1 and b.precision == 1:
        return a.date == b.date
    a_end = a.date + timedelta(days=_span_days(a))
    b_end = b.date + timedelta(days=_span_days(b))
    return a.date < b_end and b.date < a_end



def places_compatible(p: Place, q: Place) -> bool:
    """Same place, a district/site of a town, or a precise place inside an imprecise one."""
    if p.name == q.name:
        return True
    d = km(p, q)
    worst = max(p.precision, q.precision)
    if worst >= 2:
        return d <= _IMPRECISE_RADIUS_KM.get(worst, 40.0)
    fine = {"neighbourhood", "military_site"}
    return (p.kind in fine or q.kind in fine) and d <= 8.0
