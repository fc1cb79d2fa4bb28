"""The Arabic extraction front end: an Arabic item read into one :class:`ActArguments` per act.

The steps mirror the English ones and reuse every language-neutral one: sentences read with
the Arabic lexicon (:mod:`tracker.core.lang.ar_reading`) become the shared act frames
(:class:`~tracker.core.frames.ActFrame`), folded by :func:`tracker.core.folding.fold`; each
cluster's actors and roles are chosen by :func:`tracker.core.arguments.cluster_actors`, its type
by :func:`tracker.core.events.dominant_type`, its dates resolved by the English resolver from
the same date phrases.  Only reading words is Arabic.  Pure: the lexicon, the publication time
and the time zone are passed in.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo

from tracker.core.arguments import cluster_actors
from tracker.core.dates import DatePhrase, DateResolution, report_date, resolve_phrase
from tracker.core.events import Act, dominant_type
from tracker.core.folding import Cluster, fold
from tracker.core.frames import ActFrame
from tracker.core.gazetteer import Place, PlaceMention
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_reading import ArSentence, assign_roles, read_sentence
from tracker.core.lang.ar_tolls import Memo, extract_toll
from tracker.core.lang.arabic import split_sentences, stems
from tracker.core.lang.seam import ActArguments
from tracker.core.mentions import ActorInfo

# Sentences after an act, without acts of their own, read for its toll (as in English).
_DETAIL_SENTENCES = 2
# How far back a sentence without a date looks for the time the report is telling.
_CARRY_BACK = 3
# A date more than this many days before the report dates a past event, not the act.
_RECENT_DAYS = 31


def read_arabic(lex: ArabicLexicon, title: str, text: str, published: datetime,
                tz: tzinfo) -> list[ActArguments]:
    """Every act an Arabic item reports, with its arguments chosen."""
    sentences = [read_sentence(lex, s.text, s.start) for s in split_sentences(text)]
    head = read_sentence(lex, title) if title.strip() else None
    _disambiguate([*sentences, *([head] if head is not None else [])])
    _resolve_anaphora(lex, sentences)
    _resolve_organisation(sentences, head)
    frames = [f for i, s in enumerate(sentences) if s.acts
              for f in _frames(lex, s, i, published)]
    from_title = False
    if not frames and head is not None and head.acts:
        frames = _frames(lex, head, -1, published)
        from_title = True
    clusters = fold(frames, published.date())
    taken = {f.sent for f in frames}
    owner = {f.sent: ci for ci, c in enumerate(clusters) for f in c.records}
    out: list[ActArguments] = []
    memo: Memo = {}  # each sentence read for the toll once per report
    for ci, c in enumerate(clusters):
        out.append(_arguments(lex, sentences, head, c, ci, taken, owner, published, tz,
                              from_title, memo))
    return _gunmen_of(out)


# Unnamed armed men ("هاجم مسلحون مبنى للأمن الداخلي"); "مسلحون مجهولون" are the
# lexicon's unidentified attackers, named.
_GUNMEN = frozenset({"مسلحون", "مسلحين", "مسلحان", "مسلحا", "مسلح"})


def _gunmen_of(out: list[ActArguments]) -> list[ActArguments]:
    """In a report whose one named attacker is a group outside every agreement (the Islamic
    State, whose cells the report follows), acts of unnamed gunmen with no attacker named are
    that group's: "تصعيد لعمليات خلايا داعش ... كما أطلق مسلحون النار على مقر للفرقة 86"."""
    attackers = {n: info for a in out for n, info in a.actors.items()
                 if a.roles.get(n) == "attacker"}
    if len(attackers) != 1:
        return out
    (name, info), = attackers.items()
    if not info.excluded or info.generic:
        return out
    fixed: list[ActArguments] = []
    for a in out:
        told = {w for text in a.sentences for w in text.split()}
        if "attacker" not in a.roles.values() and told & _GUNMEN:
            a = replace(a, actors={**a.actors, name: info}, roles={**a.roles, name: "attacker"})
        fixed.append(a)
    return fixed


# "القوات ذاتها", "المجموعات نفسها": the party the report named before.
_ANAPHORS = frozenset({"ذاتها", "نفسها", "ذاته", "نفسه", "ذاتهم", "انفسهم"})


