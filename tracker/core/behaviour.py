"""Behavioural test cases for the classifier, in the manner of CheckList (Ribeiro et al. 2020).

Why: a score on labelled reports says how often the classifier is right on those reports; it
does not say which wordings break it. Here short reports are generated from templates and
lexicons (every alias of every armed actor, act verbs in active, passive and nominal form, place
and date phrases, toll phrases with number words) and checked capability by capability:

- MFT (minimum functionality): plain reports of one act;
- INV (invariance): the same report with a background clause, an attribution, a quote, a
  "Read more" trailer, another sentence order, another spelling of the place, a detail sentence
  or a second, smaller incident elsewhere; the primary incident must not change;
- DIR (directional): negation, denial, threat, future tense, a hypothetical or an old date; the
  report must stop yielding a violation.

Everything is seeded: the same seed gives the same cases. The module is pure: the caller passes
the places, actors and a zone test, and the classifier's output as plain dicts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tracker.core.actors import Actor
from tracker.core.evaluation import LOCATION_TOLERANCE_KM
from tracker.core.gazetteer import Place
from tracker.core.geo import haversine_km

CAPABILITIES = ("act", "roles", "place", "date", "toll", "not_act", "one_incident")

# Reports are dated in 2023: Damascus keeps UTC+3 all year and the Idlib agreements are in force.
_FIRST_DAY = date(2023, 1, 9)
_DAYS = 300


def report_days() -> tuple[date, date]:
    """The first and last day a generated report's act can fall on (callers choose places and
    actors valid over the whole span)."""
    return _FIRST_DAY - timedelta(days=6), _FIRST_DAY + timedelta(days=_DAYS)
_TZ_OFFSET = timedelta(hours=3)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True, slots=True)
class Expect:
    """What the primary incident must look like (None: not checked)."""

    attacker_side: str | None = None
    target_side: str | None = None
    place: Place | None = None
    day: date | None = None
    fatalities: int | None = None


@dataclass(frozen=True, slots=True)
class BehaviourCase:
    """One generated report and the capabilities it checks."""

    case_id: str
    test_type: str
    template: str
    text: str
    published: datetime
    checks: tuple[str, ...]
    expect: Expect = field(default_factory=Expect)


@dataclass(frozen=True, slots=True)
class _Toll:
    obj: str     # "killing {obj}"
    subj: str    # "{subj} were killed"
    plural: bool
    value: int


_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                 "eighteen", "nineteen", "twenty")
_VICTIMS = ("civilians", "people", "residents", "displaced people")
_FAMILY = (
    ("a man and his two sons", 3), ("a woman and her three children", 4),
    ("two children and their mother", 3), ("a mother and her baby", 2),
    ("a child", 1), ("an elderly man", 1), ("five members of one family", 5),
    ("seven children and two women", 9),
)


def _toll(rng: random.Random) -> _Toll:
    kind = rng.randrange(4)
    if kind == 0:
        n = rng.randrange(2, 40)
        victims = rng.choice(_VICTIMS)
        text = f"at least {n} {victims}" if rng.random() < 0.5 else f"{n} {victims}"
        return _Toll(text, text[0].upper() + text[1:], True, n)
    if kind == 1:
        n = rng.randrange(2, 21)
        victims = rng.choice(_VICTIMS)
        text = f"{_NUMBER_WORDS[n - 2]} {victims}"
        return _Toll(text, text[0].upper() + text[1:], True, n)
    phrase, value = rng.choice(_FAMILY)
    return _Toll(phrase, phrase[0].upper() + phrase[1:], value > 1, value)


@dataclass(frozen=True, slots=True)
class _When:
    text: str
    day: date


def _when(rng: random.Random, published: date) -> _When:
    back = rng.randrange(1, 6)
    day = published - timedelta(days=back)
    weekday = _WEEKDAYS[day.weekday()]
    kind = rng.randrange(7)
    if kind == 0:
        return _When("yesterday", published - timedelta(days=1))
    if kind == 1:
        return _When(f"on {day.day} {_MONTHS[day.month - 1]}", day)
    if kind == 2:
        return _When(f"at dawn on {weekday}", day)
    if kind == 3:
        return _When(f"late on {weekday}", day)
    if kind == 4:
        return _When(f"on {weekday} morning", day)
    if kind == 5:
        return _When(f"early on {_MONTHS[day.month - 1]} {day.day}", day)
    return _When(f"on {weekday}", day)


def _loc(rng: random.Random, place: Place, form: str) -> str:
    """A phrase naming the act's place: ``subject`` (a sentence subject), ``object`` (after a
    verb such as "shelled") or ``adverbial`` (after "army positions")."""
    name = place.name
    km = f"{rng.randrange(2, 9)} km {rng.choice(('south', 'east', 'north', 'west'))} of {name}"
    if form == "subject":
        return rng.choice((name, f"the town of {name}", f"the village of {name}"))
    if form == "object":
        return rng.choice((name, f"the town of {name}", f"the village of {name}",
                           f"the outskirts of {name}", f"areas near {name}",
                           f"farmland {km}"))
    return rng.choice((f"in {name}", f"near {name}", f"on the outskirts of {name}", km,
                       f"in the town of {name}", f"close to {name}"))


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


# Act templates: (name, text). Slots: {att}/{Att} attacker phrase (Att capitalised, Att_s its
# possessive, Att_f with "fighters" unless the name has a head noun), {loc} place phrase as an
# object, {sloc}/{Sloc} as a subject, {aloc} as an adverbial, {when}, {obj}/{subj}/{Subj} toll
# phrases, {were} agreeing with the toll, {n} soldiers killed.
_GOV_ACTS = (
    ("active-shelled", "{Att} shelled {loc} {when}, killing {obj}."),
    ("active-air", "{Att} carried out air strikes on {loc} {when}, killing {obj}."),
    ("active-pounded", "{Att} pounded {loc} with rockets {when}, killing {obj}."),
    ("active-targeted", "{Att} targeted {loc} with artillery {when}, killing {obj}."),
    ("passive-shelled", "{Sloc} was shelled by {att} {when}, and {subj} {were} killed."),
    ("passive-struck", "{Sloc} was struck by {att} {when}; {subj} {were} killed."),
    ("nominal-shelling", "{Att_s} shelling of {loc} {when} killed {obj}."),
    ("nominal-bombardment", "A bombardment of {loc} by {att} {when} killed {obj}."),
    ("came-under-fire", "{Sloc} came under heavy fire from {att} {when}, killing {obj}."),
    ("killed-subject", "{Subj} {were} killed when {att} shelled {loc} {when}."),
)
_OPP_ACTS = (
    ("opp-fighters-of", "Fighters of {att} attacked Syrian army positions {aloc} {when}, "
                        "killing {n} soldiers."),
    ("opp-attacked", "{Att} attacked government forces {aloc} {when}, killing {n} soldiers."),
    ("opp-stormed", "{Att_f} stormed an army post {aloc} {when}, killing {n} "
                    "soldiers."),
    ("opp-passive", "Army positions {aloc} were attacked by {att} {when}, and {n} soldiers "
                    "were killed."),
)
_DIR_ACTS = (
    ("negation", "{att} did not shell {loc} {when}, a local monitor said."),
    ("denial", "Activists denied reports that {att} had shelled {loc} {when}."),
    ("no-shelling", "No shelling was reported in {name} {when}, a local monitor said."),
    ("threat", "{att} threatened {when} to shell {loc} if the factions did not withdraw."),
    ("future", "{att} will launch an offensive on {loc} next week, a pro-government newspaper "
               "said {when}."),
    ("hypothetical", "{att} could shell {loc} at any moment, residents warned {when}."),
    ("old-date", "{att} shelled {loc} in March 2015, killing {obj}, residents recalled {when}."),
)

# Perturbations that must not change the primary incident: name -> function(text, ctx).
_BACKGROUND = (
    ", the deadliest attack on the area since the Sochi agreement of September 2018",
    ", in the heaviest bombardment of the town since 2019",
    ", the first such strike on the town since the ceasefire of March 2020",
)
_ATTRIBUTION_SUFFIX = (", activists said.", ", the White Helmets said.",
                       ", according to a war monitor.", ", local sources told reporters.")
_QUOTES = ('"We heard the jets and then the explosions," one resident told reporters.',
           '"There was nowhere to hide," said a rescue worker at the scene.',
           '"Our teams worked through the night," a civil defence volunteer said.')
_TRAILERS = ("\n\nRead more: Aid groups warn of a new wave of displacement in Idlib",
             "\n\nRelated: UN envoy calls for calm in north-west Syria\nRead more: Winter "
             "storms flood camps near the Turkish border")
_CONTEXT_FIRST = ("Residents had only returned to the area in recent weeks.",
                  "The town lies close to the front line in the Idlib region.",
                  "Tension has been rising along the front line for months.")
_TOLL_UPDATES = ("The death toll later rose to {n}, rescuers said.",
                 "By the evening the toll had risen to {n}.",
                 "The number of dead rose to {n} overnight, a monitor said.")
# A second mention of the same act, with no weapon of its own.
_DETAILS = ("The attack hit a residential street and a bakery in {name}.",
            "Homes and a bakery in {name} were damaged in the attack.",
            "Rescuers in {name} said the attack destroyed two houses.")
_BACKGROUND_SENTENCES = (
    "The area has been shelled repeatedly since 2019, despite the Russian-Turkish ceasefire.",
    "In 2020 a government offensive displaced close to a million people in the region.",
)


@dataclass(frozen=True, slots=True)
class _Base:
    """A generated MFT report with everything a perturbation needs to know about it."""

    case: BehaviourCase
    sentence: str
    place: Place
    when: _When


def _published(rng: random.Random) -> datetime:
    day = _FIRST_DAY + timedelta(days=rng.randrange(_DAYS))
    hour = rng.randrange(9, 20)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC) - _TZ_OFFSET


class _Generator:
    """Builds cases from the lexicons; one instance per seed."""

    def __init__(self, places: Sequence[Place], actors: Sequence[Actor], seed: int) -> None:
        self.rng = random.Random(seed)
        self.places = list(places)
        self.gov = [n for a in actors if a.side == "government" for n in (a.name, *a.aliases)
                    if _usable_alias(n)]
        self.opp = [n for a in actors if a.side == "opposition"
                    and not a.name.startswith("Turkish") for n in (a.name, *a.aliases)
                    if _usable_alias(n)]
        self.count = 0
        self.turns: dict[int, int] = {}

    def _id(self, kind: str) -> str:
        self.count += 1
        return f"{kind}-{self.count:05d}"

    def _attacker(self, names: list[str]) -> str:
        """Every alias once, in turn, then at random (each list keeps its own turn, so that a
        side drawn at random still goes through all its names)."""
        turn = self.turns.get(id(names), 0)
        self.turns[id(names)] = turn + 1
        return names[turn] if turn < len(names) else self.rng.choice(names)

    def base(self) -> _Base:
        rng = self.rng
        place = rng.choice(self.places)
        published = _published(rng)
        when = _when(rng, (published + _TZ_OFFSET).date())
        toll = _toll(rng)
        if rng.random() < 0.7:
            template_name, template = rng.choice(_GOV_ACTS)
            att = _phrase(self._attacker(self.gov))
            sides: tuple[str, str | None] = ("government", None)
            n = toll.value
        else:
            template_name, template = rng.choice(_OPP_ACTS)
            att = _phrase(self._attacker(self.opp))
            sides = ("opposition", "government")
            n = rng.randrange(2, 15)
        sloc = _loc(rng, place, "subject")
        sentence = template.format(
            att=att, Att=_cap(att), Att_s=_possessive(_cap(att)), Att_f=_with_head(_cap(att)),
            loc=_loc(rng, place, "object"),
            sloc=sloc, Sloc=_cap(sloc), aloc=_loc(rng, place, "adverbial"), when=when.text,
            obj=toll.obj, subj=toll.obj, Subj=toll.subj, were="were" if toll.plural else "was",
            n=n)
        value = toll.value if sides[0] == "government" else n
        expect = Expect(sides[0], sides[1], place, when.day, value)
        case = BehaviourCase(self._id("mft"), "MFT", template_name, sentence, published,
                             ("act", "roles", "place", "date", "toll"), expect)
        return _Base(case, sentence, place, when)

    def invariant(self, base: _Base) -> BehaviourCase:
        rng = self.rng
        name = rng.choice(_INVARIANTS)
        text = _perturb(name, base, rng, self.places)
        checks: tuple[str, ...] = ("act", "roles", "place", "date", "toll")
        if name in ("detail-sentence", "second-incident"):
            checks = (*checks, "one_incident")
        return replace(base.case, case_id=self._id("inv"), test_type="INV", template=name,
                       text=text, checks=checks)

    def toll_update(self, base: _Base) -> BehaviourCase:
        """The report goes on to give a higher toll: that one is the act's."""
        higher = (base.case.expect.fatalities or 0) + self.rng.randrange(2, 9)
        text = base.sentence + " " + self.rng.choice(_TOLL_UPDATES).format(n=higher)
        return replace(base.case, case_id=self._id("dir"), test_type="DIR",
                       template="toll-update", text=text, checks=("act", "toll"),
                       expect=replace(base.case.expect, fatalities=higher))

    def directional(self) -> BehaviourCase:
        rng = self.rng
        place = rng.choice(self.places)
        published = _published(rng)
        when = _when(rng, (published + _TZ_OFFSET).date())
        toll = _toll(rng)
        name, template = rng.choice(_DIR_ACTS)
        att = _phrase(self._attacker(self.gov))
        text = template.format(att=att, loc=_loc(rng, place, "object"), name=place.name,
                               when=when.text, obj=toll.obj)
        return BehaviourCase(self._id("dir"), "DIR", name, _cap(text), published, ("not_act",),
                             Expect(place=place))


