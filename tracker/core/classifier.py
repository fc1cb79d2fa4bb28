"""Turn one news item into incidents and decide, for each, whether it is a violation.

The pipeline, one module per step (each step explains itself in the incident's reasons):

1. document state (:mod:`tracker.core.document`): sentences, the place and actor mentions of
   each (:mod:`tracker.core.mentions`), the act scan of each (:mod:`tracker.core.events`);
2. act frames (:mod:`tracker.core.frames`): per act, the place nearest it in its sentence, its
   own date phrase and the roles of its clause; the title's acts when the body has none;
3. folding (:mod:`tracker.core.folding`): frames of the same event (same day, same or
   containing place, compatible type) become one incident; a frame without a place elaborates
   the act before it;
4. arguments (:mod:`tracker.core.arguments`): the incident's type, place, date, actors and
   toll chosen over its frames, with neighbours, the title and the report date as fall-backs;
5. violation policy (:mod:`tracker.core.policy`): zones at the place, agreements in force on
   the day, and the violation rule of ``agreements.md`` asked of each agreement;
6. scoring (:mod:`tracker.core.scoring`): severity and confidence.

This module only holds the :class:`Classifier` (the registries, built once) and assembles the
incident from those steps.  Pure: the registries (:class:`tracker.core.registries.Registries`)
and the publication time are passed in; nothing is read here.
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo

from tracker.core.actors import actor_id
from tracker.core.arguments import (
    cluster_actors,
    cluster_date,
    cluster_place,
    cluster_toll,
    cluster_type,
    internal_party,
    origin_attacker,
    unclaimed_act,
)
from tracker.core.dates import DateResolution, to_local
from tracker.core.document import Document
from tracker.core.events import AIR, SHELLING
from tracker.core.folding import Cluster, fold
from tracker.core.frames import ActFrame, act_frames, title_frames
from tracker.core.gazetteer import FoldedText, PlaceMention
from tracker.core.incident import ActorRole, Incident, ItemInput, Location
from tracker.core.lang.ar_frontend import read_arabic
from tracker.core.lang.detect import choose_language
from tracker.core.lang.seam import ActArguments
from tracker.core.mentions import (
    CIV,
    GOV,
    OPP,
    ORIGIN_ACTORS,
    UNKNOWN,
    ActorInfo,
    find_actors,
    find_places,
)
from tracker.core.policy import (
    Decision,
    article_reasons,
    camp_reasons,
    covering_note,
    decide,
    parties_in_role,
    zones_at_place,
)
from tracker.core.registries import Registries
from tracker.core.scoring import confidence, severity
from tracker.core.text import normalise, unwrap

# Damascus has kept UTC+3 all year since October 2022; callers that need exact historic
# daylight-saving offsets pass ZoneInfo("Asia/Damascus").
DEFAULT_TZ = timezone(timedelta(hours=3), "Asia/Damascus (fixed +03:00)")



def _initiator_attacks(actors: dict[str, ActorInfo], roles: dict[str, str]) -> dict[str, str]:
    """When attackers of both camps are read for one act ("X shelled Y's posts and Y
    answered with artillery"), the camp the report names attacking first is the attacker and
    the other camp's named parties its targets (event data's first actor is the initiator);
    the fighting stays between both camps, so the violation rule sees the same pair."""
    attackers = [n for n, r in roles.items() if r == "attacker" and actors.get(n) is not None
                 and actors[n].side in (GOV, OPP)]
    if len({actors[n].side for n in attackers}) < 2:
        return roles
    lead = actors[attackers[0]].side
    return {n: ("target" if n in attackers and actors[n].side != lead
                and not actors[n].generic else r) for n, r in roles.items()}


class Classifier:
    """Classifies news items; holds the reference registries, built once."""

    def __init__(self, ref: Registries, tz: tzinfo | None = None) -> None:
        """Keep the registries; ``tz`` is the place's time zone (default fixed +03:00)."""
        self._ref = ref
        self._tz = tz or DEFAULT_TZ
        self._guarantors: frozenset[str] | None = None

    # ------------------------------------------------------------------ public

    def classify(self, item: ItemInput) -> list[Incident]:
        """All incidents the item reports, violations and non-violations alike.

        The language (the item's own, else its script's) picks the extraction front end;
        a language without one yields no incidents (the service counts such items).
        """
        lang = choose_language(item.language, item.title or "", item.text or "")
        if lang.code == "ar":
            return self._arabic(item)
        if lang.code != "en":
            return []
        text = unwrap(normalise(item.text or ""))
        title = normalise(item.title or "").strip()
        published = to_local(item.published, self._tz)
        doc = Document(self._ref, self._tz, text, title, published)
        return self._incidents(doc)

    def _arabic(self, item: ItemInput) -> list[Incident]:
        """Incidents of an Arabic item: the Arabic front end reads, the shared half decides."""
        lexicon = self._ref.arabic
        if lexicon is None:
            return []
        published = to_local(item.published, self._tz)
        acts = read_arabic(lexicon, item.title or "", item.text or "", published, self._tz)
        return [self.assemble(a) for a in acts]

    # ------------------------------------------------------------ lookups

    def places(self, text: str, folded: FoldedText | None = None) -> list[PlaceMention]:
        """Resolved Syrian place mentions of a text (:func:`~tracker.core.mentions.find_places`)."""
        return find_places(self._ref, text, folded)

    def actor_mentions(
        self, text: str, folded: FoldedText | None = None
    ) -> list[tuple[int, int, ActorInfo]]:
        """Registry and generic actor mentions, registry first, no overlaps, in order."""
        return find_actors(self._ref, text, folded)

    def is_guarantor(self, name: str) -> bool:
        """Whether the named actor guarantees some agreement (attacks on it weigh more)."""
        if self._guarantors is None:
            self._guarantors = frozenset(g for a in self._ref.agreements for g in a.guarantors)
        actor = self._ref.actors.get(name)
        return (actor.key if actor else actor_id(name)) in self._guarantors

    def _stand_in(self, side: str) -> ActorInfo | None:
        """The generic actor for an inferred attacker side (a camp, or an actor id)."""
        if side in ORIGIN_ACTORS:
            return ORIGIN_ACTORS[side]
        actor = self._ref.actors.by_id(side)
        if actor is None:
            return None
        return ActorInfo(actor.name, actor.side, actor.excluded, True)

    @property
    def ref(self) -> Registries:
        """The reference data the classifier was built with."""
        return self._ref

    @property
    def tz(self) -> tzinfo:
        """Time zone used to localise publication times."""
        return self._tz

    # ------------------------------------------------------------------ incidents

    def _incidents(self, doc: Document) -> list[Incident]:
        """Build every incident of the document."""
        records = act_frames(doc)
        from_title = False
        if not records and doc.title:
            records = title_frames(doc)
            from_title = True
        clusters = fold(records, doc.pub_date)
        taken = {r.sent for r in records}
        owner = {r.sent: ci for ci, c in enumerate(clusters) for r in c.records}
        act_owner = {(r.sent, a.start): ci for ci, c in enumerate(clusters) for r in c.records
                     for a in r.acts}
        foes = _facing(records, "attacker", "target")
        assailants = _facing(records, "target", "attacker")
        sole = _sole_attacker(records)
        out = [self._incident(doc, c, ci, taken, owner, from_title, foes, assailants, sole,
                              act_owner)
               for ci, c in enumerate(clusters)]
        return [inc for inc in out if inc is not None]


    def _incident(
        self, doc: Document, c: Cluster, ci: int, taken: set[int], owner: dict[int, int],
        from_title: bool, foes: dict[str, dict[str, ActorInfo]] | None = None,
        assailants: dict[str, dict[str, ActorInfo]] | None = None,
        sole: ActorInfo | None = None,
        act_owner: dict[tuple[int, int], int] | None = None,
    ) -> Incident | None:
        """One incident from a cluster: place, date, actors, toll, zones and the decision."""
        place, place_note, place_src = cluster_place(doc, c, taken)
        date_res, date_src = cluster_date(doc, c, taken)
        event_type, sub, type_note = cluster_type(doc, c)
        actors, roles = cluster_actors(c, doc.sentence_text, lambda i: doc.actors[i])
        roles = _initiator_attacks(actors, roles)
        if foes and "attacker" in roles.values() and "target" not in roles.values():
            # The party the report has the attacker fighting elsewhere ("clashes between HTS
            # and Ahrar al-Sham ... HTS took control of Khan Shaykhun") is named for this
            # act too: the violation rule then sees fighting within one side for what it is.
            for name in [n for n, r in roles.items() if r == "attacker"]:
                for foe, info in foes.get(name, {}).items():
                    actors.setdefault(foe, info)
        elif assailants and "target" in roles.values() and "attacker" not in roles.values():
            # The other way round: "clashes continued between HTS and ..." read with HTS as
            # the target, in a report where only Hurras al-Din attacks HTS: they fight.
            hit = [n for n, r in roles.items() if r == "target"]
            who = {a: info for t in hit for a, info in assailants.get(t, {}).items()
                   if a not in roles}
            if len(who) == 1:
                name, info = next(iter(who.items()))
                actors.setdefault(name, info)
                roles[name] = "attacker"
        origin_note = ""
        unclaimed = unclaimed_act(doc, c, ci, owner)
        if not unclaimed and not any(r == "attacker" for r in roles.values()):
            origin = origin_attacker(doc, c, ci, owner)
            if origin is not None:
                info, words = origin
                actors.setdefault(info.name, info)
                roles[info.name] = "attacker"
                origin_note = f"attacker {info.name} from where the fire came: '{words}'"
            elif sole is not None and sub in _REMOTE and all(
                    r == "target" and actors[n].side in (CIV, UNKNOWN) for n, r in roles.items()):
                actors.setdefault(sole.name, sole)
                roles[sole.name] = "attacker"
                origin_note = (f"attacker {sole.name}: the one party the report names "
                               "attacking in its other acts")
        toll = cluster_toll(doc, c, ci, owner, from_title, act_owner)
        return self.assemble(ActArguments(
            place, place_note, place_src, date_res, date_src, event_type, sub, type_note,
            actors, roles, origin_note, toll,
            tuple(a.trigger for r in c.records for a in r.acts),
            tuple(doc.sentence_text(i) for i in c.sentences), from_title,
            internal_party(doc, c), unclaimed))

    def assemble(self, args: ActArguments) -> Incident:
        """The shared half of every language: zones at the place, agreements in force on the
        day, the violation rule, scoring and the Incident contract (reasons in English)."""
        reasons: list[str] = []
        place, place_note, place_src = args.place, args.place_note, args.place_src
        date_res, date_src = args.date, args.date_src
        event_type, sub, type_note = args.event_type, args.sub_event_type, args.type_note
        actors, roles = args.actors, args.roles
        origin_note, toll, from_title = args.origin_note, args.toll, args.from_title
        ref = self._ref
        loc = (Location(place.name, place.admin1, place.lat, place.lon, place.precision)
               if place else None)
        zone_ids, zone_notes, approx = zones_at_place(ref, place)
        day = date_res.date
        agreements = ref.agreements.in_force(zone_ids, day) if day and zone_ids else []
        att = parties_in_role(ref, roles, actors, "attacker", day)
        tgt = parties_in_role(ref, roles, actors, "target", day)
        named = parties_in_role(ref, {n: "" for n in actors if n not in roles}, actors, "", day)
        decision = decide(att, tgt, zone_ids, agreements, sub, day, place is not None,
                          covering_note(ref, zone_ids, day), named, args.unclaimed)
        if args.internal and decision.violation:
            decision = Decision(False, "not a violation: fighting between factions of one "
                                f"party ({args.internal})", False)
        violation, inferred = decision.violation, decision.inferred
        if violation:
            agreements = list(decision.breached)
        reasons.append(decision.rule)
        if origin_note:
            reasons.append(origin_note)
        inferred_names: set[str] = set()
        if violation and decision.inferred_attacker and "attacker" not in roles.values():
            stand_in = self._stand_in(decision.inferred_attacker)
            if stand_in is not None and stand_in.name not in roles:
                inferred_names.add(stand_in.name)
                actors.setdefault(stand_in.name, stand_in)
                roles[stand_in.name] = "attacker"
                reasons.append(f"attacker side inferred ({stand_in.name}): the report names no "
                               "attacker, and the act hit the other party's side in the zone")
        if violation:
            reasons.extend(article_reasons(decision))
        reasons.extend(camp_reasons([*att, *tgt], day))
        reasons.extend(zone_notes)
        reasons.append(f"date {day} (precision {date_res.precision}) from "
                       f"{_words(date_res)}: {date_res.reason}" if day else
                       "date unknown")
        if place_note:
            reasons.append(place_note)
        if type_note:
            reasons.append(type_note)
        reasons.extend(_role_reasons(roles, actors))
        excluded_targets = [n for n, r in roles.items() if r == "target" and actors[n].excluded]
        if violation and excluded_targets:
            reasons.append("target is a group the agreements exclude ("
                           + ", ".join(excluded_targets)
                           + "); counted, but Russia and Iran contest this")
        reasons.extend(toll.notes)
        grade = severity(sub, toll, roles, place, args.triggers, args.sentences,
                         self.is_guarantor)
        sure = confidence(place, place_src, date_res, date_src, roles, inferred, approx,
                          from_title)
        evidence = tuple(dict.fromkeys(t.strip() for t in args.sentences))[:4]
        actor_list = tuple(
            ActorRole(n, actors[n].side, roles.get(n), n in inferred_names) for n in actors
            if roles.get(n) or not actors[n].generic
        )
        return Incident(
            violation=violation,
            event_type=event_type,
            sub_event_type=sub,
            date=day,
            date_precision=date_res.precision,
            location=loc,
            fatalities=toll.best,
            fatalities_low=toll.low,
            fatalities_high=toll.high,
            injured=toll.injured,
            actors=actor_list,
            agreements=tuple(a.id for a in agreements),
            zones=tuple(zone_ids),
            severity=grade,
            confidence=sure,
            reasons=tuple(reasons),
            evidence=evidence,
        )


