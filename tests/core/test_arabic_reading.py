"""Reading Arabic sentences with the shipped lexicon: counts and tolls, both month systems and
relative dates against a given publication time, the countryside formula, and actors whose
side is the registry's (dated camps included)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_classifier, shipped_reference
from tracker.core.dates import resolve_phrase
from tracker.core.incident import ItemInput
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_reading import read_sentence
from tracker.core.lang.ar_tolls import extract_toll, parse_count
from tracker.core.lang.arabic import normalise, tokens

# A Tuesday, 09:00 UTC (12:00 in Damascus).
PUBLISHED = datetime(2019, 3, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def lex() -> ArabicLexicon:
    lexicon = shipped_reference().arabic
    assert lexicon is not None
    return lexicon


@pytest.mark.parametrize(("words", "value"), [
    ("3", 3), ("١٢", 12), ("۴", 4), ("ثلاثة", 3), ("ثلاث", 3), ("خمسة عشر", 15),
    ("أحد عشر", 11), ("خمسة وعشرين", 25), ("عشرات", 10), ("طفل", 1), ("طفلين", 2),
    ("امرأتين", 2), ("طفل وامرأة", 2), ("عنصرين", 2),
])
def test_counts(lex: ArabicLexicon, words: str, value: int) -> None:
    got = parse_count(lex, tokens(normalise(words).text), 0)
    assert got is not None and got[0] == value


@pytest.mark.parametrize(("sentence", "killed", "injured"), [
    ("قصفت قوات النظام بلدة كفرنبل ما أدى إلى مقتل طفلين وإصابة ثلاثة مدنيين.", 2, 3),
    ("قتل ٥ مدنيين وأصيب ٧ آخرون بجروح في الغارة.", 5, 7),
    ("سقط 4 قتلى و10 جرحى جراء القصف.", 4, 10),
    ("استشهد ثلاثة عناصر من الدفاع المدني.", 3, None),
    ("أسفر القصف عن مصرع امرأة وطفلها.", 1, None),
    ("سقطت قذائف على أطراف البلدة دون وقوع إصابات.", 0, None),
    ("قتل ثلاثة مدنيين، ثم ارتفعت حصيلة القتلى إلى سبعة.", 7, None),
    ("مقتل نحو عشرين شخصاً في الغارات.", 20, None),
    ("شهدت البلدة قصفاً مدفعياً عنيفاً.", None, None),
])
def test_tolls(lex: ArabicLexicon, sentence: str, killed: int | None,
               injured: int | None) -> None:
    toll = extract_toll(lex, [sentence])
    assert (toll.best, toll.injured) == (killed, injured)


@pytest.mark.parametrize(("phrase", "day"), [
    ("اليوم", date(2019, 3, 12)), ("فجر اليوم", date(2019, 3, 12)),
    ("أمس", date(2019, 3, 11)), ("مساء أمس", date(2019, 3, 11)),
    ("أول أمس", date(2019, 3, 10)), ("منتصف الليل", date(2019, 3, 12)),
    ("يوم الأحد", date(2019, 3, 10)), ("مساء الثلاثاء", date(2019, 3, 12)),
    ("ليل الأحد - الاثنين", date(2019, 3, 10)),
    ("في 5 آذار", date(2019, 3, 5)), ("في 5 مارس", date(2019, 3, 5)),
    ("في 28 شباط", date(2019, 2, 28)), ("في 28 فبراير", date(2019, 2, 28)),
    ("في ٣٠ كانون الأول", date(2018, 12, 30)), ("في ٣٠ ديسمبر", date(2018, 12, 30)),
    ("في 2 كانون الثاني 2018", date(2018, 1, 2)), ("في 2 يناير 2018", date(2018, 1, 2)),
    ("في 9 تشرين الأول", date(2018, 10, 9)), ("في 9 أكتوبر", date(2018, 10, 9)),
])
def test_dates_resolve_against_the_publication_time(lex: ArabicLexicon, phrase: str,
                                                    day: date) -> None:
    s = read_sentence(lex, f"قصفت قوات النظام بلدة كفرنبل {phrase}")
    assert s.dates, phrase
    assert resolve_phrase(s.dates[0], PUBLISHED).date == day
    assert s.dates[0].words in f"قصفت قوات النظام بلدة كفرنبل {phrase}"


@pytest.mark.parametrize(("written", "english"), [
    ("في ريف إدلب الجنوبي", "southern Idlib countryside"),
    ("بريف حماة الشمالي", "northern Hama countryside"),
    ("في ريف حماه الشمالي الغربي", "north-west Hama countryside"),
    ("في ريف حلب الغربي", "western Aleppo countryside"),
    ("جنوب إدلب", "southern Idlib countryside"),
    ("في ريف إدلب", "Idlib countryside"),
])
def test_the_countryside_formula_is_the_english_region(lex: ArabicLexicon, written: str,
                                                       english: str) -> None:
    places = read_sentence(lex, f"قصفت قوات النظام قرى {written}").places
    assert places, written
    region = places[0][0].place
    same = shipped_reference().gazetteer.lookup(english)
    assert same and region == same[0]
    assert region.precision == 5


def test_place_names_with_clitics_and_near_phrases(lex: ArabicLexicon) -> None:
    s = read_sentence(lex, "قصفت قوات النظام بكفرنبل وسراقب وقرب معرة النعمان")
    names = [(pm.place.name, ctx) for pm, ctx in s.places]
    assert [n for n, _ in names][:2] == ["Kafranbel", "Saraqib"]
    assert names[2][1] == "near"
    for pm, _ in s.places:
        assert s.text[pm.start : pm.end] == pm.surface


def test_actor_sides_come_from_the_dated_registry() -> None:
    clf = shipped_classifier()
    text = ("قصفت هيئة تحرير الشام بقذائف الهاون مواقع لقوات النظام في بلدة كفرنبودة بريف "
            "حماة الشمالي، ما أدى إلى مقتل عنصرين.")
    (inc,) = [i for i in clf.classify(ItemInput("", text, PUBLISHED, language="ar"))]
    roles = {a.name: (a.role, a.side) for a in inc.actors}
    assert roles["Hayat Tahrir al-Sham"] == ("attacker", "opposition")
    assert roles["Syrian government forces"][0] == "target"
    assert inc.violation and "sochi-2018" in inc.agreements
    # The same alias in 2026: HTS is then counted on the government's camp (actor_periods).
    later = clf.classify(ItemInput("", text, datetime(2026, 3, 10, 9, tzinfo=UTC), language="ar"))
    assert later and any("counts as government" in r for r in later[0].reasons)