_INVARIANTS = ("background-clause", "background-sentence", "attribution", "quote",
               "read-more", "context-first", "transliteration", "detail-sentence",
               "second-incident")


def _perturb(name: str, base: _Base, rng: random.Random, places: Sequence[Place]) -> str:
    s = base.sentence
    if name == "background-clause":
        return s[:-1] + rng.choice(_BACKGROUND) + "."
    if name == "background-sentence":
        return s + " " + rng.choice(_BACKGROUND_SENTENCES)
    if name == "attribution":
        return s[:-1] + rng.choice(_ATTRIBUTION_SUFFIX)
    if name == "quote":
        return s + " " + rng.choice(_QUOTES)
    if name == "read-more":
        return s + rng.choice(_TRAILERS)
    if name == "context-first":
        return rng.choice(_CONTEXT_FIRST) + " " + s
    if name == "transliteration":
        aliases = [a for a in base.place.aliases if a.isascii() and _usable_alias(a)]
        if aliases:
            return s.replace(base.place.name, rng.choice(aliases))
        return s
    if name == "detail-sentence":
        return s + " " + rng.choice(_DETAILS).format(name=base.place.name)
    # second-incident: a smaller act far away, same day
    far = [p for p in places
           if haversine_km(p.lat, p.lon, base.place.lat, base.place.lon) > 40]
    other = rng.choice(far) if far else base.place
    return s + (f" Separately, a landmine exploded near {other.name} {base.when.text}, "
                "wounding a shepherd.")


