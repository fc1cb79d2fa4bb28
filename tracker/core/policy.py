"""Violation policy: is a folded act a hostile act between two opposing parties of an
agreement in force, at a place inside one of its zones?

The rule is the one of ``agreements.md``, asked of each agreement in force on the act's day at
its place.  Everything particular to an agreement (its sides, camps by date, guarantors, who
flies unnamed aircraft, which acts breach it whoever the target, its article texts) is read
from the agreement and actor registries, never written here.  Why a module of its own: the
policy changes when agreements change, the extraction when wordings do; keeping the two apart
lets each be tested without the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tracker.core.actors import actor_id
from tracker.core.agreements import CAMP_PREFIX, EXPLICIT_ACTS, Agreement
from tracker.core.events import AIR, ARMED_CLASH, ATTACK, IED, SHELLING, SUICIDE
from tracker.core.gazetteer import Place
from tracker.core.mentions import CIV, UNKNOWN, ActorInfo
from tracker.core.registries import Registries


@dataclass(frozen=True, slots=True)
class Party:
    """An attacker or target as the agreements see it on the day of the act."""

    name: str
    key: str  # actor id, as agreements list it on a side
    camp: str  # camp on the day (actor_periods.csv), else the actor's side
    side: str  # text-analysis side (government / opposition / other / civilian / unknown)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision under one agreement."""

    violation: bool
    rule: str
    inferred: bool
    articles: tuple[str, ...] = ()
    inferred_attacker: str = ""  # the side name given to an attacker the report leaves unnamed


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision over all agreements in force: which ones the act breaches, and why."""

    violation: bool
    rule: str
    inferred: bool
    breached: tuple[Agreement, ...] = ()
    articles: tuple[tuple[Agreement, tuple[str, ...]], ...] = ()
    inferred_attacker: str = ""  # "government", or an actor id: the side the act is put on


def _other(labels: set[str]) -> set[str]:
    """The opposite side of an agreement ("b" when "a" is among ``labels``)."""
    return {"b" if "a" in labels else "a"}


def _side_name(a: Agreement, label: str) -> str:
    """A side's name for the reasons: its first entry ("@government" -> "government")."""
    members = a.side_a if label == "a" else a.side_b
    return members[0].lstrip(CAMP_PREFIX) if members else label


def _names(a: Agreement, labels: set[str]) -> str:
    """Readable, sorted side names."""
    return ", ".join(sorted(_side_name(a, x) for x in labels))


def _labels(a: Agreement, parties: Sequence[Party]) -> set[str]:
    """The sides of ``a`` the parties are on."""
    out: set[str] = set()
    for p in parties:
        out |= a.sides_of(p.key, p.camp)
    return out


