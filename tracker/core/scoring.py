"""Scoring: how grave an incident is (severity) and how sure its extraction is (confidence).

Why a module of its own: both are read by alerts, digests and the dashboard, and both are
tuned on their own (thresholds, weights) without touching what is extracted or decided.  They
are pure functions of values the classifier already has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tracker.core.dates import DateResolution
from tracker.core.events import AIR, IED, SUICIDE
from tracker.core.gazetteer import Place
from tracker.core.numbers import Toll

_CAR_BOMB_WORD = re.compile(r"car|truck|vehicle|VBIED", re.I)
_SMALL_ARMS = re.compile(r"\bsnip|\bgunfire|\bsmall\s+arms|\bmachine\s*gun", re.I)


def severity(
    sub: str,
    toll: Toll,
    roles: dict[str, str],
    place: Place | None,
    triggers: Iterable[str],
    sentences: Iterable[str],
    is_guarantor: Callable[[str], bool],
) -> str:
    """low/medium/high/critical from the act, the toll and the target.

    ``triggers`` are the words of the incident's acts, ``sentences`` its sentences;
    ``is_guarantor`` tells whether a named target guarantees some agreement.
    """
    killed = toll.best or 0
    guarantor = any(r == "target" and is_guarantor(n) for n, r in roles.items()) or bool(
        place and "observation post" in place.name.lower())
    if killed >= 20 or (guarantor and killed > 0):
        return "critical"
    car_bomb = any(_CAR_BOMB_WORD.search(t) for t in triggers)
    if killed >= 5 or sub in (AIR, SUICIDE) or (sub == IED and car_bomb):
        return "high"
    words = " ".join(sentences)
    small_arms = bool(_SMALL_ARMS.search(words))
    if small_arms and not killed and not toll.injured:
        return "low"
    return "medium"


def confidence(
    place: Place | None,
    place_src: str,
    date_res: DateResolution,
    date_src: str,
    roles: dict[str, str],
    inferred: bool,
    approx: bool,
    from_title: bool,
) -> float:
    """A 0-1 score of how sure the extraction is (place, date, sides, zone edge)."""
    score = 0.55
    if place is None:
        score -= 0.25
    else:
        if place_src == "sentence" and place.precision <= 2:
            score += 0.1
        if place.precision >= 4:
            score -= 0.15
        if place_src in ("title", "neighbour"):
            score -= 0.1
    if date_res.precision == 1:
        score += 0.1
    elif date_src == "report":
        score -= 0.05
    has_att = any(r == "attacker" for r in roles.values())
    has_tgt = any(r == "target" for r in roles.values())
    if has_att and has_tgt:
        score += 0.1
    if inferred:
        score -= 0.1
    if approx:
        score -= 0.1
    if from_title:
        score -= 0.1
    return round(min(0.98, max(0.05, score)), 2)