_WEAPON_ALIAS = ("strike", "bombard", "shelling", "raid", "jets", "warplanes", "aircraft",
                 "planes", "artillery", "offensive")


def _usable_alias(name: str) -> bool:
    """Latin-script names of people under arms ("Russian forces", not "Russian air strikes",
    which cannot be the subject of "shelled"): the generated reports are English."""
    low = name.lower()
    return name.isascii() and len(name) > 2 and not any(w in low for w in _WEAPON_ALIAS)


def _phrase(name: str) -> str:
    """An actor name as it stands in running text ("Syrian government forces", "HTS")."""
    return name


def _with_head(name: str) -> str:
    """ "HTS" -> "HTS fighters"; "Jolani's fighters" stays."""
    heads = ("fighters", "forces", "militants", "militias", "troops", "army", "units")
    return name if name.lower().endswith(heads) else f"{name} fighters"


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def generate(places: Sequence[Place], actors: Sequence[Actor],
             inside_zone: Callable[[Place], bool], n: int = 3200,
             seed: int = 20261206) -> list[BehaviourCase]:
    """``n`` cases (about 37% MFT, 37% INV, 26% DIR), reproducible from ``seed``.

    ``places`` are filtered to settlements inside an agreement zone (``inside_zone``) with an
    exact position, so every MFT and INV report is a violation.
    """
    # Names with a disambiguator ("Sheikh Hadid (Hama)") have homonyms: left out.
    usable = sorted((p for p in places if p.precision == 1 and p.kind == "settlement"
                     and p.country == "SY" and "(" not in p.name and inside_zone(p)),
                    key=lambda p: p.name)
    if not usable:
        raise ValueError("no settlement inside a zone to build reports around")
    gen = _Generator(usable, actors, seed)
    cases: list[BehaviourCase] = []
    k = 0
    while len(cases) < n:
        base = gen.base()
        cases.append(base.case)
        cases.append(gen.invariant(base))
        if k % 2 == 0:
            cases.append(gen.directional())
        elif k % 6 == 1:
            cases.append(gen.toll_update(base))
        k += 1
    return cases[:n]


