"""The words around an alert's values, per language, as data (tracker/data/labels/*.toml).

A destination may ask for its messages in another language (`language = "ar"`): the labels
change, the values do not (event types, places and actors stay as the classifier gives them,
evidence is quoted as written). The label files are read by tracker.reference; this module
only checks and serves them. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.core.bidi import Direction

DEFAULT_LANGUAGE = "en"


class LabelError(ValueError):
    """A label file that cannot be used (missing keys, wrong types), phrased for a person."""


@dataclass(frozen=True)
class Labels:
    """One language's labels: `get("alert.place")`, `fill("alert.killed", n=3)`."""

    language: str
    direction: Direction
    texts: Mapping[str, str]

    def get(self, key: str) -> str:
        return self.texts[key]

    def fill(self, key: str, **values: object) -> str:
        """The label `key` with its `{field}`s filled in (values as given, unescaped)."""
        return self.texts[key].format(**values)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """`{"alert": {"place": "x"}}` -> `{"alert.place": "x"}` (tables become dotted keys)."""
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, str):
            out[name] = value
        else:
            raise LabelError(f"{name}: a label is text, got {type(value).__name__}")
    return out


def parse_labels(
    data: Mapping[str, Any], reference: Mapping[str, str] | None = None, origin: str = ""
) -> Labels:
    """Labels from a parsed label file. `reference` (the default language's flattened
    labels) names the keys every language must have: a missing one would otherwise show up
    as a KeyError in the middle of a delivery, long after start-up."""
    where = f"{origin}: " if origin else ""
    language = data.get("language")
    direction = data.get("direction", "ltr")
    if not isinstance(language, str) or not language:
        raise LabelError(f"{where}language: missing")
    if direction not in ("ltr", "rtl"):
        raise LabelError(f"{where}direction: must be ltr or rtl, got {direction!r}")
    texts = flatten({k: v for k, v in data.items() if k not in ("language", "direction")})
    missing = sorted(set(reference or {}) - set(texts))
    if missing:
        raise LabelError(f"{where}missing labels: {', '.join(missing)}")
    return Labels(language, direction, texts)
