"""The arguments of a folded act: its type, place, date, origin of fire, actors and toll.

Once the mentions of one act are folded (:mod:`tracker.core.folding`), each argument is chosen
over all of them: the most specific place, the most precise date (else a neighbouring
sentence's, the title's, the report's), the type of the main acts (the headline's act when
they disagree), the majority role of every actor, and the toll over the act's sentences and
the detail sentences after them.  Why a module of its own: these choices are per incident and
document-level, separate from reading one sentence (:mod:`tracker.core.frames`) and from
deciding whether the act is a violation (:mod:`tracker.core.policy`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from tracker.core.dates import (
    DateResolution,
    find_date_phrases,
    is_background_phrase,
    report_date,
    resolve_phrase,
)
from tracker.core.document import Document
from tracker.core.events import (
    ARMED_CLASH,
    GROUND_WORDS,
    IED,
    SUB_TO_TYPE,
    SUICIDE,
    TYPE_PRIORITY,
    Act,
    dominant_type,
    fire_origin_side,
    scan_sentence,
)
from tracker.core.folding import Cluster
from tracker.core.gazetteer import Place
from tracker.core.mentions import CIV, OPP, ORIGIN_ACTORS, OTHER, ActorInfo
from tracker.core.numbers import Toll, extract_toll, find_figures
from tracker.core.text import CaselessPattern

_KIND_RANK = {"military_site": 0, "neighbourhood": 0, "settlement": 1, "road": 2, "region": 3}

# Sentences after an act, without acts of their own, read for its toll.
_DETAIL_SENTENCES = 2


def _neighbour_date(doc: Document, i: int, taken: set[int]) -> DateResolution | None:
    """A recent date phrase in the sentence before/after ``i`` that has no other act."""
    for j in (i - 1, i + 1):
        if j < 0 or j >= len(doc.sentences) or j in taken:
            continue
        if doc.scans[j].background:
            continue
        res = _recent_phrase(doc, doc.sentences[j].text)
        if res is not None:
            return DateResolution(res.date, res.precision, res.words,
                                  res.reason + " (from a neighbouring sentence)")
    return None

# How far back a sentence without a date of its own looks for the time the story is told in.
_CARRY_BACK = 3


def _carried_date(doc: Document, i: int) -> DateResolution | None:
    """The day of the nearest earlier sentence that names one (an act's own or not).

    News tells a story from a reference time set once ("... were killed on Saturday in air
    strikes ..."); the detail sentences after it ("The heaviest toll was in Balyun, where
    Russian raids killed nine") stay in that time until another date is named.
    """
    for j in range(i - 1, max(-1, i - 1 - _CARRY_BACK), -1):
        if doc.scans[j].background:
            continue
        res = _recent_phrase(doc, doc.sentences[j].text)
        if res is not None:
            return DateResolution(res.date, res.precision, res.words,
                                  res.reason + " (the time the report was telling, set in an "
                                  "earlier sentence)")
    return None


def _recent_phrase(doc: Document, text: str) -> DateResolution | None:
    """First date phrase of ``text`` naming a day or week within 31 days of the report."""
    for p in find_date_phrases(text):
        if is_background_phrase(p):
            continue
        res = resolve_phrase(p, doc.published)
        if res.date is None or res.precision > 3:
            continue
        if doc.pub_date - timedelta(days=31) <= res.date <= doc.pub_date:
            return res
    return None


def cluster_type(doc: Document, c: Cluster) -> tuple[str, str, str]:
    """(event_type, sub_event_type, note) of a cluster's acts.

    The most specific sub-type of the main acts wins; acts named as the setting or
    support of another ("after days of bombardment", "backed by shelling") only count
    when there is nothing else.  When the acts disagree and the headline names one of
    them ("Rebels storm army lines", "troops clash near Ras al-Ain"), the headline's act
    is the incident's act.
    """
    acts = [a for r in c.records for a in r.acts]
    main = [a for a in acts if not a.backdrop] or acts
    subs = [a.sub_event_type for a in main if a.specific] or [a.sub_event_type
                                                             for a in main]
    event_type, sub = dominant_type(subs)
    note = ""
    if len(main) < len(acts):
        note = (f"type {sub} from the main act; "
                + ", ".join(f"'{a.trigger}'" for a in acts if a.backdrop)
                + " only sets the scene or supports it")
    if len({a.sub_event_type for a in main}) > 1:
        head = _headline(doc)
        if head is not None and head[0] != sub and sub not in _REFINES.get(head[0], ()) \
                and any(_matches_headline(a, head[0]) for a in main):
            sub = head[0]
            event_type = SUB_TO_TYPE[sub]
            note = f"type {sub} from the headline's act '{head[1]}'"
    return event_type, sub, note

def _headline(doc: Document) -> tuple[str, str] | None:
    """(sub_event_type, trigger) of the title's act, when the title names a clear one.

    A weapon word decides ("Air strikes kill ..."); without one, only ground-assault
    words count ("storm", "seize", "clash"): a bare "attack" or "hit" says nothing.
    """
    if doc.headline_memo is not None:
        return doc.headline_memo or None
    found: tuple[str, str] | tuple[()] = ()
    if doc.title:
        acts = [a for a in scan_sentence(doc.title, doc.pub_date).acts
                if not a.weak and not a.backdrop]
        typed = [a for a in acts if a.specific]
        if typed:
            best = min(typed, key=lambda a: TYPE_PRIORITY.index(a.sub_event_type))
            found = (best.sub_event_type, best.trigger)
        else:
            ground = [a.trigger for a in acts if GROUND_WORDS.match(a.trigger)]
            verb = _HEADLINE_GROUND.search(doc.title)
            if ground or verb is not None:
                found = (ARMED_CLASH, ground[0] if ground else verb.group(0) if verb else "")
    doc.headline_memo = found
    return found or None

def cluster_place(doc: Document, c: Cluster, taken: set[int]) -> tuple[Place | None, str, str]:
    """Most specific member place, else a neighbour's, else the title's."""
    placed = [r for r in c.records if r.place is not None]
    if placed:
        best = min(placed, key=lambda r: (
            r.place.place.precision if r.place else 9,
            _KIND_RANK.get(r.place.place.kind, 1) if r.place else 9,
        ))
        assert best.place is not None
        src = "title" if best.sent < 0 else "sentence"
        return best.place.place, best.place_note, src
    first = c.records[0].sent
    for j in (first - 1, first + 1):
        if 0 <= j < len(doc.sentences) and j not in taken and doc.places[j]:
            pm = doc.places[j][-1] if j < first else doc.places[j][0]
            return pm.place, (f"place {pm.place.name} from '{pm.surface}' in a neighbouring "
                              "sentence (the act sentence names none)"), "neighbour"
    if doc.title_places:
        pm = doc.title_places[0]
        return pm.place, (f"place {pm.place.name} from '{pm.surface}' in the title (no place "
                          "near the act)"), "title"
    return None, "no place named for the act", "none"

# How many days a statement may come after the act a detail sentence dates.
_STATEMENT_LAG_DAYS = 2


def cluster_date(doc: Document, c: Cluster, taken: set[int]) -> tuple[DateResolution, str]:
    """Most precise member date, else a neighbour's, the title's or the report date."""
    dated = [r.date for r in c.records if r.date is not None]
    if dated:
        return min(dated, key=lambda d: d.precision), "sentence"
    said = [r.said for r in c.records if r.said is not None]
    if said:
        stated = min(said, key=lambda d: d.precision)
        first = c.records[0].sent
        near = _neighbour_date(doc, first, taken) if first >= 0 else None
        if near is not None and near.date is not None and stated.date is not None and \
                timedelta(0) <= stated.date - near.date <= timedelta(days=_STATEMENT_LAG_DAYS):
            # "... detained seven men, state TV reported on Wednesday. The convoy drove in late
            # on Tuesday": the detail sentence dates the act; the statement came after it.
            return near, "neighbour"
        return DateResolution(stated.date, stated.precision, stated.words,
                              stated.reason + " (the day of the statement reporting the act; "
                              "no other date given for the act)"), "sentence"
    first = c.records[0].sent
    if first >= 0:
        res = _neighbour_date(doc, first, taken)
        if res is not None:
            return res, "neighbour"
        res = _carried_date(doc, first)
        if res is not None:
            return res, "neighbour"
    if doc.title:
        res = _recent_phrase(doc, doc.title)
        if res is not None:
            return DateResolution(res.date, res.precision, res.words,
                                  res.reason + " (from the title)"), "title"
    return report_date(doc.published, doc.tz, morning=True), "report"

# "No one claimed responsibility", "Who fired the rocket was disputed", "The perpetrators
# remain unknown": the report itself leaves the attacker open.
_UNCLAIMED = CaselessPattern(
    r"\b(?:no\s+(?:one|group|party|side|faction|organi[sz]ation)|nobody|none\s+of\s+the\s+\w+)"
    r"\s+(?:has\s+|had\s+|have\s+)?(?:yet\s+|immediately\s+)?claimed"
    r"|\bwho\s+(?:fired|launched|carried\s+out|planted|was\s+behind|is\s+behind|flew)\b[^.;]{0,40}?"
    r"\b(?:was|is|remains|remained)\s+(?:disputed|unclear|unknown|not\s+(?:known|clear))"
    r"|\b(?:perpetrators?|culprits?|attackers?|source\s+of\s+the\s+(?:fire|rocket|shells?|drone))"
    r"\s+(?:was|were|is|are|remains?|remained)\s+(?:still\s+)?(?:unknown|unidentified|unclear)"
    r"|\bit\s+(?:was|is|remains|remained)\s+(?:not\s+clear|unclear)\s+who\b"
    r"|\bunclaimed\b")


def _told_with(doc: Document, c: Cluster, ci: int, owner: dict[int, int],
               reach: int) -> list[int]:
    """The cluster's sentences, each followed by up to ``reach`` sentences that go on telling
    it: none that another incident took, none whose own act an incident took.  A sentence
    whose own act no incident took ("the strike came from government positions") still tells
    about this act."""
    idx: list[int] = []
    for i in c.sentences:
        if i < 0:
            continue
        idx.append(i)
        for j in range(i + 1, min(i + 1 + reach, len(doc.sentences))):
            if owner.get(j, ci) != ci or (doc.scans[j].acts and j in owner):
                break
            idx.append(j)
    return list(dict.fromkeys(idx))


def unclaimed_act(doc: Document, c: Cluster, ci: int, owner: dict[int, int]) -> bool:
    """Whether the cluster's sentences, or the act-free ones after them, say that nobody
    claimed the act or that who did it is disputed."""
    return any(_UNCLAIMED.search(doc.sentences[i].text)
               for i in _told_with(doc, c, ci, owner, 4))


def origin_attacker(
    doc: Document, c: Cluster, ci: int, owner: dict[int, int]
) -> tuple[ActorInfo, str] | None:
    """The side the fire came from ("launched from government-held territory"), looked
    for in the cluster's sentences and the act-free sentences right after each."""
    idx = _told_with(doc, c, ci, owner, 3)
    for i in idx:
        side = fire_origin_side(doc.sentences[i].text)
        if side in ORIGIN_ACTORS:
            return ORIGIN_ACTORS[side], doc.sentences[i].text.strip()
    for i in idx:
        agent = weapon_agent(doc, i)
        if agent is not None:
            return agent, doc.sentences[i].text.strip()
    return None


# "the rockets were launched by government forces", "shells fired by the SDF": the agent of
# the weapons of an act told in an earlier sentence.
_WEAPON_BY = CaselessPattern(
    r"\b(?:rockets?|missiles?|shells?|mortars?|mortar\s+rounds|rounds|drones?|projectiles|"
    r"barrels?|barrel\s+bombs|bombs|munitions|artillery|salvoes|strikes|raids?)\s+(?:that\s+|"
    r"which\s+)?(?:(?:was|were|had\s+been|have\s+been|are|is)\s+)?(?:(?:probably|reportedly|"
    r"apparently|likely|allegedly)\s+)?(?:launched|fired|dropped|sent|flown|carried\s+out)\s+"
    r"by\s+(?:the\s+)?$")


# "the fire came from Turkish forces deployed north of the town", "the shells were fired from
# positions of the SDF": the armed party the weapons came from.
_WEAPON_FROM = CaselessPattern(
    r"\b(?:fire|gunfire|shells?|shelling|rockets?|missiles?|mortars?|mortar\s+rounds|rounds|"
    r"drones?|projectiles|barrages?|bombardment|strikes?|attack)\s+(?:that\s+|which\s+)?"
    r"(?:(?:was|were|had\s+been|have\s+been|had|has|have)\s+)?(?:(?:probably|reportedly|"
    r"apparently|likely|allegedly)\s+)?(?:came|come|comes|coming|originated|launched|fired)\s+"
    r"from\s+(?:the\s+)?(?:(?:positions?|posts?|bases?|lines)\s+(?:of|held\s+by)\s+(?:the\s+)?)?$")


# "Activists blamed government forces stationed south of the city", "residents accused the
# SDF of firing the rockets": the party blamed for the act told before.
_BLAMED_BEFORE = CaselessPattern(
    r"\b(?:blamed|blames|blaming)\s+(?:(?:the|this|that|it)\s+(?:(?:attack|strike|shelling|"
    r"bombing|barrage|blast|raid|shell|rocket|drone)\s+)?on\s+)?(?:the\s+)?$")
_ACCUSED_BEFORE = CaselessPattern(r"\b(?:accused|accuses|accusing)\s+(?:the\s+)?$")
_ACCUSED_OF_ACT = CaselessPattern(
    r"^[\w\s'-]{0,40}?\bof\s+(?:(?:having|being\s+behind)\s+)?(?:firing|fired|shelling|shelled|"
    r"launching|launched|carrying\s+out|targeting|bombing|striking|attacking|the\s+(?:attack|"
    r"strike|shelling|bombing|raid))\b")


def _blamed(text: str, start: int, end: int) -> bool:
    """Whether the mention at ``start:end`` is the party blamed for an act."""
    before = text[max(0, start - 60) : start]
    if _BLAMED_BEFORE.search(before):
        return not text[end : end + 12].lstrip().startswith("for not")
    return bool(_ACCUSED_BEFORE.search(before) and _ACCUSED_OF_ACT.search(text[end : end + 90]))


def weapon_agent(doc: Document, i: int) -> ActorInfo | None:
    """The armed party named as the agent of the weapons in sentence ``i`` ("launched by
    X"), as where they came from ("the fire came from X") or as the one blamed for them
    ("activists blamed X"), or None."""
    text = doc.sentences[i].text
    low = text.lower()
    if "by" not in low and "from" not in low and "blam" not in low and "accus" not in low:
        return None
    for start, end, info in doc.actors[i]:
        if info.side == CIV:
            continue
        before = text[max(0, start - 90) : start]
        if _WEAPON_BY.search(before) or _WEAPON_FROM.search(before) or _blamed(text, start, end):
            return info
    return None

def _own_clauses(doc: Document, c: Cluster, ci: int, i: int,
                 act_owner: dict[tuple[int, int], int]) -> str:
    """Sentence ``i`` with the clauses of its other acts blanked out.

    "Government shelling killed two civilians in Bidama, a day after an artillery strike
    on a market in al-Janudiyah killed at least seven": the seven are the other act's dead.
    A clause of another act of the sentence, one that another cluster took, that holds none
    of this cluster's own acts is left out of this cluster's count.
    """
    text = doc.sentence_text(i)
    if i < 0:
        return text
    own = {(a.start, a.end) for r in c.records if r.sent == i for a in r.acts}
    if not own:
        return text
    others = [a for a in doc.scans[i].acts
              if act_owner.get((i, a.start), ci) != ci and (a.start, a.end) not in own]
    for act in others:
        lo, hi = act.clause
        if any(lo <= s < hi for s, _ in own):
            continue
        text = text[:lo] + " " * (hi - lo) + text[hi:]
    return text


def cluster_toll(
    doc: Document, c: Cluster, ci: int, owner: dict[int, int], from_title: bool,
    act_owner: dict[tuple[int, int], int] | None = None,
) -> Toll:
    """Casualty figures over the cluster's sentences and the detail sentences after each.

    Up to two sentences without acts of their own follow an act with its details ("Three
    servicemen were lightly injured. Nobody was killed.").
    """
    idx: list[int] = []
    for i in c.sentences:
        idx.append(i)
        if i < 0:
            continue
        for j in range(i + 1, min(i + 1 + _DETAIL_SENTENCES, len(doc.sentences))):
            if owner.get(j, ci) != ci or doc.scans[j].background or doc.scans[j].acts:
                break
            idx.append(j)
    texts = [_own_clauses(doc, c, ci, i, act_owner or {}) for i in dict.fromkeys(idx)]
    toll = extract_toll(texts)
    if ci == 0 and doc.title and not from_title and toll.best is None:
        # The headline sums up the report ("HTS attacks kill 11 soldiers" over two attacks):
        # its figure stands in only where the act's own sentences count no dead.
        own = _title_about(doc, c)
        if own:
            toll = extract_toll([own, *texts])
    if toll.best is None and not toll.uncounted:
        zero = _later_zero_statement(doc, ci, owner, set(idx))
        if zero is not None:
            return replace(toll, best=0, low=0, high=0, evidence=(*toll.evidence, zero))
    return toll


# A headline clause about an earlier act: "... a day after nine civilians killed".
_TITLE_EARLIER = re.compile(r"[,;]?\s*\b(?:(?:a|one|two|three|four|five|six|seven|\d+)\s+"
                            r"(?:days?|weeks?|hours?)\s+after|hours?\s+after|days?\s+after)\b.*$",
                            re.IGNORECASE)


def _title_about(doc: Document, c: Cluster) -> str:
    """The part of the headline that speaks of this cluster's act, for its toll.

    A headline may join two acts: "Child killed as rockets hit Darat Izza; death toll in Ihsim
    massacre rises to seven".  A ';'-part that names only places other than the cluster's is
    another act's, and a trailing "a day after nine civilians killed" an earlier one's.
    """
    own = {r.place.place.name for r in c.records if r.place is not None}
    split = doc.title.split(";")
    parts: list[str] = []
    pos = 0
    for part in split:
        start, end = pos, pos + len(part)
        pos = end + 1
        named = {pm.place.name for pm in doc.title_places if start <= pm.start < end}
        if len(split) > 1 and own and named and not named & own:
            continue
        parts.append(_TITLE_EARLIER.sub("", part))
    return ";".join(parts).strip()


def _later_zero_statement(
    doc: Document, ci: int, owner: dict[int, int], seen: set[int]
) -> str | None:
    """A "No casualties were reported." sentence further on whose nearest act before it is
    this cluster's: reports close the account of an act with it after the details, and it
    speaks of the last act told, not of every act of the report."""
    last_owner: int | None = None
    for j, scan in enumerate(doc.scans):
        if j in owner:
            last_owner = owner[j]
            continue
        if j in seen or last_owner is None or scan.acts or scan.background:
            continue
        if last_owner != ci and ci != 0:
            continue
        text = doc.sentence_text(j)
        figures = find_figures(text)
        if figures and all(f.kind == "killed" and f.value == 0 for f in figures):
            return text.strip()
    return None


# Headlines report ground assaults in the present tense ("Rebels storm army lines",
# "Troops seize town", "Forces take control of ..."), which the act triggers leave out.
_HEADLINE_GROUND = CaselessPattern(
    r"\b(?:storms?|seizes?|captures?|recaptures?|retakes?|overruns?|takes?\s+(?:full\s+)?"
    r"control|clash|fight|battle|advance|advances|push(?:es)?\s+into)\b")
# Body types that describe the headline's act more precisely: a headline "car bomb" (IED)
# reported in the body as a suicide car bomb stays a suicide bomb.
_REFINES: dict[str, tuple[str, ...]] = {IED: (SUICIDE,)}


def _matches_headline(act: Act, head: str) -> bool:
    """Whether an act of the body is the kind of act the headline names."""
    if act.sub_event_type != head:
        return False
    if head == ARMED_CLASH:
        return True  # a ground assault in the headline names the body's untyped attack
    return act.specific



# A sentence that tells a reply to an act: "army units responded with artillery fire", "the
# SDF fired back", "in retaliation".
_RESPONSE = CaselessPattern(
    r"\b(?:in\s+response|respond(?:ed|s|ing)?|retaliat\w*|return(?:ed|s|ing)?\s+(?:the\s+)?"
    r"fire|fir(?:ed|ing)\s+back|hit\s+back|struck\s+back|counter-?attack\w*|"
    r"counter-?offensive)\b")


# Fighting told as mutual: "clashes erupted between X and Y", "X and Y clashed".
_SYMMETRIC = CaselessPattern(
    r"\b(?:clash\w*|fighting|battles?|skirmish\w*|confrontations?|hostilities|exchanges?\s+of\s+"
    r"fire)\s+(?:[\w'-]+\s+){0,14}?between\b|\b(?:clashed|exchanged\s+fire)\b")


def cluster_actors(
    c: Cluster, sentence: Callable[[int], str] | None = None,
    mentions: Callable[[int], Sequence[tuple[int, int, ActorInfo]]] | None = None,
) -> tuple[dict[str, ActorInfo], dict[str, str]]:
    """All actors of a cluster and each one's majority role (first seen wins ties).

    With ``sentence`` (the text of a sentence index), a party that is an attacker only in
    sentences telling a reply ("army units responded with artillery fire") or mutual fighting
    ("clashes between X and Y") while another side attacks first-hand elsewhere in the
    cluster is the target of that attack: the act is the attack, the reply part of its
    account.  With ``mentions`` (a sentence's actor mentions, offsets in the sentence), a
    sentence that tells both ("X fired at Y's post, adding that Y's troops responded") marks
    only the party named right before the reply word as replying.
    """
    actors: dict[str, ActorInfo] = {}
    votes: dict[str, list[str]] = {}
    weights: dict[str, list[float]] = {}
    replying: dict[str, list[bool]] = {}
    for r in c.records:
        text = sentence(r.sent) if sentence is not None else ""
        mutual = bool(_SYMMETRIC.search(text))
        # "clashes between X and Y" says who fought, not who attacked: half a vote each
        weight = 0.5 if mutual else 1.0
        reply = mutual or bool(_RESPONSE.search(text))
        who = _repliers(text, mentions(r.sent)) if reply and not mutual and mentions \
            and r.sent >= 0 else None
        for name, info in r.actors.items():
            actors.setdefault(name, info)
        for name, role in r.roles.items():
            votes.setdefault(name, []).append(role)
            weights.setdefault(name, []).append(weight)
            if role == "attacker":
                replying.setdefault(name, []).append(reply if who is None else name in who)
    _demote_repliers(actors, votes, replying)
    roles: dict[str, str] = {}
    for name, vs in votes.items():
        ws = weights[name]
        a = sum(w for v, w in zip(vs, ws, strict=True) if v == "attacker")
        t = sum(w for v, w in zip(vs, ws, strict=True) if v == "target")
        roles[name] = "attacker" if a > t else "target" if t > a else vs[0]
        if actors.get(name) and actors[name].side == CIV:
            roles[name] = "target"  # civilians are victims, never perpetrators
    # A named group makes an unnamed "militants" redundant on the same side and role.
    for name, info in list(actors.items()):
        if info.generic and info.side == OPP and name in roles:
            same = [n for n, i in actors.items() if not i.generic and i.side == OPP
                    and roles.get(n) == roles[name]]
            if same:
                roles.pop(name)
    return actors, roles


def _repliers(text: str, found: Sequence[tuple[int, int, ActorInfo]]) -> set[str] | None:
    """The parties named right before a reply word of ``text`` (within 60 characters), or
    None when no party stands there (then every attacker of the sentence may be replying)."""
    who: set[str] = set()
    for m in _RESPONSE.finditer(text):
        before = [(start, end, info) for start, end, info in found
                  if end <= m.start() and m.start() - end <= 60]
        if before:
            who.add(max(before, key=lambda f: f[1])[2].name)
    return who or None


def _demote_repliers(
    actors: dict[str, ActorInfo], votes: dict[str, list[str]], replying: dict[str, list[bool]]
) -> None:
    """Turn the attacker votes of parties that only reply, or only fight "between X and Y",
    into target votes, when a party of another side attacks first-hand (see
    :func:`cluster_actors`)."""
    first_hand = {n for n, flags in replying.items() if not all(flags)}
    for name, flags in replying.items():
        if not all(flags):
            continue
        side = actors[name].side if name in actors else None
        if any(o != name and o in actors and (actors[o].side != side or side == OTHER)
               for o in first_hand):
            votes[name] = ["target" if v == "attacker" else v for v in votes[name]]


# "clashes between two factions of the SNA", "rival tribal groups inside the SNA", "infighting
# within HTS": the words before a party whose own parts fight each other.
_INTERNAL_BEFORE = re.compile(
    r"(?:\b(?:between|among|pitted)\s+(?:the\s+)?(?:two|rival|several|competing|different)\s+"
    r"(?:[\w'-]+\s+){0,2}?(?:factions|groups|units|brigades|battalions|clans|wings|components|"
    r"militias|formations|divisions)\s+|\b(?:infighting|internal\s+(?:clashes|fighting)|"
    r"intra-\w+\s+(?:clashes|fighting))\s+)(?:of|in|inside|within|from|among|belonging\s+to|"
    r"affiliated\s+with)\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}$", re.IGNORECASE)


# A word every _INTERNAL_BEFORE match contains: sentences without one are not scanned.
_INTERNAL_CUE = re.compile(r"between|among|pitted|infighting|internal|intra-", re.IGNORECASE)


def internal_party(doc: Document, c: Cluster) -> str:
    """The one named party whose own factions fight each other in the cluster's sentences
    ("between two factions of the Turkish-backed Syrian National Army"), else ""."""
    found: set[str] = set()
    for i in c.sentences:
        if i < 0:
            continue
        text = doc.sentences[i].text
        if not _INTERNAL_CUE.search(text):
            continue
        for start, _end, info in doc.actors[i]:
            if not info.generic and _INTERNAL_BEFORE.search(text[max(0, start - 120) : start]):
                found.add(info.name)
    return next(iter(found)) if len(found) == 1 else ""