def decide_under(
    a: Agreement, att: Sequence[Party], tgt: Sequence[Party], sub: str, zone_ids: list[str],
    named: Sequence[Party] = (), unclaimed: bool = False,
) -> Verdict:
    """Are attacker and target on opposite sides of THIS agreement (its own parties)?

    A side missing from the report is inferred only for acts that have one (an air strike or
    shelling on a party's area comes from the other party); the agreement's data decide who
    flies unnamed aircraft (``unattributed_air``), whose acts breach it whoever the target is
    (``breaches`` rows with ``by``) and whose forces are guarantors.
    """
    att_l, tgt_l = _labels(a, att), _labels(a, tgt)
    if att and not att_l:
        if all(p.side == UNKNOWN for p in att):
            return Verdict(False, "not a violation: attack by unidentified perpetrators", False)
        return Verdict(False, "not a violation: the attacker is not a party to the agreement",
                        False)
    if not att and unclaimed:
        return Verdict(False, "not a violation: the report says nobody claimed the act or that "
                              "who did it is disputed, so no side is inferred", False)
    inferred = from_named = False
    remote_or_clash = sub in (AIR, SHELLING, ARMED_CLASH)
    if a.strict_sides and not tgt_l and any(p.side not in (CIV, UNKNOWN) for p in tgt):
        return Verdict(False, "not a violation: the target is not a party to the agreement",
                        False)
    if not att and a.infer_from_named:
        both = _named_clash(a, named, tgt_l, sub, zone_ids)
        if both is not None:
            return both
        cand = _labels(a, named) - tgt_l
        if len(cand) == 1 and _hit_not_hitter(a, cand, sub, tgt_l):
            tgt_l = cand
        elif len(cand) == 1:
            att_l, inferred = cand, True
            from_named = True
    if att and att_l and not tgt and _own_side_only(a, att, att_l, named):
        return Verdict(False, "not a violation: the only other party the report names is on the "
                              "attacker's own side (fighting within one side)", False)
    if not att_l and tgt_l and remote_or_clash:
        att_l, inferred = _other(tgt_l) & set(a.inferable_sides), True
    elif att_l and not tgt_l and (remote_or_clash or (sub in (SUICIDE, IED, ATTACK) and bool(tgt))):
        tgt_l, inferred = _other(att_l) & set(a.inferable_sides), True
    elif not att_l and not tgt_l and sub == AIR and a.unattributed_air:
        att_l, tgt_l, inferred = {a.unattributed_air}, _other({a.unattributed_air}), True
    # The side an attacker the report leaves unnamed is put on, for the incident's actors; not
    # when it came from a party merely named in the report (often the source or the victim).
    by_inference = (_side_name(a, next(iter(att_l)))
                    if not att and not from_named and len(att_l) == 1 else "")
    if not att_l:
        return Verdict(False, "not a violation: perpetrator unknown", False)
    guarantor = any(p.key in a.guarantors for p in tgt)
    if not tgt_l:
        one_sided = [n for x in sorted(att_l) for n in a.one_sided_breach(x, sub, zone_ids)]
        if one_sided:
            return Verdict(True, (f"violation: act of the {_names(a, att_l)} side that breaches "
                                   f"{a.id} whoever its target is, inside its zone on a day it "
                                   "was in force"), False, tuple(dict.fromkeys(one_sided)))
        return Verdict(False, "not a violation: target side unknown", False)
    articles = tuple(a.breached_articles(sub, zone_ids, guarantor, att_l))
    if not articles and sub in EXPLICIT_ACTS:
        return Verdict(False, f"not a violation: no article of {a.id} forbids this act "
                       "(no fire or strike reported)", inferred)
    if guarantor:
        return Verdict(True, ("violation: attack on a guarantor's forces inside an agreement "
                               "zone on a day the agreement was in force"), inferred, articles,
                       by_inference)
    if any(x != y for x in att_l for y in tgt_l):
        how = " (one side inferred: an act against the other party's area in the zone)" \
            if inferred else ""
        return Verdict(True, (f"violation: hostile act between opposing sides "
                               f"({_names(a, att_l)} against {_names(a, tgt_l)}) inside an "
                               f"agreement zone on a day the agreement was in force{how}"),
                        inferred, articles, by_inference)
    return Verdict(False, f"not a violation: intra-side fighting ({_names(a, att_l)})", inferred)


def _hit_not_hitter(a: Agreement, cand: set[str], sub: str, tgt_l: set[str]) -> bool:
    """The one party a report names beside fire from an unnamed source is the one fired on
    ("the SDF said drones hit the dam area"): parties report the attacks they suffer.  Only
    where either side may stand in for an unnamed one, and not for air strikes when the
    named party is the side that flies unnamed aircraft."""
    if tgt_l or sub not in (AIR, SHELLING) or set(a.inferable_sides) != {"a", "b"}:
        return False
    return not (sub == AIR and a.unattributed_air in cand)


def _own_side_only(
    a: Agreement, att: Sequence[Party], att_l: set[str], named: Sequence[Party]
) -> bool:
    """An attacker with no target, and the other parties named in the report all on its own
    side of ``a`` ("HTS stormed Ahrar al-Sham's positions in Salqin"): infighting, so the
    other side is not inferred as the target."""
    keys = {p.key for p in att}
    others = _labels(a, [p for p in named if p.key not in keys])
    return bool(others) and others <= att_l and len(att_l) == 1


def _named_clash(
    a: Agreement, named: Sequence[Party], tgt_l: set[str], sub: str, zone_ids: list[str]
) -> Verdict | None:
    """Both parties of the agreement named in a clash or an exchange of fire, with no words
    saying who attacked whom ("clashes between the army and the SDF"): a violation."""
    if tgt_l or sub not in (AIR, SHELLING, ARMED_CLASH) or _labels(a, named) != {"a", "b"}:
        return None
    articles = tuple(a.breached_articles(sub, zone_ids, False, {"a", "b"}))
    return Verdict(True, (f"violation: fighting between both parties of {a.id} named in the "
                           "report (who attacked whom not stated) inside its zone on a day it was "
                           "in force"), True, articles)


