"""Arabic templates of the behavioural suite (issue 17), checked by the same capabilities.

Why a module of its own: the English generator's seeded output must stay byte-identical (its
per-capability figures are compared across rounds), so the Arabic cases are drawn from their
own random stream and reported apart.  The cases use the same :class:`BehaviourCase`,
:class:`Expect` and :func:`tracker.core.behaviour.check`, so a capability means the same in both
languages:

- act: acts in verb-subject, subject-verb, nominal and passive wording ("قصفت قوات النظام",
  "قوات النظام تقصف", "قصف مدفعي لقوات النظام", "تعرضت X لقصف من قبل Y");
- roles: the attacker's side (and the target's for attacks on government positions);
- place: the place with a head noun ("بلدة X"), a clitic ("بX", "وX"), or the countryside
  formula after it ("X بريف إدلب الجنوبي");
- date: اليوم / أمس / a weekday / day + month in both month systems, Arabic-Indic digits;
- toll: digits, number words, duals ("طفلين"), a person noun, "دون وقوع إصابات";
- not_act: negation, denial, threat and intention;
- one_incident: a detail sentence about the same act, a background sentence, an attribution.

Pure: the caller passes the places (with Arabic names) and the actors.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from tracker.core.actors import Actor
from tracker.core.behaviour import BehaviourCase, Expect, report_days
from tracker.core.gazetteer import Place
from tracker.core.geo import haversine_km

_TZ_OFFSET = timedelta(hours=3)
_FIRST_DAY, _LAST_DAY = report_days()
_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_LEVANT = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
           "تشرين الأول", "تشرين الثاني", "كانون الأول")
_EGYPT = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
          "أكتوبر", "نوفمبر", "ديسمبر")
_GOVERNORATES = {"Idlib": "إدلب", "Hama": "حماة", "Aleppo": "حلب", "Latakia": "اللاذقية"}
_DIRECTIONS = ("الجنوبي", "الشمالي", "الشرقي", "الغربي")
_NUMBER_WORDS = {3: "ثلاثة", 4: "أربعة", 5: "خمسة", 6: "ستة", 7: "سبعة", 8: "ثمانية",
                 9: "تسعة", 10: "عشرة"}
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Aliases as Arabic media write them, beside the registry's arabic column.
_GOV = ("قوات النظام", "قوات الأسد", "جيش النظام", "القوات الحكومية", "الجيش السوري",
        "الطيران الحربي الروسي", "القوات الروسية")
_OPP = ("هيئة تحرير الشام", "الجبهة الوطنية للتحرير", "فصائل المعارضة")

# (template name, text); {att} attacker, {loc} place phrase, {when} date, {toll} toll clause.
_GOV_ACTS = (
    ("vso-shelling", "قصفت {att} {when} {loc} بقذائف المدفعية، {toll}."),
    ("vso-target", "استهدفت {att} {when} {loc} بصواريخ الراجمات، {toll}."),
    ("svo", "{att} تقصف {loc} {when} بالمدفعية الثقيلة، {toll}."),
    ("nominal", "طال قصف مدفعي لـ{att} {when} {loc}، {toll}."),
    ("passive", "تعرضت {loc} {when} لقصف صاروخي من قبل {att}، {toll}."),
    ("air", "شنت طائرات {att} {when} غارات جوية على {loc}، {toll}."),
    ("source-first", "أفاد المرصد السوري لحقوق الإنسان بأن {att} قصفت {when} {loc}، {toll}."),
    ("agent-origin", "سقطت قذائف صاروخية مصدرها {att} {when} على {loc}، {toll}."),
    ("toll-first", "{lead} {when} جراء قصف مدفعي لـ{att} على {loc}."),
)
_OPP_ACTS = (
    ("opp-attack", "هاجمت {att} {when} مواقع قوات النظام في {name}، {toll}."),
    ("opp-shelling", "استهدفت {att} {when} بقذائف الهاون نقاط قوات النظام في {name}، {toll}."),
)
_NOT_ACTS = (
    ("negation", "لم تقصف {att} {loc} {when}، بحسب مصادر محلية."),
    ("denial", "نفت {att} {when} قصف {loc}."),
    ("threat", "هددت {att} {when} بقصف {loc}."),
    ("intention", "تعتزم {att} شن هجوم على {loc} خلال الأيام المقبلة."),
    ("denial-source", "نفى مصدر عسكري {when} أن تكون {att} قد قصفت {loc}."),
    ("warning", "حذرت {att} {when} من أنها ستقصف {loc} إذا استمرت الهجمات."),
    ("old-date", "استذكر الأهالي {when} كيف قصفت {att} {loc} في آذار 2015، ما أدى إلى "
                 "مقتل ثلاثة مدنيين."),
)
_INVARIANTS = ("background-sentence", "attribution", "detail-sentence", "clitic-place",
               "second-incident", "quote", "context-first")


def _apart_km(a: Place, b: Place | None) -> float:
    return float("inf") if b is None else haversine_km(a.lat, a.lon, b.lat, b.lon)


def _arabic_name(place: Place) -> str | None:
    """The place's first Arabic name without a head noun, if it has one."""
    for alias in place.aliases:
        if any("\u0621" <= ch <= "\u064a" for ch in alias) and not alias.startswith(
                ("بلدة", "قرية", "مدينة", "نقطة")):
            return alias
    return None


