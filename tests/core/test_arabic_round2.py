"""Mechanisms the Arabic round 2 (h-arab2) added, each on sentences of its own: a ceasefire
names no act, a past recalled by "بعد أيام من" is background, a source is no party, an act
noun's agent by ل outranks a subject the word order suggests, a generic party affiliated to
a named one gives way to it, places that only locate a nearer place, and a weekday after
"اليوم" naming the day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import arabic_roles, shipped_reference
from tracker.core.dates import resolve_phrase
from tracker.core.lang.ar_frontend import read_arabic
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_reading import read_sentence
from tracker.core.lang.ar_tolls import extract_toll

PUBLISHED = datetime(2019, 3, 12, 9, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture(scope="module")
def lex() -> ArabicLexicon:
    lexicon = shipped_reference().arabic
    assert lexicon is not None
    return lexicon


@pytest.mark.parametrize("sentence", [
    "أكد الطرفان التزامهما باتفاق وقف إطلاق النار في المنطقة.",
    "ويسري في المنطقة وقف لإطلاق النار بموجب تفاهم موسكو.",
    "ويأتي اللقاء بعد أيام من سيطرة قوات النظام على مدينة خان شيخون.",
    "وشهدت الأيام الماضية مواجهات متفرقة في محيط الحسكة.",
])
def test_no_act(lex: ArabicLexicon, sentence: str) -> None:
    assert read_sentence(lex, sentence).acts == []


_roles = arabic_roles


def test_a_source_is_no_party(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "أعلنت وزارة الدفاع التركية مقتل جندي بقصف نفذته قوات النظام على "
                        "نقطة المراقبة.")
    assert roles.get("Syrian government forces") == "attacker"
    assert "Turkish Armed Forces" not in roles


def test_agent_by_lam_outranks_the_subject(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "الأمن الداخلي يحبط هجوما انتحاريا لتنظيم الدولة على حاجز في الميادين")
    assert roles["Islamic State"] == "attacker"
    assert roles["General Security"] == "target"


def test_agent_by_fire(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "أصيب عنصران من الجيش باستهداف بنيران قسد قرب دير حافر")
    assert roles["Syrian Democratic Forces"] == "attacker"


def test_a_massacre_is_an_act_of_its_subject(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "ارتكبت قوات النظام، اليوم السبت، مجزرة جديدة بحق عمال الزيتون")
    assert roles["Syrian government forces"] == "attacker"


@pytest.mark.parametrize(("text", "place"), [
    ("قصفت قوات النظام قرية قوقفين بجبل الزاوية في ريف إدلب الجنوبي.", "Qoqfin"),
    ("شهد محيط حي الشيخ مقصود في مدينة حلب اشتباكات عنيفة.", "Sheikh Maqsood"),
])
def test_places_that_only_locate(lex: ArabicLexicon, text: str, place: str) -> None:
    acts = read_arabic(lex, "", text, PUBLISHED, UTC)
    assert acts and acts[0].place is not None and acts[0].place.name == place


def test_a_weekday_after_today_names_the_day(lex: ArabicLexicon) -> None:
    # Told on Tuesday after midnight about Monday evening.
    s = read_sentence(lex, "سيطرت قوات النظام مساء اليوم الاثنين على البلدة.")
    assert [d.kind for d in s.dates] == ["weekday"]
    assert resolve_phrase(s.dates[0], PUBLISHED).date == date(2019, 3, 11)


def test_a_source_named_twice_is_still_no_party(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "قالت قوات سوريا الديمقراطية (قسد) إن فصائل تابعة للحكومة السورية "
                        "شنت هجوما على قرية الجلبية")
    assert roles.get("Syrian government forces") == "attacker"
    assert "Syrian Democratic Forces" not in roles


def test_the_party_fought_with_is_the_target(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "دخلت قوات الأسد المدينة بعد معارك مع الفصائل")
    assert roles["Syrian government forces"] == "attacker"
    assert roles["Opposition armed groups (unnamed)"] == "target"


def test_a_site_after_its_target_noun_stays_the_target(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "غارات جوية استهدفت موقعا للجيش التركي في بليون")
    assert roles.get("Turkish Armed Forces") != "attacker"


@pytest.mark.parametrize(("text", "place"), [
    ("قتل مدنيون بغارات روسية على ريفي حلب الغربي وإدلب.", "western Aleppo countryside"),
    ("قصفت قوات النظام نقطة المراقبة التركية في شير مغار.", "Sher Mughar observation post"),
])
def test_more_place_forms(lex: ArabicLexicon, text: str, place: str) -> None:
    acts = read_arabic(lex, "", text, PUBLISHED, UTC)
    assert acts and acts[0].place is not None and acts[0].place.name == place


def test_the_country_locates_no_act(lex: ArabicLexicon) -> None:
    acts = read_arabic(lex, "غارات روسية على كفرنبل",
                       "قتل مدنيون بغارات روسية على مناطق في شمال غربي سوريا.", PUBLISHED, UTC)
    assert acts and acts[0].place is not None and acts[0].place.name == "Kafranbel"


def test_a_month_without_a_day_dates_an_old_act(lex: ArabicLexicon) -> None:
    s = read_sentence(lex, "قصفت قوات النظام البلدة في آذار 2015.")
    assert [(d.kind, d.values) for d in s.dates] == [("month", (0, 3, 2015))]
    assert read_sentence(lex, "أغلق باب المعبر.").dates == []  # "آب" inside "باب"


def test_a_habit_is_no_event(lex: ArabicLexicon) -> None:
    s = read_sentence(lex, "وتتوغل القوات الإسرائيلية بشكل شبه يومي في ريف القنيطرة.")
    assert s.acts == [] and s.rejected


@pytest.mark.parametrize(("sentence", "day"), [
    ("قصفت قوات النظام البلدة في الثامن من آذار.", date(2019, 3, 8)),
    ("قصفت قوات النظام البلدة في الحادي عشر من آذار.", date(2019, 3, 11)),
    ("قصفت قوات النظام البلدة في الحادي والعشرين من شباط/فبراير.", date(2019, 2, 21)),
])
def test_ordinal_days(lex: ArabicLexicon, sentence: str, day: date) -> None:
    s = read_sentence(lex, sentence)
    assert [d.kind for d in s.dates] == ["dmy"]
    assert resolve_phrase(s.dates[0], PUBLISHED).date == day


def test_a_full_ceasefire_is_no_fire(lex: ArabicLexicon) -> None:
    assert read_sentence(lex, "اتفاق آذار نص على وقف شامل لإطلاق النار بين الطرفين.").acts == []


@pytest.mark.parametrize(("sentences", "killed"), [
    (["قصفت قوات النظام البلدة.", "وأكد الدفاع المدني عدم تسجيل إصابات بشرية."], 0),
    (["توغلت دورية في القرية ثم انسحبت دون تسجيل اعتقالات أو إصابات."], 0),
    (["أصيب طفل بالقصف، ولم تُسجل أي وفيات."], 0),
    (["قتلت ثلاث معلمات وطالبة بالقصف."], 4),
    (["قتل ٥ مدنيين بالقصف ولم تسجل إصابات أخرى."], 5),
])
def test_more_toll_forms(lex: ArabicLexicon, sentences: list[str], killed: int) -> None:
    assert extract_toll(lex, sentences).best == killed


def test_a_direction_adjective_before_a_governorate_only_locates(lex: ArabicLexicon) -> None:
    acts = read_arabic(lex, "", "استهدفت قوات النظام منازل في قرية منطف جنوبي إدلب بمسيرات.",
                       PUBLISHED, UTC)
    assert acts and acts[0].place is not None and acts[0].place.name == "Moataf"


def test_the_pluperfect_recalls_the_past(lex: ArabicLexicon) -> None:
    s = read_sentence(lex, "وكانت أنقرة قد أطلقت عمليتها العسكرية، وسيطرت الفصائل على تل أبيض.")
    assert s.acts == []


def test_fire_verb_and_object_apart(lex: ArabicLexicon) -> None:
    roles = _roles(lex, "أطلقت القوات الإسرائيلية، اليوم الخميس، النار على رعاة أغنام قرب "
                        "بلدة بئر عجم")
    assert roles["Israeli forces"] == "attacker"


def test_the_same_forces_are_the_attacker_named_before(lex: ArabicLexicon) -> None:
    acts = read_arabic(lex, "", "أطلقت القوات الإسرائيلية النار على رعاة قرب بئر عجم. "
                                "وأضافت القناة أن القوات ذاتها استهدفت بقذيفتي مدفعية أراضي "
                                "جباتا الخشب.", PUBLISHED, UTC)
    assert any(a.roles.get("Israeli forces") == "attacker" for a in acts)


def test_a_following_clause_keeps_the_recalled_time(lex: ArabicLexicon) -> None:
    s = read_sentence(lex, "وتأتي الجولة بعد أيام من حادثة في حلب، نفت الفصائل مسؤوليتها "
                           "عنه، أعقبتها غارات روسية على ريف حلب الغربي.")
    assert s.acts == []
