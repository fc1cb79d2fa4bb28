"""The seam between a language's extraction front end and the shared decision.

Every front end (English in :mod:`tracker.core.classifier` with :mod:`tracker.core.frames` and
:mod:`tracker.core.arguments`; Arabic in :mod:`tracker.core.lang.ar_frontend`) reads its
sentences into act frames, folds them (:func:`tracker.core.folding.fold`) and chooses each
incident's arguments; what it hands over is one :class:`ActArguments` per incident.  From
there the violation policy, the scoring and the Incident contract are the same for every
language, so a second language can never decide differently on the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.dates import DateResolution
from tracker.core.gazetteer import Place
from tracker.core.mentions import ActorInfo
from tracker.core.numbers import Toll


@dataclass
class ActArguments:
    """The arguments of one folded act, as a front end read them (reasons in English)."""

    place: Place | None
    place_note: str
    place_src: str  # "sentence", "neighbour", "title" or "none"
    date: DateResolution
    date_src: str  # "sentence", "neighbour", "title" or "report"
    event_type: str
    sub_event_type: str
    type_note: str
    actors: dict[str, ActorInfo]
    roles: dict[str, str]
    origin_note: str
    toll: Toll
    triggers: tuple[str, ...]  # the act words (severity reads weapon words in them)
    sentences: tuple[str, ...]  # the act's sentences as written (evidence, severity)
    from_title: bool
    # The one party whose own factions fight each other in the act ("clashes between two
    # factions of the SNA"), else "": such fighting is within one side whatever the roles.
    internal: str = ""
    # The report says nobody claimed the act or that who did it is disputed: no side is put
    # on an attacker it leaves unnamed.
    unclaimed: bool = False