def decide(
    att: Sequence[Party],
    tgt: Sequence[Party],
    zone_ids: list[str],
    agreements: Sequence[Agreement],
    sub: str,
    day: date | None,
    has_place: bool,
    covering_note: str,
    named: Sequence[Party] = (),
    unclaimed: bool = False,
) -> Decision:
    """The violation rule of ``agreements.md``, asked of each agreement in force: a hostile
    act between two of ITS opposing parties, in its zone, on a day it is in force.  The act's
    agreements are the ones it breaches (all in force when it breaches none)."""
    if not has_place:
        return Decision(False, "not a violation: no place named for the act, so no zone "
                         "applies", False)
    if not zone_ids:
        return Decision(False, "not a violation: hostile act outside every agreement zone",
                         False)
    if day is None or not agreements:
        note = f" ({covering_note})" if covering_note else ""
        return Decision(False, f"not a violation: no covering agreement in force on {day}{note}",
                         False)
    verdicts = [(a, decide_under(a, att, tgt, sub, zone_ids, named, unclaimed))
                for a in agreements]
    hits = [(a, v) for a, v in verdicts if v.violation]
    if not hits:
        first = verdicts[0][1]
        return Decision(False, first.rule, first.inferred)
    return Decision(True, hits[0][1].rule, hits[0][1].inferred,
                     tuple(a for a, _ in hits), tuple((a, v.articles) for a, v in hits),
                     hits[0][1].inferred_attacker)


def article_reasons(decision: Decision) -> list[str]:
    """Which article of each breached agreement the act breaches, with its text."""
    out: list[str] = []
    for a, numbers in decision.articles:
        for n in numbers:
            text = a.article(n)
            out.append(f"{a.id} art. {n}" + (f": {text}" if text else ""))
    return out


def camp_reasons(parties: Sequence[Party], day: date | None) -> list[str]:
    """Actors whose camp on the day differs from their usual side (HTS as the government)."""
    return [f"{p.name} counts as {p.camp} on {day} (dated camp of the actor registry)"
            for p in parties if p.camp != p.side]


def zones_at_place(ref: Registries, place: Place | None) -> tuple[list[str], list[str], bool]:
    """Zone ids at the place, with notes on approximate or region-level decisions."""
    if place is None:
        return [], [], False
    hits = ref.zones.zones_at(place.lat, place.lon)
    ids = list(dict.fromkeys(h.zone_id for h in hits))
    notes: list[str] = []
    approx = False
    if place.precision >= 4:
        approx = True
        level = "governorate" if place.precision == 4 else "region or road"
        notes.append(f"approximate zone: {place.name} is a {level} (precision "
                     f"{place.precision}); zones decided from its centroid, not an exact "
                     "point")
    for h in hits:
        if h.near_edge:
            approx = True
            notes.append(f"approximate zone: {h.zone_id} ({h.edge_distance_km:.1f} km inside "
                         "its approximate edge)")
        else:
            notes.append(f"zone {h.zone_id}" + (" (approximate geometry)" if h.approximate
                                                else ""))
    if not hits:
        notes.append(f"{place.name} is outside every agreement zone")
    return ids, notes, approx


def parties_in_role(
    ref: Registries, roles: dict[str, str], actors: dict[str, ActorInfo], role: str,
    day: date | None,
) -> list[Party]:
    """The actors in ``role`` with their id and their camp on ``day``."""
    out: list[Party] = []
    for name, r in roles.items():
        if r != role:
            continue
        info = actors[name]
        actor = ref.actors.get(name)
        key = actor.key if actor else actor_id(name)
        camp = actor.camp_on(day) if actor else info.side
        out.append(Party(name, key, camp, info.side))
    return out


def covering_note(ref: Registries, zone_ids: list[str], day: date | None) -> str:
    """Why no agreement is in force for zones/day (for the reasons), or ""."""
    if not zone_ids or day is None:
        return ""
    covering = [a for a in ref.agreements if set(a.zone_ids) & set(zone_ids)]
    if not covering:
        return "no agreement covers these zones"
    parts = []
    for a in covering:
        if day < a.start.date():
            parts.append(f"{a.id} only from {a.start.date()}")
        elif a.end is not None and day > a.end:
            parts.append(f"{a.id} ended {a.end}")
        elif not a.covers(zone_ids, day):
            ends = sorted({e for z in zone_ids if z in a.zone_ids
                           and (e := a.zone_end(z)) is not None})
            here = ", ".join(z for z in zone_ids if z in a.zone_ids)
            if ends:
                parts.append(f"{a.id} ended {ends[-1]} in {here}")
    return "; ".join(parts)