def _resolve_anaphora(lex: ArabicLexicon, sentences: Sequence[ArSentence]) -> None:
    """A noun with "ذاتها/نفسها" in a sentence with acts and no actor ("وأضافت القناة أن
    القوات ذاتها استهدفت ...") names the attacker of the nearest earlier sentence, and is read
    as a mention of it where it stands (so the word order gives its role as for a name)."""
    for i, s in enumerate(sentences):
        if not s.acts or s.actors:
            continue
        k = next((k for k in range(1, len(s.toks)) if s.toks[k].text in _ANAPHORS), None)
        if k is None:
            continue
        antecedent = _last_attacker(lex, sentences[:i])
        if antecedent is not None:
            o0, _ = s.norm.original_span(s.toks[k - 1].start, s.toks[k - 1].end)
            _, o1 = s.norm.original_span(s.toks[k].start, s.toks[k].end)
            s.actors.append((o0, o1, antecedent, k - 1, k))


# "التنظيم" (the organisation): the "تنظيم ..." party the report named before.
_ORGANISATION = "التنظيم"


def _resolve_organisation(sentences: Sequence[ArSentence], head: ArSentence | None) -> None:
    """"عناصر من التنظيم استهدفوا ...", "هجمات التنظيم": the bare "التنظيم" names the
    organisation the title or an earlier sentence named with "تنظيم" ("تنظيم الدولة", "تنظيم
    حراس الدين", "خلايا لـ«داعش»" after a title that says تنظيم), read as a mention of it where
    it stands.  Only in sentences with acts, and only a word no name already covers."""
    named: ActorInfo | None = None
    for s in [*([head] if head is not None else []), *sentences]:
        if s.acts:
            covered = {k for _, _, _, first, last in s.actors for k in range(first, last + 1)}
            for k, tok in enumerate(s.toks):
                if named is None or k in covered or \
                        not any(stem == _ORGANISATION for stem, _ in stems(tok.text)):
                    continue
                o0, o1 = s.norm.original_span(tok.start, tok.end)
                s.actors.append((o0, o1, named, k, k))
            s.actors.sort(key=lambda a: a[3])
        for _, _, info, first, last in s.actors:
            if info.generic:
                continue
            words = {s.toks[j].text for j in range(max(0, first - 1), last + 1)}
            if any(w.endswith("تنظيم") for w in words) or info.name == "Islamic State":
                named = info


def _last_attacker(lex: ArabicLexicon, earlier: Sequence[ArSentence]) -> ActorInfo | None:
    """The attacker of the nearest earlier sentence that names one (computed only when an
    anaphor asks: most items have none)."""
    for s in reversed(earlier):
        if s.acts and s.actors:
            roles = assign_roles(lex, s, s.acts)
            for _, _, info, _, _ in s.actors:
                if roles.get(info.name) == "attacker":
                    return info
    return None


def _disambiguate(sentences: Sequence[ArSentence]) -> None:
    """A name several places share ("صيدا" in Daraa and in Raqqa) is the one in the
    governorate the item's unambiguous places are in (most of them); else the gazetteer's
    first (curated before bulk)."""
    votes: Counter[str] = Counter()
    for s in sentences:
        for pm, _ in s.places:
            if len(pm.candidates) <= 1:
                votes[pm.place.admin1] += 1
    if not votes:
        return
    for s in sentences:
        for n, (pm, ctx) in enumerate(s.places):
            if len(pm.candidates) > 1:
                best = max(pm.candidates, key=lambda p: votes.get(p.admin1, 0))
                if votes.get(best.admin1, 0) > votes.get(pm.place.admin1, 0):
                    s.places[n] = (replace(pm, place=best), ctx)


def _sentence(sentences: Sequence[ArSentence], head: ArSentence | None,
              i: int) -> ArSentence | None:
    return head if i < 0 else sentences[i]


def _demote_repliers(lex: ArabicLexicon, sentences: Sequence[ArSentence],
                     head: ArSentence | None, c: Cluster, actors: dict[str, ActorInfo],
                     roles: dict[str, str]) -> dict[str, str]:
    """A named party that attacks only in sentences telling a reply ("وقالت الوزارة إن
    القوات التركية ردت بقصف مواقع النظام"), while a party of another side attacks first-hand
    in the incident, is the target of that attack: the act is the attack, the reply part of
    its account (as :func:`cluster_actors` does for English).  Unnamed armed locals who
    "confront" a raid are left as they are: who they are is not said."""
    replying: dict[str, list[bool]] = {}
    for r in c.records:
        s = _sentence(sentences, head, r.sent)
        reply = s is not None and bool(lex.reply.find(s.toks, [stems(t.text) for t in s.toks]))
        for name, role in r.roles.items():
            if role == "attacker":
                replying.setdefault(name, []).append(reply)
    first_hand = {n for n, flags in replying.items() if not all(flags)}
    out = dict(roles)
    for name, flags in replying.items():
        info = actors.get(name)
        if info is None or info.generic or not all(flags) or out.get(name) != "attacker":
            continue
        if any(o != name and o in actors and actors[o].side != info.side for o in first_hand):
            out[name] = "target"
    return out