class _ArGenerator:
    """Builds Arabic cases; one instance per seed."""

    def __init__(self, places: Sequence[tuple[Place, str]], actors: Sequence[Actor],
                 seed: int) -> None:
        self.rng = random.Random(seed)
        self.places = list(places)
        reg_gov = [n for a in actors if a.side == "government" for n in a.arabic]
        reg_opp = [n for a in actors if a.side == "opposition"
                   and not a.name.startswith("Turkish") for n in a.arabic]
        self.gov = list(dict.fromkeys([*_GOV, *reg_gov]))
        self.opp = list(dict.fromkeys([*_OPP, *reg_opp]))
        self.count = 0

    def _id(self, kind: str) -> str:
        self.count += 1
        return f"ar-{kind}-{self.count:05d}"

    def _published(self) -> datetime:
        span = (_LAST_DAY - _FIRST_DAY).days - 7
        day = _FIRST_DAY + timedelta(days=7 + self.rng.randrange(span))
        hour = self.rng.randrange(9, 20)
        return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC) - _TZ_OFFSET

    def _when(self, local: date) -> tuple[str, date]:
        rng = self.rng
        day = local - timedelta(days=rng.randrange(2, 6))
        kind = rng.randrange(7)
        if kind == 0:
            return rng.choice(("اليوم", "فجر اليوم", "صباح اليوم")), local
        if kind == 1:
            return rng.choice(("أمس", "مساء أمس", "ليل أمس")), local - timedelta(days=1)
        if kind == 2:
            return rng.choice(("يوم", "مساء", "فجر")) + " " + _WEEKDAYS[day.weekday()], day
        if kind == 3:
            return f"في {day.day} {_LEVANT[day.month - 1]}", day
        if kind == 4:
            return f"في {day.day} {_EGYPT[day.month - 1]}", day
        if kind == 5:
            digits = str(day.day).translate(_INDIC)
            return f"في {digits} {_LEVANT[day.month - 1]}/{_EGYPT[day.month - 1]}", day
        return "يوم " + _WEEKDAYS[day.weekday()], day

    def _loc(self, place: Place, name: str) -> str:
        rng = self.rng
        kind = rng.randrange(3)
        if kind == 0:
            return f"{rng.choice(('بلدة', 'قرية'))} {name}"
        if kind == 1:
            gov = _GOVERNORATES.get(place.admin1, "")
            return f"{rng.choice(('بلدة', 'قرية'))} {name} بريف {gov} {rng.choice(_DIRECTIONS)}"
        return f"{rng.choice(('بلدة', 'قرية'))} {name} ومحيطها"

    def _lead(self) -> tuple[str, int]:
        """A toll that opens the sentence ("قُتل ثلاثة مدنيين ...")."""
        rng = self.rng
        kind = rng.randrange(3)
        if kind == 0:
            n = rng.randrange(3, 11)
            return f"قُتل {_NUMBER_WORDS[n]} مدنيين", n
        if kind == 1:
            return "قُتل طفلان", 2
        return "قُتلت امرأة وأصيب طفلها", 1

    def _toll(self) -> tuple[str, int]:
        rng = self.rng
        kind = rng.randrange(5)
        if kind == 0:
            n = rng.randrange(3, 11)
            return f"ما أدى إلى مقتل {_NUMBER_WORDS[n]} مدنيين", n
        if kind == 1:
            return "ما أسفر عن مقتل طفلين", 2
        if kind == 2:
            return "ما أدى إلى مقتل امرأة وإصابة آخرين", 1
        if kind == 3:
            n = rng.randrange(2, 20)
            return f"ما أدى إلى مقتل {str(n).translate(_INDIC)} مدنيين", n
        return "دون وقوع إصابات", 0

    def base(self) -> tuple[BehaviourCase, Place, str]:
        rng = self.rng
        place, name = rng.choice(self.places)
        published = self._published()
        text_when, day = self._when((published + _TZ_OFFSET).date())
        toll, n = self._toll()
        if rng.random() < 0.7:
            template_name, template = rng.choice(_GOV_ACTS)
            att = rng.choice(self.gov)
            sides: tuple[str, str | None] = ("government", None)
        else:
            template_name, template = rng.choice(_OPP_ACTS)
            att = rng.choice(self.opp)
            sides = ("opposition", "government")
            n = rng.randrange(2, 11)
            toll = f"ما أدى إلى مقتل {_NUMBER_WORDS.get(n, str(n))} عناصر منها" if n > 2 \
                else "ما أدى إلى مقتل عنصرين منها"
        if template_name == "toll-first":
            toll, n = self._lead()
        text = template.format(att=att, when=text_when, loc=self._loc(place, name), name=name,
                               toll=toll, lead=toll)
        case = BehaviourCase(self._id("mft"), "MFT", template_name, text, published,
                             ("act", "roles", "place", "date", "toll"),
                             Expect(sides[0], sides[1], place, day, n))
        return case, place, name

    def invariant(self, base: BehaviourCase, name: str) -> BehaviourCase:
        rng = self.rng
        kind = rng.choice(_INVARIANTS)
        checks: tuple[str, ...] = ("act", "roles", "place", "date", "toll")
        if kind == "background-sentence":
            text = base.text + " " + rng.choice((
                "وتتعرض المنطقة لقصف متكرر منذ سنوات.",
                "ويسري في المنطقة وقف لإطلاق النار منذ آذار 2020."))
        elif kind == "attribution":
            text = base.text[:-1] + "، بحسب المرصد السوري لحقوق الإنسان."
        elif kind == "detail-sentence":
            text = base.text + f" وطال القصف منازل المدنيين في {name}."
            checks = (*checks, "one_incident")
        elif kind == "clitic-place":
            text = base.text.replace(f"بلدة {name}", f"وب{name}", 1).replace(
                f"قرية {name}", f"وب{name}", 1)
        elif kind == "second-incident":
            far = [pn for p, pn in self.places if _apart_km(p, base.expect.place) > 40]
            other = rng.choice(far) if far else name
            text = base.text + (f" وفي سياق منفصل، سقطت قذيفة هاون على أطراف قرية {other} "
                                "دون وقوع إصابات.")
            checks = (*checks, "one_incident")
        elif kind == "quote":
            text = base.text + " وقال أحد السكان: «سمعنا دوي الانفجارات طوال الليل»."
        else:
            text = "عاد كثير من الأهالي إلى المنطقة خلال الشهر الماضي. " + base.text
        return replace(base, case_id=self._id("inv"), test_type="INV", template=kind,
                       text=text, checks=checks)

    def directional(self) -> BehaviourCase:
        rng = self.rng
        place, name = rng.choice(self.places)
        published = self._published()
        text_when, _ = self._when((published + _TZ_OFFSET).date())
        kind, template = rng.choice(_NOT_ACTS)
        text = template.format(att=rng.choice(self.gov), loc=self._loc(place, name),
                               when=text_when)
        return BehaviourCase(self._id("dir"), "DIR", kind, text, published, ("not_act",),
                             Expect(place=place))


def generate_arabic(places: Sequence[Place], actors: Sequence[Actor], n: int = 400,
                    seed: int = 20261206) -> list[BehaviourCase]:
    """``n`` Arabic cases (about 40% MFT, 40% INV, 20% DIR), reproducible from ``seed``.

    ``places`` are the English suite's usable places (settlements inside a zone binding the
    two camps); those with an Arabic name of one word or two are kept."""
    usable = sorted(((p, a) for p in places if (a := _arabic_name(p)) is not None
                     and len(a.split()) <= 2 and p.admin1 in _GOVERNORATES),
                    key=lambda pa: pa[0].name)
    if not usable:
        raise ValueError("no place with an Arabic name to build reports around")
    gen = _ArGenerator(usable, actors, seed)
    cases: list[BehaviourCase] = []
    k = 0
    while len(cases) < n:
        base, _, name = gen.base()
        cases.append(base)
        cases.append(gen.invariant(base, name))
        if k % 2 == 0:
            cases.append(gen.directional())
        k += 1
    return cases[:n]
