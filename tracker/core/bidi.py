"""Right-to-left text among left-to-right labels: which way a text runs, and the Unicode
marks that keep it from reordering its neighbours.

Evidence sentences are quoted as written, and an Arabic report's are Arabic. A renderer that
puts such a sentence, or an Arabic place or source title, beside English labels (or English
values beside Arabic labels) must keep each run in its own direction: otherwise the Unicode
bidi algorithm moves the punctuation, numbers and neighbouring words around it. An isolate
(LRI/RLI/FSI ... PDI) does that without changing anything outside it; a mark (LRM/RLM) at a
line's start sets that line's direction in clients that ignore isolates. The direction of a
text is read from its letters (the share that are right-to-left), not from its language
setting, since a feed's language says nothing about one title or place name.

Text with no right-to-left letter is returned unchanged by every helper here, so English
output stays byte-identical. Pure: no I/O.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Direction = Literal["ltr", "rtl"]

LRI = "\u2066"  # left-to-right isolate
RLI = "\u2067"  # right-to-left isolate
FSI = "\u2068"  # first-strong isolate: the direction of the first letter inside
PDI = "\u2069"  # pop directional isolate
LRM = "\u200e"
RLM = "\u200f"

# The Unicode bidi classes of right-to-left letters (Hebrew and the like; Arabic letters).
_RTL_CLASSES = frozenset({"R", "AL"})
# A text is right-to-left when at least this share of its strong letters are.
RTL_SHARE = 0.5


def rtl_share(text: str) -> float:
    """The share of `text`'s strong letters (bidi class L, R or AL) that run right to left;
    0.0 when it has none (digits and punctuation alone have no direction)."""
    rtl = ltr = 0
    for ch in text:
        cls = unicodedata.bidirectional(ch)
        if cls in _RTL_CLASSES:
            rtl += 1
        elif cls == "L":
            ltr += 1
    total = rtl + ltr
    return rtl / total if total else 0.0


def has_rtl(text: str) -> bool:
    """Does `text` hold a single right-to-left letter? (The cheap test for "leave it be".)"""
    return any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text)


def direction(text: str) -> Direction:
    """"rtl" when at least half of the letters run right to left, else "ltr"."""
    return "rtl" if has_rtl(text) and rtl_share(text) >= RTL_SHARE else "ltr"


def lang_of(text: str) -> str | None:
    """The `lang` attribute for a right-to-left text: "ar" when its right-to-left letters
    are Arabic script, None for left-to-right text (the page's own language holds)."""
    if direction(text) != "rtl":
        return None
    arabic = sum(1 for ch in text if unicodedata.bidirectional(ch) == "AL")
    return "ar" if arabic else None


def isolate(text: str, base: Direction = "ltr") -> str:
    """`text` wrapped in an isolate of its own direction, so that it cannot reorder what
    surrounds it in a line of direction `base`. Left-to-right text in a left-to-right line is
    returned unchanged (nothing can move), as is empty text."""
    if not text:
        return text
    if not has_rtl(text):
        return text if base == "ltr" else f"{LRI}{text}{PDI}"
    return f"{RLI if direction(text) == 'rtl' else FSI}{text}{PDI}"


def line_mark(base: Direction) -> str:
    """The mark that opens a line of direction `base` (RLM for right-to-left lines, nothing
    for left-to-right ones): a client sets a line's direction by its first letter, and a
    line that opens with an emoji, a quote or an isolate would otherwise be guessed."""
    return RLM if base == "rtl" else ""



def dir_attributes(text: str) -> str:
    """` dir="rtl" lang="ar"` (the HTML attributes of an element holding `text`) when it
    runs right to left, "" otherwise: left-to-right pages stay as they were, and an
    element with `dir` is isolated from its neighbours by the browser."""
    if direction(text) != "rtl":
        return ""
    lang = lang_of(text)
    return ' dir="rtl"' + (f' lang="{lang}"' if lang else "")


# Fonts with Arabic glyphs, for elements marked lang="ar": the platforms' own (Noto on
# Linux and Android, Geeza Pro on Apple, Segoe UI and Tahoma on Windows), then DejaVu Sans,
# which has the Arabic letters too.
ARABIC_FONT_STACK = (
    '"Noto Naskh Arabic", "Noto Sans Arabic", "Geeza Pro", "Segoe UI", Tahoma, '
    '"DejaVu Sans", sans-serif'
)
