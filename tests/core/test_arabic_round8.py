"""Mechanisms of the Arabic round 8 (h-ar8, issue 17), generated from seeded templates whose
answer the template fixes: control told as a state is no act; the owner of the object hit is
the target and the group an armed subject belongs to the attacker; the subject right before a
past verb is the attacker; "التنظيم" names the organisation named before; a sentence dated
weeks before the report, a pluperfect before "قبل أن", a clause opened by "إذ" after a trend,
and a sentence saying where a place lies recall or describe, they report nothing; a day after
"منذ" does not date the act; an undated separate act takes the day the report tells; a village
is not read in a governorate the sentence's countryside contradicts; setting up a checkpoint
is an incursion.  Each template varies a background clause, a passive or a number word, and
the answer must not change.  No template is a sentence of a labelled set."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.reference import arabic_roles, shipped_reference
from tracker.core.events import INCURSION
from tracker.core.lang.ar_frontend import read_arabic
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_reading import read_sentence

SEED = 8
N = 12
TZ = ZoneInfo("Asia/Damascus")
GOV = "Syrian government forces"
SDF = "Syrian Democratic Forces"
HTS = "Hayat Tahrir al-Sham"
IS = "Islamic State"
OPP = "Opposition armed groups (unnamed)"
GOV_NAMES = ["قوات النظام", "القوات الحكومية", "قوات الأسد"]
SDF_NAMES = ["قوات سوريا الديمقراطية", "قسد"]
NUMBERS = ["عنصرين", "ثلاثة عناصر", "خمسة عناصر", "عنصر"]
DAYS = ["اليوم الأحد", "صباح اليوم", "مساء اليوم", "فجر اليوم"]
# Clauses that add nothing to who did what: the answer must not move with them.
ASIDES = ["", "، بحسب مصادر محلية", "، وفق ما أفاد المرصد السوري", "، وسط استنفار أمني"]
IDLIB_VILLAGES = ["كنصفرة", "البارة", "سفوهن", "الفطيرة"]


@pytest.fixture(scope="module")
def lex() -> ArabicLexicon:
    lexicon = shipped_reference().arabic
    assert lexicon is not None
    return lexicon


_roles = arabic_roles


def test_control_told_as_a_state_is_no_act(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-state")
    for _ in range(N):
        state = rng.choice(["الخاضعة لسيطرة", "ضمن مناطق سيطرة", "تحت سيطرة"])
        text = (f"تقع بلدة {rng.choice(IDLIB_VILLAGES)} {state} {rng.choice(GOV_NAMES)} في ريف "
                f"إدلب الجنوبي{rng.choice(ASIDES)}.")
        s = read_sentence(lex, text)
        assert not s.acts, text
    # The same word as an event stays an act.
    text = f"سيطرت {rng.choice(GOV_NAMES)} {rng.choice(DAYS)} على قرية {IDLIB_VILLAGES[0]}."
    assert read_sentence(lex, text).acts, text


def test_a_sniper_of_the_factions_hits_the_soldier(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-sniper")
    for _ in range(N):
        text = (f"قُتل {rng.choice(['جندي', 'عسكري', 'ضابط'])} من {rng.choice(GOV_NAMES)}، "
                f"{rng.choice(DAYS)}، برصاص قناص من {rng.choice(['الفصائل', 'فصائل المعارضة'])} "
                f"على محور {rng.choice(IDLIB_VILLAGES)} الخاضعة لسيطرة النظام"
                f"{rng.choice(ASIDES)}.")
        roles = _roles(lex, text)
        assert roles.get(GOV) == "target", text
        assert "attacker" in roles.values() and roles.get(GOV) != "attacker", text


def test_the_owner_of_the_object_is_hit_and_the_suspected_group_fired(
        lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-owner")
    for _ in range(N):
        subject = rng.choice(["مجموعة مسلحة يُعتقد أنها تتبع لخلايا تنظيم الدولة",
                              "مجموعة مسلحة تتبع لتنظيم داعش",
                              "خلية يُرجّح أنها تتبع لخلايا داعش"])
        obj = rng.choice(["آلية عسكرية لقوات سوريا الديمقراطية",
                          "سيارة عسكرية تابعة لقسد",
                          "حاجزاً أمنياً تابعاً لقسد"])
        text = (f"استهدفت {subject}، {rng.choice(DAYS)}، {obj} بقذيفة صاروخية في قرية "
                f"الشحيل بريف دير الزور الشرقي{rng.choice(ASIDES)}.")
        roles = _roles(lex, text)
        assert roles.get(SDF) == "target", text
        assert roles.get(IS) == "attacker", text


def test_the_subject_before_a_past_verb_is_the_attacker(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-subject")
    for _ in range(N):
        verb = rng.choice(["استهدفوا", "هاجموا", "قصفوا"])
        text = (f"قالت مصادر محلية إن {rng.choice(['عناصر', 'مقاتلين'])} من "
                f"{rng.choice(SDF_NAMES)} {verb} مقراً عسكرياً تابعاً لوزارة الدفاع في "
                f"دير حافر{rng.choice(ASIDES)}، كما أطلق مسلحون النار على حاجز قريب.")
        roles = _roles(lex, text)
        assert roles.get(SDF) == "attacker", text
        assert roles.get(GOV) == "target", text


def test_the_organisation_is_the_one_named_before(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-organisation")
    published = datetime(2025, 11, 20, 15, 0, tzinfo=UTC)
    for _ in range(N):
        text = (f"تصاعدت هجمات تنظيم الدولة في ريف دير الزور{rng.choice(ASIDES)}.\n"
                f"وقالت مصادر محلية إن عناصر من التنظيم استهدفوا {rng.choice(DAYS)} آلية "
                f"عسكرية لقوات سوريا الديمقراطية في بلدة الشحيل، ما أدى إلى مقتل "
                f"{rng.choice(NUMBERS)}.")
        acts = read_arabic(lex, "", text, published, TZ)
        attackers = {n for a in acts for n, r in a.roles.items() if r == "attacker"}
        assert attackers == {IS}, text


def _incidents(lex: ArabicLexicon, text: str, published: datetime) -> list[tuple[str, date]]:
    return [(a.place.name if a.place else "", a.date.date)
            for a in read_arabic(lex, "", text, published, TZ) if a.date.date is not None]


def test_a_sentence_dated_weeks_before_the_report_recalls(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-long-before")
    published = datetime(2021, 1, 22, 15, 0, tzinfo=UTC)
    for _ in range(N):
        old = rng.choice(["منذ الثالث والعشرين من حزيران الماضي",
                          "في الخامس من تشرين الأول الماضي", "في 12 آب الماضي"])
        text = (f"قصفت طائرة مسيرة تركية {rng.choice(['اليوم الجمعة', 'صباح اليوم'])} منزلاً في "
                f"قرية ممتيه جنوب كوباني{rng.choice(ASIDES)}.\n"
                f"وأشار المصدر إلى أنها الهجوم التاسع على المنطقة {old}، حين قُتل "
                f"{rng.choice(['ثلاثة مدنيين', 'مدنيان', 'خمسة أشخاص'])} بقصف مماثل.")
        dates = {d for _, d in _incidents(lex, text, published)}
        assert dates == {date(2021, 1, 22)}, text


def test_a_pluperfect_ends_where_the_next_event_begins(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-pluperfect")
    for _ in range(N):
        subject = rng.choice(["الطيران الحربي التابع للنظام", "الطيران الحربي الروسي والسوري"])
        text = (f"وكان {subject} قد غاب عن أجواء المنطقة منذ أيام، قبل أن تخرق "
                f"{rng.choice(GOV_NAMES)} الهدوء {rng.choice(DAYS)} بقصف صاروخي على "
                f"{rng.choice(IDLIB_VILLAGES)}{rng.choice(ASIDES)}.")
        s = read_sentence(lex, text)
        assert s.acts, text
        # With no "قبل أن", every clause stays in the past.
        past = (f"وكان {subject} قد شن غارات على {rng.choice(IDLIB_VILLAGES)} قبل أسبوع، "
                "وقصف بلدات أخرى في المنطقة.")
        assert not read_sentence(lex, past).acts, past


def test_a_trend_and_its_explanation_are_no_event(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-trend")
    for _ in range(N):
        span = rng.choice(["منذ أشهر", "منذ أسابيع", "منذ سنوات"])
        text = (f"وتشهد مناطق سيطرة {rng.choice(SDF_NAMES)} تصاعداً في هجمات التنظيم {span}، "
                "إذ يستهدف مسلحوه الحواجز والآليات بالعبوات الناسفة.")
        assert not read_sentence(lex, text).acts, text


def test_where_a_place_lies_is_no_event(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-lies")
    for _ in range(N):
        verb = rng.choice(["ولا تقع", "وتقع", "ولا يقع"])
        text = (f"{verb} عين العرب ضمن المنطقة التي سيطرت عليها القوات التركية والفصائل "
                f"الموالية لها{rng.choice(ASIDES)}.")
        assert not read_sentence(lex, text).acts, text


def test_a_day_after_since_does_not_date_the_act(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-since")
    published = datetime(2025, 8, 13, 16, 0, tzinfo=UTC)
    for _ in range(N):
        text = (f"شهد الريف الغربي لمحافظة السويداء، {rng.choice(['اليوم الأربعاء', 'مساء اليوم'])}، "
                "خرقاً جديداً لاتفاق وقف إطلاق النار الساري منذ التاسع عشر من تموز، تمثل "
                f"باشتباكات متقطعة قرب بلدة عرى{rng.choice(ASIDES)}.")
        dates = {d for _, d in _incidents(lex, text, published)}
        assert dates == {date(2025, 8, 13)}, text


def test_an_undated_separate_act_takes_the_day_the_report_tells(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-separate")
    # Stamped just after midnight in Damascus: the report tells of the evening before.
    published = datetime(2022, 4, 13, 21, 5, tzinfo=UTC)
    told = date(2022, 4, 13)
    assert (published.astimezone(TZ).date() - told) == timedelta(days=1)
    for _ in range(N):
        text = (f"قُتل {rng.choice(['رجلان', 'شخصان', 'ثلاثة أشخاص'])}، مساء اليوم الأربعاء، "
                "برصاص مسلحين مجهولين في مدينة إدلب.\n"
                f"{rng.choice(['وفي سياق منفصل', 'وفي حادثة ثانية', 'وفي الشمال'])}، قصفت "
                f"{rng.choice(GOV_NAMES)} قرى {rng.choice(IDLIB_VILLAGES)} في جبل الزاوية.")
        dates = {d for _, d in _incidents(lex, text, published)}
        assert dates == {told}, text


def test_a_village_of_another_governorate_is_not_read(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-governorate")
    for _ in range(N):
        # العالية is a village of Idlib in the gazetteer; here the sentence puts it in Hasakah.
        text = (f"قُتل {rng.choice(NUMBERS)} إثر عملية تسلل على مواقع في محيط قرية العالية، "
                f"قرب بلدة تل تمر بريف الحسكة الشمالي الغربي{rng.choice(ASIDES)}.")
        s = read_sentence(lex, text)
        assert all(pm.place.admin1 == "Hasakah" for pm, _ in s.places), text


def test_setting_up_a_checkpoint_is_an_incursion(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-checkpoint")
    for _ in range(N):
        verb = rng.choice(["أقامت", "نصبت", "وأقامت"])
        obj = rng.choice(["حاجزاً عسكرياً", "حاجزاً مؤقتاً", "نقطة عسكرية"])
        text = (f"{verb} قوة من جيش الاحتلال الإسرائيلي، {rng.choice(DAYS)}، {obj} على الطريق "
                f"بين بلدتي حضر وطرنجة{rng.choice(ASIDES)}.")
        s = read_sentence(lex, text)
        assert [a.sub_event_type for a in s.acts] == [INCURSION], text
    # Setting up a camp for the displaced is no checkpoint.
    text = "أقامت منظمة إغاثية مخيماً جديداً للنازحين قرب بلدة أطمة."
    assert not read_sentence(lex, text).acts, text


def test_a_context_sentence_frames_the_report(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-context")
    published = datetime(2021, 7, 4, 12, 0, tzinfo=UTC)
    for _ in range(N):
        opener = rng.choice(["ويأتي القصف", "ويأتي ذلك", "وتأتي هذه التطورات", "وتزامن القصف"])
        frame = rng.choice(["غداة يوم دامٍ", "في ظل تصعيد", "في سياق حملة"])
        count = rng.choice(["تسعة مدنيين", "سبعة أشخاص", "خمسة مدنيين"])
        text = (f"استهدفت {rng.choice(GOV_NAMES)} بالقذائف الصاروخية، فجر اليوم الأحد، قرية "
                f"{rng.choice(IDLIB_VILLAGES)} في ريف إدلب الجنوبي{rng.choice(ASIDES)}.\n"
                f"{opener} {frame} قُتل فيه {count} بقذائف مدفعية على بلدات جبل الزاوية، "
                "إذ استهدفت مسيرات انتحارية منزلاً في المنطقة.")
        s = read_sentence(lex, text.split("\n")[1])
        assert not s.acts and s.background_only, text
        acts = read_arabic(lex, "", text, published, TZ)
        assert len(acts) == 1, text
        assert acts[0].toll.best is None, text  # the framing sentence's dead are not its


def test_fire_told_as_a_noun_with_its_agent(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-fire-noun")
    for _ in range(N):
        text = (f"أصيب {rng.choice(['ثلاثة مدنيين', 'مدنيان', 'شاب'])} بجروح، "
                f"{rng.choice(DAYS)}، إثر إطلاق {rng.choice(['جنود إسرائيليين', 'قوات الاحتلال'])} "
                f"النار عليهم قرب بلدة خان أرنبة{rng.choice(ASIDES)}.")
        roles = _roles(lex, text)
        assert roles.get("Israeli forces") == "attacker", text


def test_an_agent_reaches_past_the_part_of_a_party(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-partitive")
    for _ in range(N):
        part = rng.choice(["مجموعة من عناصر", "مجموعة من", "عدد من مقاتلي"])
        text = (f"تصدت وحدات من {rng.choice(GOV_NAMES)}، {rng.choice(DAYS)}، لمحاولة تسلل "
                f"نفذتها {part} {rng.choice(SDF_NAMES)} باتجاه مواقع الجيش في ريف الرقة "
                f"الشرقي{rng.choice(ASIDES)}.")
        roles = _roles(lex, text)
        assert roles.get(SDF) == "attacker", text
        assert roles.get(GOV) != "attacker", text


def test_a_direction_adjective_is_no_village(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-direction")
    for _ in range(N):
        sides = rng.choice(["الشمالية والشرقية", "الجنوبية", "الغربية والشمالية"])
        text = (f"دخلت وحدات من الجيش العربي السوري، {rng.choice(DAYS)}، مدينة خان شيخون "
                f"وبدأت تمشيط أحيائها {sides}{rng.choice(ASIDES)}.")
        names = {pm.place.name for pm, _ in read_sentence(lex, text).places}
        assert names == {"Khan Shaykhun"}, (text, names)


def test_the_act_named_as_the_cause_of_the_dead(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-cause")
    for _ in range(N):
        count = rng.choice(["26 مدنياً", "ستة مدنيين", "عشرات المدنيين", "طفلين"])
        cause = rng.choice(["جراء القصف الجوي", "إثر الغارات", "جراء القصف المدفعي"])
        text = (f"وثّقت الشبكة السورية لحقوق الإنسان مقتل {count}، أمس السبت، {cause} الذي "
                f"تنفذه {rng.choice(GOV_NAMES)} على بلدات الغوطة الشرقية{rng.choice(ASIDES)}.")
        roles = _roles(lex, text)
        assert roles.get(GOV) == "attacker", text
        # A rising toll over the day's acts is no act of its own.
        rising = (f"ارتفعت حصيلة القتلى {cause} على ريف إدلب أمس إلى {count}"
                  f"{rng.choice(ASIDES)}.")
        assert not read_sentence(lex, rising).acts, rising
