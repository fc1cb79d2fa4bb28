"""Generated toll variations for the Arabic round 3 (h-artoll): seeded templates whose only
answer is the figure the template itself writes.  Number words, duals, both digit systems,
named lists of victims ("طفلين وامرأة"), statements that nobody was hurt (0) against
statements that nothing is known yet (no figure), a total given later ("ارتفعت الحصيلة
إلى"), ages and dates beside a victim that are no count, a counted subject before a plural
verb, and a flashback's figure that belongs to an earlier event."""

from __future__ import annotations

import random

import pytest

from tests.support.reference import shipped_reference
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_tolls import extract_toll

SEED = 17
N = 24  # variations per template family

# Openings that carry the act; the toll phrase follows.
LEADS = ["قصفت قوات النظام اليوم بلدة كفرنبل بالمدفعية، ما أدى إلى",
         "شنت الطائرات الحربية الروسية غارات على مدينة أريحا، ما أسفر عن",
         "استهدفت قوات الأسد بالصواريخ قرية بزابور في جبل الأربعين، ما أدى إلى",
         "سقطت قذائف مدفعية على أطراف مدينة سراقب، وأسفرت عن"]
UNITS = {3: "ثلاثة", 4: "أربعة", 5: "خمسة", 6: "ستة", 7: "سبعة", 8: "ثمانية", 9: "تسعة",
         10: "عشرة"}
TENS = {20: "عشرين", 30: "ثلاثين", 40: "أربعين"}
PLURALS = ["مدنيين", "أشخاص", "عناصر", "أطفال", "مقاتلين"]
# (singular, dual) person nouns
PERSONS = [("طفل", "طفلين"), ("امرأة", "امرأتين"), ("رجل", "رجلين"), ("شاب", "شابين"),
           ("عنصر", "عنصرين"), ("مدني", "مدنيين")]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ZERO = ["دون وقوع إصابات", "دون وقوع خسائر بشرية", "دون أن يصاب أحد",
        "ولم تُسجل أي وفيات", "دون تسجيل إصابات بين المدنيين", "ولم يسفر القصف عن إصابات"]
UNKNOWN = ["دون ورود معلومات عن إصابات", "دون أن ترد معلومات عن ضحايا حتى ساعة إعداد الخبر",
           "ولم ترد معلومات مؤكدة عن خسائر بشرية", "دون أن تتوفر معلومات عن خسائر بشرية",
           "ولم يسفر عن خسائر بشرية معروفة", "دون الإشارة إلى وقوع وفيات حتى المساء"]


@pytest.fixture(scope="module")
def lex() -> ArabicLexicon:
    lexicon = shipped_reference().arabic
    assert lexicon is not None
    return lexicon


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}-{name}")


def _best(lex: ArabicLexicon, *sentences: str) -> int | None:
    return extract_toll(lex, list(sentences)).best


def test_number_words(lex: ArabicLexicon) -> None:
    rng = _rng("words")
    for _ in range(N):
        value = rng.choice(sorted(UNITS))
        text = f"{rng.choice(LEADS)} مقتل {UNITS[value]} {rng.choice(PLURALS)}."
        assert _best(lex, text) == value, text


def test_compound_number_words(lex: ArabicLexicon) -> None:
    rng = _rng("compound")
    for _ in range(N):
        unit, ten = rng.choice(sorted(UNITS)[:-1]), rng.choice(sorted(TENS))
        text = f"{rng.choice(LEADS)} مقتل {UNITS[unit]} و{TENS[ten]} مدنياً."
        assert _best(lex, text) == unit + ten, text


@pytest.mark.parametrize("indic", [False, True])
def test_digits_in_both_systems(lex: ArabicLexicon, indic: bool) -> None:
    rng = _rng(f"digits-{indic}")
    for _ in range(N):
        value = rng.randint(2, 150)
        figure = str(value).translate(ARABIC_INDIC) if indic else str(value)
        text = f"{rng.choice(LEADS)} مقتل {figure} {rng.choice(PLURALS)}."
        assert _best(lex, text) == value, text


def test_duals(lex: ArabicLexicon) -> None:
    rng = _rng("duals")
    for _ in range(N):
        _, dual = rng.choice(PERSONS)
        text = f"{rng.choice(LEADS)} مقتل {dual}."
        assert _best(lex, text) == 2, text


def test_named_lists_of_victims(lex: ArabicLexicon) -> None:
    rng = _rng("lists")
    for _ in range(N):
        picks = [rng.choice(PERSONS) for _ in range(rng.randint(2, 3))]
        counts = [rng.choice((1, 2)) for _ in picks]
        words = [one if n == 1 else two for (one, two), n in zip(picks, counts, strict=True)]
        text = f"{rng.choice(LEADS)} مقتل {' و'.join(words)}."
        assert _best(lex, text) == sum(counts), text