def _facing(records: list[ActFrame], role: str, other: str) -> dict[str, dict[str, ActorInfo]]:
    """Per party in ``role``, the named parties some act frame of the report gives it in the
    ``other`` role (attackers' targets, or targets' attackers)."""
    out: dict[str, dict[str, ActorInfo]] = {}
    for r in records:
        facing = [n for n, x in r.roles.items() if x == other and not r.actors[n].generic]
        for name, x in r.roles.items():
            if x == role:
                for f in facing:
                    if f != name:
                        out.setdefault(name, {})[f] = r.actors[f]
    return out


# Acts whose author a victim's account rarely names: the report's attacker elsewhere is theirs.
_REMOTE = (AIR, SHELLING)


def _sole_attacker(records: list[ActFrame]) -> ActorInfo | None:
    """The report's attacker when every named attacker of its act frames is of the state's
    forces: the one named most often ("regime forces" and "Russian jets" are one camp), else
    None."""
    counts: dict[str, int] = {}
    infos: dict[str, ActorInfo] = {}
    for r in records:
        for name, role in r.roles.items():
            info = r.actors[name]
            if role == "attacker" and not info.generic:
                counts[name] = counts.get(name, 0) + 1
                infos[name] = info
    if not counts:
        return None
    sides = {infos[n].side for n in counts}
    if sides != {GOV}:
        # Only the state's forces: opposition factions, Turkey, the SDF or Israel are named
        # as often for their replies, and a victim's account of their fire names them.
        return None
    return infos[max(counts, key=lambda n: counts[n])]


def _words(res: DateResolution) -> str:
    """Quoted source words of a date, or a note that none were found."""
    return f"'{res.words}'" if res.words else "no date words"


def _role_reasons(roles: dict[str, str], actors: dict[str, ActorInfo]) -> list[str]:
    """Readable attacker/target lines."""
    out = []
    for role in ("attacker", "target"):
        names = [f"{n} ({actors[n].side})" for n, r in roles.items() if r == role]
        if names:
            out.append(f"{role}: " + ", ".join(names))
    if not any(r == "attacker" for r in roles.values()):
        out.append("attacker: not identified in the report")
    return out
