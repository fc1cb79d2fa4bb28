"""Text that every database accepts.

PostgreSQL `text` refuses the NUL character outright, and UTF-8 cannot encode a lone
surrogate (which a feed's `&#xD800;` or a broken byte sequence can produce). One such
character in one item used to fail the feed's whole insert on every poll, so feed text is
cleaned once, where it enters (the parser), together with the other C0 control characters,
which no reader needs and some terminals act on.
"""

from __future__ import annotations

import re

from tracker.core.sanitize import strip_escapes

# C0 controls except tab, line feed and carriage return; all UTF-16 surrogates.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without the characters a database (or a UTF-8 encoder) refuses.

    Whole escape sequences go first: dropping only their ESC would leave the rest (an OSC 8
    link's target, "[2J") as visible text."""
    return _UNSTORABLE.sub("", strip_escapes(text))


def storable_or_none(text: str | None) -> str | None:
    """`storable` for optional values; a value left empty by cleaning becomes None."""
    if text is None:
        return None
    return storable(text) or None


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _unwanted_code_point(code: int) -> bool:
    return (
        code > 0x10FFFF
        or 0xD800 <= code <= 0xDFFF
        or (code < 0x20 and code not in (0x09, 0x0A, 0x0D))
    )


def _char_ref(match: re.Match[bytes]) -> bytes:
    hex_digits, dec_digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(dec_digits)
    return b"" if _unwanted_code_point(code) else match.group(0)


def drop_bad_char_refs(body: bytes) -> bytes:
    """Remove character references to code points no text can hold (`&#0;`, `&#xD800;`,
    `&#x110000;`): feedparser's lenient parser turns them into NULs or dies on them, which
    failed the whole feed. Only ASCII-compatible bodies can contain them as written."""
    if b"&#" not in body:
        return body
    return _CHAR_REF.sub(_char_ref, body)
