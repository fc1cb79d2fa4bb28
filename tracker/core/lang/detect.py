"""Which language an item is read in: the feed's setting, else the script its text is written in.

Why script share and not a statistical detector: the only question the classifier has to answer
is which extraction front end to run, and Arabic and English are told apart by their alphabets
alone.  Other scripts are named so that they can be counted as unsupported, never read by rules
written for another language.  Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

# Languages the classifier has an extraction front end for.
SUPPORTED = frozenset({"en", "ar"})
UNSUPPORTED_REASON = "unsupported language"

# (first, last) code points of each script the detector tells apart, with the language code a
# text mostly in that script is given.  Latin is read as English: a French or German feed
# must say its language in its settings.
_SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
            (0xFE70, 0xFEFF))),
    ("ru", ((0x0400, 0x04FF),)),
    ("he", ((0x0590, 0x05FF),)),
)
# Share of the letters an alphabet must hold for the text to be read in its language.
_MIN_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """The language an item is read in, and where that came from ("feed" or "script")."""

    code: str
    source: str

    @property
    def supported(self) -> bool:
        """Whether the classifier has a front end for the language."""
        return self.code in SUPPORTED


def normalise_code(setting: str | None) -> str | None:
    """"ar-SY", "AR", " ar_sy " -> "ar"; empty settings give None."""
    if setting is None:
        return None
    code = setting.strip().lower().replace("_", "-").split("-", 1)[0]
    return code or None


def script_language(text: str) -> str:
    """The language of the script most letters of ``text`` are in ("en" for Latin or none).

    Counts letters only (digits and punctuation are shared by the scripts), over at most the
    first 2,000 characters: enough to decide, and constant time on long articles.
    """
    sample = text[:2000]
    counts = dict.fromkeys((code for code, _ in _SCRIPTS), 0)
    # Each distinct character is classified once and counted by a C-level scan; Latin
    # letters are only counted when another script is present (else the answer is "en").
    latin_letters: list[str] = []
    for ch in set(sample):
        if not ch.isalpha():
            continue
        cp = ord(ch)
        if cp < 0x0250:
            latin_letters.append(ch)
            continue
        for code, ranges in _SCRIPTS:
            if any(lo <= cp <= hi for lo, hi in ranges):
                counts[code] += sample.count(ch)
                break
    if not any(counts.values()):
        return "en"
    latin = sum(map(sample.count, latin_letters))
    letters = latin + sum(counts.values())
    code, most = max(counts.items(), key=lambda kv: kv[1])
    return code if most / letters >= _MIN_SHARE and most >= latin else "en"


def choose_language(setting: str | None, title: str, text: str) -> LanguageChoice:
    """The feed's language when it names one, else the script of the title and text."""
    code = normalise_code(setting)
    if code is not None:
        return LanguageChoice(code, "feed")
    return LanguageChoice(script_language(f"{title}\n{text}"), "script")
