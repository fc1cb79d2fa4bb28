"""Generated Arabic variations (seeded templates x lexicons), in the manner of the English
behavioural suite: actor alias x act wording x place x date phrase x toll phrase, plus
perturbations that must NOT change the primary incident (a background sentence, an attribution,
a second smaller incident, clitic forms) and ones that must (denial, threat, negation)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_classifier
from tracker.core.classifier import Classifier
from tracker.core.incident import Incident, ItemInput

PUBLISHED = datetime(2019, 3, 12, 9, 0, tzinfo=UTC)  # a Tuesday; Sochi in force in Idlib
SEED = 17
GOV = "Syrian government forces"

ACTORS = [("قوات النظام", GOV), ("قوات الأسد", GOV), ("جيش النظام", GOV),
          ("الجيش السوري", GOV), ("القوات الحكومية", GOV), ("الجيش العربي السوري", GOV),
          ("القوات الروسية", "Russian forces")]
# (place phrase, bare name for clitic forms, gazetteer name)
PLACES = [("بلدة كفرنبل", "كفرنبل", "Kafranbel"), ("مدينة سراقب", "سراقب", "Saraqib"),
          ("مدينة خان شيخون", "خان شيخون", "Khan Shaykhun"),
          ("مدينة أريحا", "أريحا", "Ariha"), ("بلدة كفرنبودة", "كفرنبودة", "Kafr Nabudah"),
          ("مدينة معرة النعمان", "معرة النعمان", "Maarat al-Numan")]
DATES = [("اليوم", date(2019, 3, 12)), ("فجر اليوم", date(2019, 3, 12)),
         ("أمس", date(2019, 3, 11)), ("مساء أمس", date(2019, 3, 11)),
         ("يوم الأحد", date(2019, 3, 10)), ("فجر الاثنين", date(2019, 3, 11)),
         ("في 9 آذار", date(2019, 3, 9)), ("في 9 مارس", date(2019, 3, 9)),
         ("في ٨ آذار/مارس", date(2019, 3, 8))]
TOLLS = [("ما أدى إلى مقتل طفلين", 2), ("ما أسفر عن مقتل ثلاثة مدنيين", 3),
         ("ما أدى إلى مقتل ٤ مدنيين وإصابة آخرين", 4), ("وأسفر القصف عن مصرع امرأة", 1),
         ("دون وقوع إصابات", 0), ("ما أدى إلى مقتل خمسة مدنيين بينهم طفل", 5)]
VERBS = ["قصفت", "استهدفت", "قصف"]
TEMPLATES = [
    "{verb} {actor} {date} {place} بقذائف المدفعية، {toll}.",
    "تعرضت {place} {date} لقصف مدفعي من قبل {actor}، {toll}.",
    "{verb} {actor} بالصواريخ {place} في ريف إدلب الجنوبي {date}، {toll}.",
]
CLITIC_TEMPLATES = [
    "وقصفت {actor} {date} بالمدفعية الثقيلة ب{bare} ومحيطها، {toll}.",
    "شهدت {place} {date} قصفاً صاروخياً لـ{actor}، {toll}.",
]
BACKGROUND = ("وكانت المنطقة قد شهدت قصفاً مماثلاً منذ توقيع اتفاق سوتشي في أيلول 2018، "
              "بحسب ناشطين.")
ATTRIBUTION = "أفاد المرصد السوري لحقوق الإنسان بأن "
SECOND = "وفي سياق متصل، سقطت قذيفة على أطراف مدينة جسر الشغور دون وقوع إصابات."


@dataclass(frozen=True)
class Case:
    text: str
    place: str
    day: date
    attacker: str
    toll: int
    kind: str  # "base", "background", "attribution", "second", "clitic"


def _cases(n: int) -> list[Case]:
    """``n`` seeded base cases and their perturbations."""
    rng = random.Random(SEED)
    out: list[Case] = []
    for _ in range(n):
        actor, who = rng.choice(ACTORS)
        place, bare, name = rng.choice(PLACES)
        words, day = rng.choice(DATES)
        toll, killed = rng.choice(TOLLS)
        fields = {"verb": rng.choice(VERBS), "actor": actor, "place": place, "bare": bare,
                  "date": words, "toll": toll}
        base = rng.choice(TEMPLATES).format(**fields)
        out.append(Case(base, name, day, who, killed, "base"))
        perturbed = {
            "background": f"{base} {BACKGROUND}",
            "attribution": ATTRIBUTION + base,
            "second": f"{base} {SECOND}",
            "clitic": rng.choice(CLITIC_TEMPLATES).format(**fields),
        }
        out.extend(Case(t, name, day, who, killed, k) for k, t in perturbed.items())
    return out


def _unreal(n: int) -> list[str]:
    """Denials, threats and negations of the same acts: no violation may come of them."""
    rng = random.Random(SEED + 1)
    forms = ["نفت {actor} أن تكون قد قصفت {place} {date}.",
             "هددت {actor} بقصف {place} إذا استمرت الهجمات.",
             "لم تقصف {actor} {place} {date} رغم التوتر، بحسب مصادر محلية.",
             "تعتزم {actor} استهداف {place} خلال الأيام المقبلة.",
             "حذرت مصادر من أن {actor} قد تقصف {place} قريباً."]
    out = []
    for _ in range(n):
        actor, _who = rng.choice(ACTORS)
        place, _bare, _name = rng.choice(PLACES)
        words, _day = rng.choice(DATES)
        out.append(rng.choice(forms).format(actor=actor, place=place, date=words))
    return out


CASES = _cases(100)
UNREAL = _unreal(100)


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return shipped_classifier()


def _primary(incidents: list[Incident], place: str) -> Incident | None:
    for inc in incidents:
        if inc.violation and inc.location is not None and inc.location.name == place:
            return inc
    return None


def _rates(clf: Classifier) -> dict[str, float]:
    passed: dict[str, list[bool]] = {}
    for case in CASES:
        got = _primary(clf.classify(ItemInput("", case.text, PUBLISHED, language="ar")),
                       case.place)
        ok = got is not None and got.date == case.day and got.fatalities == case.toll \
            and any(a.role == "attacker" and a.name == case.attacker for a in got.actors)
        passed.setdefault(case.kind, []).append(ok)
    return {k: sum(v) / len(v) for k, v in passed.items()}


def test_generated_suite_is_large_and_reproducible() -> None:
    assert len(CASES) + len(UNREAL) >= 500
    assert _cases(100) == CASES
    assert len({c.text for c in CASES}) > 400


def test_primary_incident_survives_every_perturbation(clf: Classifier) -> None:
    rates = _rates(clf)
    assert set(rates) == {"base", "background", "attribution", "second", "clitic"}
    for kind, rate in rates.items():
        assert rate >= 0.97, (kind, rate)


def test_denials_threats_and_negations_are_not_violations(clf: Classifier) -> None:
    wrong = [t for t in UNREAL
             if any(i.violation for i in clf.classify(ItemInput("", t, PUBLISHED, language="ar")))]
    assert len(wrong) <= len(UNREAL) * 0.03, wrong[:5]


def test_evidence_quotes_the_arabic_sentence_as_written(clf: Classifier) -> None:
    text = "قَصَفَتْ قوّاتُ النظام اليوم بلدة كفرنبل بقذائف المدفعية، ما أدى إلى مقتل طفلين."
    (inc,) = clf.classify(ItemInput("", text, PUBLISHED, language="ar"))
    assert inc.evidence == (text,)
    assert inc.reasons[0].isascii()  # reasons stay in English
    assert inc.location is not None and inc.location.name == "Kafranbel"