def check(case: BehaviourCase, incidents: Sequence[Mapping[str, Any]]) -> dict[str, bool]:
    """Which of the case's capabilities hold on the classifier's incidents (as dicts)."""
    exp = case.expect
    violations = [i for i in incidents if i.get("violation")]
    primary = _nearest(violations, exp.place)
    out: dict[str, bool] = {}
    for cap in case.checks:
        if cap == "not_act":
            out[cap] = not violations
        elif primary is None:
            out[cap] = False
        elif cap == "act":
            out[cap] = True
        elif cap == "roles":
            out[cap] = _roles_ok(primary, exp)
        elif cap == "place":
            out[cap] = _km(primary, exp.place) <= LOCATION_TOLERANCE_KM
        elif cap == "date":
            out[cap] = primary.get("date") == (exp.day.isoformat() if exp.day else None)
        elif cap == "toll":
            out[cap] = primary.get("fatalities") == exp.fatalities
        elif cap == "one_incident":
            near = [i for i in incidents if _km(i, exp.place) <= LOCATION_TOLERANCE_KM]
            out[cap] = len(near) == 1
    return out


def _roles_ok(inc: Mapping[str, Any], exp: Expect) -> bool:
    actors = inc.get("actors") or []
    attackers = {a.get("side") for a in actors if a.get("role") == "attacker"}
    targets = {a.get("side") for a in actors if a.get("role") == "target"}
    if attackers != {exp.attacker_side}:
        return False
    return exp.target_side is None or exp.target_side in targets


