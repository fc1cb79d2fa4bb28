"""Outside text made safe to show: links, secrets, terminal escapes and invisible characters.

Feed text, titles, URLs and error messages come from people we do not control. Every place
that shows them (Telegram alerts and digests, the console notifier, CLI commands, logs,
`/status`) goes through the few pure functions here, so that one rule is applied one way:

- `web_url`: only http(s) links with a host are ever rendered as links;
- `mask_url` / `mask_secrets`: credentials inside URLs (and known secrets such as the bot
  token) never reach an output;
- `neutralise`: bidi overrides and isolates and zero-width characters, which can make text
  read differently from what it is ("Trojan Source" tricks), are removed from every output;
- `terminal_safe`: on top of that, escape sequences (colours, cursor moves, OSC 8 links, a
  window title) and other control characters are removed before text reaches a terminal.

Nothing here does I/O; `SecretFilter` only rewrites log records.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

MASK = "***"

# -- links --------------------------------------------------------------------------------


def web_url(value: str | None) -> bool:
    """Only http(s) links with a host are rendered as links; anything else (javascript:,
    data:, tg:, ftp:, a relative path) is shown as text or dropped."""
    if not value:
        return False
    text = str(value)
    if text != text.strip() or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


# -- secrets --------------------------------------------------------------------------------

# scheme://user:password@ or scheme://token@ (userinfo is everything before the last "@"
# of the authority, which ends at the first "/", "?" or "#").
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/?#\s]*)@")
# The Bot API puts the token in the path: .../bot123456:AAF.../method
_BOT_TOKEN = re.compile(r"(/bot)\d+:[A-Za-z0-9_\-]+")


def _mask_userinfo(match: re.Match[str]) -> str:
    user, sep, _password = match.group("userinfo").partition(":")
    if sep:
        return f"{match.group('scheme')}{user}:{MASK}@"
    return f"{match.group('scheme')}{MASK}@"  # a lone token as the user name


def mask_url(url: str) -> str:
    """`postgresql+psycopg://user:secret@host/db` -> `postgresql+psycopg://user:***@host/db`.

    A URL without credentials comes back unchanged; a user name alone (often a token, as in
    `https://TOKEN@host`) is masked whole.
    """
    return mask_secrets(url)


def mask_secrets(text: str | None, secrets: Iterable[str] = ()) -> str:
    """Free text (an error message, a log line) with the credentials of every URL in it,
    Bot API tokens in URL paths and each of `secrets` replaced by `***`."""
    if not text:
        return text or ""
    out = _USERINFO.sub(_mask_userinfo, text)
    out = _BOT_TOKEN.sub(rf"\1{MASK}", out)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, MASK)
    return out


class SecretFilter(logging.Filter):
    """Masks credentials in URLs and the given secrets in every record it sees.

    Attached to a handler it covers everything that handler writes; attached to a library's
    loggers (python-telegram-bot, httpx) it covers their records before any handler sees
    them. The record is rewritten, never dropped, so the loggers stay usable at DEBUG.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Mask this value too (e.g. a bot token known only once a client is built)."""
        if secret and secret not in self.secrets:
            self.secrets = (*self.secrets, secret)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the library's problem, not ours
            return True
        masked = mask_secrets(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so a traceback quoting a URL is masked as well.
            record.exc_text = mask_secrets(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
        return True


# -- invisible and control characters --------------------------------------------------------

# Unicode Bidi_Control (ALM, LRM, RLM, embeddings, overrides, isolates) and zero-width or
# invisible formatting characters (ZWSP, ZWNJ, ZWJ, word joiner, invisible operators, BOM,
# Mongolian vowel separator, soft hyphen).
_INVISIBLE = (
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad"
)
_INVISIBLE_TABLE = dict.fromkeys(map(ord, _INVISIBLE))
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")

# ESC sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_
# ... ST), and two-character ESC sequences; then the 8-bit C1 forms of CSI and OSC.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
# C0 controls except tab and newline, DEL, and the C1 block.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def neutralise(text: str) -> str:
    """Remove bidi overrides, isolates and marks and zero-width characters: what is shown
    then reads in the order it is stored, with nothing hidden between the letters."""
    return text.translate(_INVISIBLE_TABLE)


def strip_escapes(text: str) -> str:
    """`text` without terminal escape sequences, payload included (an OSC 8 link's target
    goes with its ESC, rather than staying behind as visible text)."""
    return _ESCAPES.sub("", text)


def terminal_safe(text: str) -> str:
    """Text for a terminal: `neutralise`d, without escape sequences (colours, cursor moves,
    OSC 8 hyperlinks, window titles) or control characters other than tab and newline."""
    return _CONTROLS.sub("", strip_escapes(neutralise(text)))


def neutralised(value: T) -> T:
    """`value` with `neutralise` applied to every string inside it: strings, tuples, lists,
    mappings and (frozen) dataclasses, as the records handed to the renderers are. Values
    without such characters (nearly all) come back as the same objects, unchanged and
    uncopied, so a digest over tens of thousands of records pays almost nothing."""
    return _clean(value)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value) if _INVISIBLE_RE.search(value) else value
    if isinstance(value, tuple | list):
        items = [_clean(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        pairs = {k: _clean(v) for k, v in value.items()}
        return value if all(pairs[k] is v for k, v in value.items()) else pairs
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init:
                old = getattr(value, f.name)
                new = _clean(old)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value