def _lead_attacker(c: Cluster, actors: dict[str, ActorInfo],
                   roles: dict[str, str]) -> dict[str, str]:
    """With attackers of opposing sides left after the vote (a report and the other side's
    counter-claim: "مقتل عنصرين من الجيش بنيران قسد ... وقال مصدر في قسد إن القوات الحكومية
    شنت هجومين"), the attacker of the incident's first-told act is it; the others, on
    another side, are its targets.  Parties on the same side keep attacking together, and
    unnamed armed groups keep their role (who they are is not said)."""
    attackers = [n for n, r in roles.items() if r == "attacker"]
    sides = {actors[n].side for n in attackers if n in actors}
    if len(sides) < 2:
        return roles
    lead: str | None = None
    for r in c.records:
        named = [n for n, role in r.roles.items() if role == "attacker" and n in attackers]
        if named:
            lead = named[0]
            break
    if lead is None or lead not in actors:
        return roles
    side = actors[lead].side
    return {n: ("target" if r == "attacker" and n in actors and actors[n].side != side
                and not actors[n].generic else r) for n, r in roles.items()}


def _text(sentences: Sequence[ArSentence], head: ArSentence | None, i: int) -> str:
    if i < 0:
        return head.text if head is not None else ""
    return sentences[i].text


# ------------------------------------------------------------------ frames


def _frames(lex: ArabicLexicon, s: ArSentence, i: int, published: datetime) -> list[ActFrame]:
    """The acts of one sentence grouped by the place nearest each, with roles and date."""
    groups: dict[str, tuple[PlaceMention | None, str, list[Act]]] = {}
    for act in s.acts:
        place, note = _place_for(s, act)
        key = place.place.name if place is not None else ""
        groups.setdefault(key, (place, note, []))[2].append(act)
    if "" in groups and len(groups) > 1:
        placeless = groups.pop("")[2]
        next(iter(groups.values()))[2].extend(placeless)
    infos = {info.name: info for _, _, info, _, _ in s.actors}
    date = _own_date(s, published)
    if _long_before(date, published):
        # "منذ الثالث والعشرين من حزيران الماضي، حين قتلت ..." in a January report, "شهدت
        # المدينة ضربات مماثلة في تموز": a sentence whose own date is weeks before the
        # report recalls an earlier event; the report's act is told elsewhere.
        s.rejected.extend(f"dated long before the report: '{a.trigger}'" for a in s.acts)
        return []
    out: list[ActFrame] = []
    for place, note, acts in groups.values():
        roles = assign_roles(lex, s, acts)
        out.append(ActFrame(i, acts, place, note, date, roles, dict(infos)))
    return out


# UCDP precision of a country-wide place.
_COUNTRY = 6


def _place_for(s: ArSentence, act: Act) -> tuple[PlaceMention | None, str]:
    """The place nearest the act in its sentence: same clause first, a launch site never,
    the most precise on ties; "near X" gives precision 2 as in English."""
    best: tuple[float, PlaceMention, str] | None = None
    for pm, context in s.places:
        if context == "origin" or pm.place.precision >= _COUNTRY or _locates_previous(s, pm):
            # The country ("شمال غربي سوريا") locates nothing: a neighbour's or the title's
            # place is nearer the act.
            continue
        gap = pm.start - act.end if pm.start >= act.end else act.start - pm.end
        score = float(max(gap, 0))
        if not act.clause[0] <= pm.start < act.clause[1]:
            score += 60
        if pm.place.precision >= 4:
            score += 25
        if not pm.place.curated:
            score += 15
        if pm.start < act.start:
            score += 10  # Arabic names the place after the act ("قصف ... على بلدة X")
        if best is None or score < best[0]:
            best = (score, pm, context)
    if best is None:
        return None, ""
    _, pm, context = best
    if context == "near" and pm.place.precision == 1:
        return (replace(pm, place=replace(pm.place, precision=2)),
                f"place near {pm.place.name} from '{pm.surface}' in the act sentence (the "
                "act's own place is given relative to it; precision 2)")
    return pm, f"place {pm.place.name} from '{pm.surface}' in the act sentence"


