"""Role mechanisms of the Arabic round 3 (h-artoll), generated from seeded templates whose
answer is the party the template puts in the role: the party accused or blamed is the
attacker, the side victims clashed "with" is the attacker, a named party that only replies
is the target, and opposing attackers yield to the first-told act's attacker."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tests.support.reference import arabic_roles, shipped_reference
from tracker.core.lang.ar_frontend import read_arabic
from tracker.core.lang.ar_lexicon import ArabicLexicon
from tracker.core.lang.ar_reading import assign_roles, read_sentence

SEED = 17
N = 12
PUBLISHED = datetime(2025, 9, 25, 15, 0, tzinfo=UTC)
GOV = "Syrian government forces"
SDF = "Syrian Democratic Forces"
# (alias, registry name), two parties that fought in 2025
PARTIES = {GOV: ["قوات الحكومة السورية", "الجيش العربي السوري", "القوات الحكومية"],
           SDF: ["قوات سوريا الديمقراطية", "قسد"]}
PLACES = ["دير حافر", "مسكنة", "الشدادي"]


@pytest.fixture(scope="module")
def lex() -> ArabicLexicon:
    lexicon = shipped_reference().arabic
    assert lexicon is not None
    return lexicon


def _pair(rng: random.Random) -> tuple[str, str]:
    first = rng.choice([GOV, SDF])
    return first, SDF if first == GOV else GOV


_roles = arabic_roles


def test_the_accused_is_the_attacker(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-accuse")
    for _ in range(N):
        accuser, accused = _pair(rng)
        a, b = rng.choice(PARTIES[accuser]), rng.choice(PARTIES[accused])
        place = rng.choice(PLACES)
        text = rng.choice([f"{a} تتهم {b} بقصف مواقعها قرب {place}",
                           f"وحمّلت {a} {b} مسؤولية قصف مواقعها في {place}"])
        roles = _roles(lex, text)
        assert roles.get(accused) == "attacker", text
        assert roles.get(accuser) != "attacker", text


def test_the_side_fought_with_hit_the_victims(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-with")
    for _ in range(N):
        victims, other = _pair(rng)
        n = rng.choice(["ثلاثة", "خمسة", "سبعة"])
        text = (f"مقتل {n} من عناصر {rng.choice(PARTIES[victims])} خلال اشتباكات مع مقاتلين "
                f"من {rng.choice(PARTIES[other])} في محيط {rng.choice(PLACES)}")
        roles = _roles(lex, text)
        assert roles.get(other) == "attacker", text
        assert roles.get(victims) == "target", text


def test_the_first_told_attacker_leads(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-lead")
    for _ in range(N):
        victims, shooter = _pair(rng)
        place = rng.choice(PLACES)
        text = (f"أفادت مصادر محلية، اليوم، بمقتل عنصرين من {rng.choice(PARTIES[victims])} "
                f"بنيران {rng.choice(PARTIES[shooter])} أثناء أداء واجبهما في منطقة {place}، "
                "أحدهما بإطلاق نار مباشر والآخر برصاص قناص. في المقابل، قال مصدر عسكري إن "
                f"{rng.choice(PARTIES[victims])} شنت هجومين بطائرات مسيرة على مواقع في {place}.")
        args = read_arabic(lex, "", text, PUBLISHED, UTC)
        assert args, text
        lead = args[0]
        attackers = {n for n, r in lead.roles.items() if r == "attacker"}
        assert shooter in attackers and victims not in attackers, (text, lead.roles)


def test_a_source_whose_own_forces_act_is_the_attacker(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-own")
    for _ in range(N):
        teller, other = _pair(rng)
        forces = rng.choice(["مقاتليه", "قواته", "عناصره"])
        aside = rng.choice(["", "، الأربعاء،"])
        when = rng.choice(["", " يوم الإثنين 7 آب"])
        text = (f"أعلن المركز الإعلامي لـ{rng.choice(PARTIES[teller])}{aside} أن {forces} "
                f"نفذوا{when} هجوماً على مواقع {rng.choice(PARTIES[other])} في "
                f"{rng.choice(PLACES)}")
        roles = _roles(lex, text)
        assert roles.get(teller) == "attacker", (text, roles)
        replied = (f"وقال {rng.choice(PARTIES[teller])} إن {forces} ردت على مصادر النيران "
                   f"في {rng.choice(PLACES)}")
        s = read_sentence(lex, replied)
        assert assign_roles(lex, s, s.acts).get(teller) != "attacker", replied


def test_a_source_named_after_head_words_is_no_party(lex: ArabicLexicon) -> None:
    rng = random.Random(f"{SEED}-heads")
    for _ in range(N):
        teller, other = _pair(rng)
        head = rng.choice(["قيادة", "قيادة قوات", "المركز الإعلامي في"])
        text = (f"أعلنت {head} {rng.choice(PARTIES[teller])} صد هجوم نفذته "
                f"{rng.choice(PARTIES[other])} على محور {rng.choice(PLACES)}")
        roles = _roles(lex, text)
        assert roles.get(teller) != "attacker", (text, roles)
        assert roles.get(other) == "attacker", (text, roles)