def test_a_person_joined_after_the_counted_noun(lex: ArabicLexicon) -> None:
    rng = _rng("joined")
    for _ in range(N):
        value = rng.choice(sorted(UNITS))
        adjective = rng.choice(["", " أتراك", " مدنيين"])
        joined = rng.choice(["ووالدتهم", "وأمهم", "وموظف مدني", "وامرأة"])
        text = f"قتل {UNITS[value]} جنود{adjective} {joined} جراء قصف مدفعي على سراقب."
        assert _best(lex, text) == value + 1, text


def test_nobody_hurt_is_zero(lex: ArabicLexicon) -> None:
    rng = _rng("zero")
    for _ in range(N):
        text = f"قصفت قوات النظام بلدة كفرنبل بقذائف الهاون، {rng.choice(ZERO)}."
        assert _best(lex, text) == 0, text


def test_nothing_known_is_no_figure(lex: ArabicLexicon) -> None:
    rng = _rng("unknown")
    for _ in range(N):
        text = f"قصفت قوات النظام بلدة كفرنبل بقذائف الهاون، {rng.choice(UNKNOWN)}."
        assert _best(lex, text) is None, text


def test_a_later_total_wins(lex: ArabicLexicon) -> None:
    rng = _rng("later")
    for _ in range(N):
        first = rng.randint(2, 9)
        final = first + rng.randint(1, 20)
        lead = f"{rng.choice(LEADS)} مقتل {first} مدنيين."
        later = rng.choice([f"وارتفعت حصيلة القتلى إلى {final} مدنياً.",
                            f"وقال الدفاع المدني إن الحصيلة ارتفعت إلى {final} قتيلاً.",
                            f"ثم ترتفع الحصيلة إلى {final} قتلى."])
        assert _best(lex, lead, later) == final, (lead, later)


def test_a_risen_total_several_words_after_its_subject(lex: ArabicLexicon) -> None:
    rng = _rng("risen")
    for _ in range(N):
        value = rng.randint(5, 60)
        text = (f"وأوضح المرصد أن حصيلة قتلى الفصائل خلال هجوم {rng.choice(['السبت', 'الأحد'])} "
                f"ارتفعت إلى {value} مقاتلاً على الأقل.")
        assert _best(lex, text) == value, text


def test_ages_and_dates_are_no_count(lex: ArabicLexicon) -> None:
    rng = _rng("ages")
    for _ in range(N):
        age, day = rng.randint(12, 70), rng.randint(1, 28)
        text = rng.choice([
            f"استشهد المدني أحمد ({age} عاماً) اليوم الثلاثاء {day} شباط جراء قصف للنظام.",
            f"مقتل شاب ({age} عاماً) وإصابة آخرين يوم {day} آذار بقصف مدفعي.",
        ])
        assert _best(lex, text) == 1, text


def test_a_counted_subject_before_a_plural_verb(lex: ArabicLexicon) -> None:
    rng = _rng("subject")
    for _ in range(N):
        killed, hurt = rng.choice(sorted(UNITS)), rng.randint(11, 40)
        text = (f"وقال المرصد إن {UNITS[killed]} عناصر من قوات النظام قُتلوا وأصيب {hurt} "
                "آخرون في المعارك.")
        toll = extract_toll(lex, [text])
        assert (toll.best, toll.injured) == (killed, hurt), text


def test_a_flashback_figure_is_another_event(lex: ArabicLexicon) -> None:
    rng = _rng("flashback")
    for _ in range(N):
        now, then = rng.randint(1, 9), rng.randint(10, 40)
        lead = f"{rng.choice(LEADS)} مقتل {now} مدنيين."
        past = f"وكان {then} مدنياً قد قضوا في الرابع من الشهر الجاري بقصف مماثل."
        assert _best(lex, lead, past) == now, (lead, past)


# (singular, dual) casualty nouns that are their own count
KILLED_NOUNS = [("قتيل", "قتيلين"), ("شهيد", "شهيدين")]
HURT_NOUNS = [("جريح", "جريحين")]


def test_casualty_nouns_count_themselves(lex: ArabicLexicon) -> None:
    rng = _rng("self")
    for _ in range(N):
        killed, hurt = rng.choice((1, 2)), rng.choice((1, 2, 3, 7))
        dead = rng.choice(KILLED_NOUNS)[killed - 1]
        if hurt <= 2:
            wounded = rng.choice(HURT_NOUNS)[hurt - 1]
        else:
            wounded = f"{rng.choice([str(hurt), UNITS.get(hurt, str(hurt))])} جرحى"
        text = f"قصف مدفعي لقوات النظام على أريحا أوقع {dead} و{wounded}."
        toll = extract_toll(lex, [text])
        assert (toll.best, toll.injured) == (killed, hurt), text


def test_one_person_and_an_unstated_number(lex: ArabicLexicon) -> None:
    rng = _rng("one")
    for _ in range(N):
        one, _ = rng.choice(PERSONS[:-1])
        assert _best(lex, f"{rng.choice(LEADS)} مقتل {one}.") == 1
        vague = f"{rng.choice(LEADS)} مقتل عدد من {rng.choice(PLURALS)}."
        assert _best(lex, vague) is None, vague