def _km(inc: Mapping[str, Any], place: Place | None) -> float:
    loc = inc.get("location")
    if not loc or place is None:
        return float("inf")
    return haversine_km(float(loc["lat"]), float(loc["lon"]), place.lat, place.lon)


def _nearest(incidents: Sequence[Mapping[str, Any]],
             place: Place | None) -> Mapping[str, Any] | None:
    if not incidents:
        return None
    return min(incidents, key=lambda i: _km(i, place))


def summarise(results: Sequence[tuple[BehaviourCase, Mapping[str, bool]]]) -> dict[str, Any]:
    """Pass rates per capability and test type, per capability, and failing templates."""
    cells: dict[tuple[str, str], list[bool]] = {}
    by_template: dict[tuple[str, str], list[bool]] = {}
    for case, outcome in results:
        for cap, ok in outcome.items():
            cells.setdefault((cap, case.test_type), []).append(ok)
        by_template.setdefault((case.test_type, case.template), []).append(
            all(outcome.values()))
    rate = _rate
    return {
        "cases": len(results),
        "by_capability": {cap: rate([ok for (c, _), oks in cells.items() if c == cap
                                      for ok in oks])
                          for cap in CAPABILITIES if any(c == cap for c, _ in cells)},
        "by_capability_and_type": {f"{cap}/{tt}": rate(oks)
                                   for (cap, tt), oks in sorted(cells.items())},
        "by_template": {f"{tt}/{name}": rate(oks)
                        for (tt, name), oks in sorted(by_template.items())},
    }


def _rate(values: Sequence[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0