# Characters between a place and the region right after it that only says where it lies
# ("بلدة عرى في الريف الجنوبي الغربي لمحافظة السويداء").
_LOCATING_GAP = 12


def _locates_previous(s: ArSentence, pm: PlaceMention) -> bool:
    """A place right after another one that only says where that one lies: a region or
    governorate of the same governorate (as in English, "X in the southern Quneitra
    countryside"), also after a region that itself locates ("قوقفين بجبل الزاوية في ريف إدلب
    الجنوبي"), and a town a few km from a district or village named just before it ("حي الشيخ
    مقصود في مدينة حلب")."""
    return _locates(s, pm, 0)


# A town named right after a nearer place locates it when it is this close (km).
_LOCATING_KM = 15.0


def _locates(s: ArSentence, pm: PlaceMention, depth: int) -> bool:
    if depth > 3:
        return False
    for o, _ in s.places:
        if o is pm or not 0 <= pm.start - o.end <= _LOCATING_GAP:
            continue
        gap = s.text[o.end:pm.start].strip()
        if pm.place.precision >= 4:
            if o.place.admin1 == pm.place.admin1 and (o.place.precision <= 2
                                                      or _locates(s, o, depth + 1)):
                return True
        elif o.place.precision <= 2 and o.place.name != pm.place.name and \
                (gap.startswith("في") or gap.startswith("ب")) and \
                _km(o.place, pm.place) <= _LOCATING_KM:
            return True
    return False


