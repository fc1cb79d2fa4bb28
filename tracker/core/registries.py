"""The registries the classifier looks things up in, as one plain value of the core.

Why here: the core takes data, it does not load it.  :mod:`tracker.reference` (the I/O edge)
reads the shipped files and builds this value; the core only ever sees it, so nothing in
``tracker/core`` imports the loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.core.actors import ActorRegistry
from tracker.core.agreements import AgreementRegistry
from tracker.core.gazetteer import Gazetteer
from tracker.core.geo import ZoneIndex

if TYPE_CHECKING:
    from tracker.core.lang.ar_lexicon import ArabicLexicon


@dataclass
class Registries:
    """Everything the classifier needs to look things up; built once by the caller."""

    gazetteer: Gazetteer
    actors: ActorRegistry
    zones: ZoneIndex
    agreements: AgreementRegistry
    # Builds the Arabic front end's compiled lexicon on first use (None: Arabic items yield no
    # incidents): a tenth of a second that processes reading no Arabic never pay.
    arabic_source: Callable[[], ArabicLexicon] | None = None

    @property
    def arabic(self) -> ArabicLexicon | None:
        """The compiled Arabic lexicon, built once by ``arabic_source``."""
        return self.arabic_source() if self.arabic_source is not None else None