def _km(a: Place, b: Place) -> float:
    """Distance on the sphere, enough to tell a district of a town from another town."""
    la1, la2 = math.radians(a.lat), math.radians(b.lat)
    dl, dp = math.radians(b.lon - a.lon), la2 - la1
    h = math.sin(dp / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


# UCDP precision of a date known to the month only.
_MONTH_PRECISION = 4


def _long_before(res: DateResolution | None, published: datetime) -> bool:
    """A date more than :data:`_RECENT_DAYS` before the report (a month named alone: its
    last day, at the latest a month after its first)."""
    if res is None or res.date is None or res.precision > _MONTH_PRECISION:
        return False
    latest = res.date + timedelta(days=31 if res.precision == _MONTH_PRECISION else 0)
    return latest < published.date() - timedelta(days=_RECENT_DAYS)


def _since(text: str, p: DatePhrase) -> bool:
    """Whether the date phrase follows "منذ" (since)."""
    before = text[:p.start].split()
    return bool(before) and before[-1] in ("منذ", "ومنذ")


def _own_date(s: ArSentence, published: datetime) -> DateResolution | None:
    """The date phrase of the sentence nearest its first act, resolved against the report
    time; a day after the report, or long before it, does not date the act."""
    if not s.dates or not s.acts:
        return None
    act = s.acts[0]

    def cost(p: DatePhrase) -> int:
        inside = act.clause[0] <= p.start < act.clause[1]
        return min(abs(p.start - act.start), abs(p.end - act.end)) + (0 if inside else 150)

    days = [p for p in s.dates if p.kind != "month"] or s.dates
    # "اتفاق وقف إطلاق النار الساري منذ التاسع عشر من تموز": a day after "منذ" is when a
    # state began, not the act's day, when the sentence names another.
    days = [p for p in days if not _since(s.text, p)] or days
    res = resolve_phrase(min(days, key=cost), published)
    day = published.date()
    if res.date is None or res.date > day + timedelta(days=1):
        return None
    return res


# ------------------------------------------------------------------ arguments


def _arguments(
    lex: ArabicLexicon, sentences: Sequence[ArSentence], head: ArSentence | None,
    c: Cluster, ci: int, taken: set[int], owner: dict[int, int], published: datetime,
    tz: tzinfo, from_title: bool, memo: Memo,
) -> ActArguments:
    """One incident's arguments over its frames, with neighbours and the title as fall-backs."""
    place, place_note, place_src = _cluster_place(sentences, head, c, taken)
    date, date_src = _cluster_date(sentences, head, c, taken, published, tz)
    acts = [a for r in c.records for a in r.acts]
    subs = [a.sub_event_type for a in acts if a.specific] or [a.sub_event_type for a in acts]
    event_type, sub = dominant_type(subs)
    actors, roles = cluster_actors(c)
    roles = _lead_attacker(c, actors, _demote_repliers(lex, sentences, head, c, actors, roles))
    idx: list[int] = []
    for i in c.sentences:
        idx.append(i)
        if i < 0:
            continue
        for j in range(i + 1, min(i + 1 + _DETAIL_SENTENCES, len(sentences))):
            if owner.get(j, ci) != ci or sentences[j].acts or sentences[j].background_only:
                break  # another act, or an earlier one recalled: its toll is not this act's
            idx.append(j)
    texts = [_text(sentences, head, i) for i in dict.fromkeys(idx)]
    if ci == 0 and head is not None and not from_title:
        texts = [head.text, *texts]
    lead = ci == 0 and not from_title
    toll = extract_toll(lex, texts, [s.text for s in sentences] if lead else (), memo)
    return ActArguments(
        place, place_note, place_src, date, date_src, event_type, sub, "", actors, roles, "",
        toll, tuple(a.trigger for a in acts),
        tuple(_text(sentences, head, i) for i in c.sentences), from_title)


def _cluster_place(sentences: Sequence[ArSentence], head: ArSentence | None, c: Cluster,
                   taken: set[int]) -> tuple[Place | None, str, str]:
    """Most precise member place, else a neighbouring sentence's, else the title's."""
    placed = [r for r in c.records if r.place is not None]
    if placed:
        best = min(placed, key=lambda r: r.place.place.precision if r.place else 9)
        assert best.place is not None
        return best.place.place, best.place_note, "title" if best.sent < 0 else "sentence"
    first = c.records[0].sent
    for j in (first - 1, first + 1):
        if 0 <= j < len(sentences) and j not in taken:
            usable = [pm for pm, ctx in sentences[j].places if ctx != "origin"]
            if usable:
                pm = usable[-1] if j < first else usable[0]
                return pm.place, (f"place {pm.place.name} from '{pm.surface}' in a "
                                  "neighbouring sentence (the act sentence names none)"), \
                    "neighbour"
    if head is not None and head.places:
        pm = head.places[0][0]
        return pm.place, (f"place {pm.place.name} from '{pm.surface}' in the title (no place "
                          "near the act)"), "title"
    return None, "no place named for the act", "none"


def _recent(s: ArSentence, published: datetime) -> DateResolution | None:
    """The first date phrase of a sentence naming a day within 31 days of the report."""
    day = published.date()
    for p in s.dates:
        res = resolve_phrase(p, published)
        if res.date is not None and res.precision <= 3 and \
                day - timedelta(days=_RECENT_DAYS) <= res.date <= day:
            return res
    return None


def _cluster_date(sentences: Sequence[ArSentence], head: ArSentence | None, c: Cluster,
                  taken: set[int], published: datetime,
                  tz: tzinfo) -> tuple[DateResolution, str]:
    """Most precise member date, else a neighbour's, an earlier sentence's, the title's, or
    the report date."""
    dated = [r.date for r in c.records if r.date is not None]
    if dated:
        return min(dated, key=lambda d: d.precision), "sentence"
    first = c.records[0].sent
    if first >= 0:
        for j in (first - 1, first + 1):
            if 0 <= j < len(sentences) and j not in taken:
                res = _recent(sentences[j], published)
                if res is not None:
                    return DateResolution(res.date, res.precision, res.words,
                                          res.reason + " (from a neighbouring sentence)"), \
                        "neighbour"
        for j in range(first - 1, max(-1, first - 1 - _CARRY_BACK), -1):
            res = _recent(sentences[j], published)
            if res is not None:
                return DateResolution(res.date, res.precision, res.words,
                                      res.reason + " (the time the report was telling, set "
                                      "in an earlier sentence)"), "neighbour"
    if head is not None:
        res = _recent(head, published)
        if res is not None:
            return DateResolution(res.date, res.precision, res.words,
                                  res.reason + " (from the title)"), "title"
    told = _telling_day(sentences, published)
    if told is not None:
        return told, "report"
    return report_date(published, tz), "report"


def _telling_day(sentences: Sequence[ArSentence],
                 published: datetime) -> DateResolution | None:
    """The day the report tells: the date of its first sentence with acts that names the day
    the report came out or the day before ("مساء اليوم الأربعاء" in a report stamped just
    after midnight).  A separate act told later without a date ("وفي سياق منفصل، رصد
    المرصد قصفاً ...") happened that day, not on the publication's calendar day."""
    day = published.date()
    for s in sentences:
        if not s.acts:
            continue
        res = _recent(s, published)
        if res is not None and res.date is not None and \
                day - timedelta(days=1) <= res.date <= day:
            return DateResolution(res.date, res.precision, res.words,
                                  res.reason + " (the day the report tells, named in its "
                                  "first dated account)")
    return None
