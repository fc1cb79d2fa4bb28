"""Email channel: one SMTP message per event (plain text + HTML) through aiosmtplib.

STARTTLS and login are optional (a local relay often needs neither); a server that offers
STARTTLS is not forced into it unless `starttls` is set, so a misconfigured relay fails
loudly instead of silently sending in clear. SMTP answers become the delivery outcomes of
tracker.core.alerts: 4xx (and no answer) are tried again later, 5xx is permanent.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib

from tracker.core.alerts import Outcome, SendResult
from tracker.core.bidi import dir_attributes
from tracker.core.channels import EMAIL, EMAIL_CAPABILITIES
from tracker.core.labels import DEFAULT_LANGUAGE, Labels


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def _toll(event: Mapping[str, Any], labels: Labels) -> str:
    low, best, high = (event.get(k) for k in ("fatalities_low", "fatalities", "fatalities_high"))
    if best is None:
        return labels.get("email.toll_unknown")
    if low is not None and high is not None and low != high:
        return labels.fill("email.killed_range", n=best, low=low, high=high)
    return labels.fill("email.killed", n=best)


def email_message(event: Mapping[str, Any], labels: Labels | None = None) -> Mail:
    """An alert mail from the event contract (`/api/v1/events/{id}`): the same facts as a
    chat alert, as plain text and as HTML with every outside string escaped (feed text must
    not become markup in a mail client). `labels` (default English) word it; a language
    with an evidence label quotes the evidence sentence as written, marked right to left in
    the HTML when its script is."""
    words = labels or _default_labels()
    place = event.get("location") or {}
    where = ", ".join(p for p in (place.get("name"), place.get("admin1")) if p) or words.get(
        "email.place_unknown"
    )
    severity = str(event.get("severity") or "").upper()
    subject = words.fill(
        "email.subject",
        severity=severity,
        event_type=event.get("event_type"),
        where=where,
        date=event.get("date") or "?",
    )
    facts = [
        (
            words.get("email.event"),
            words.fill("email.event_value", id=event.get("id"), revision=event.get("revision")),
        ),
        (words.get("email.what"), f"{event.get('event_type')} / {event.get('sub_event_type')}"),
        (words.get("email.where"), where),
        (words.get("email.when"), str(event.get("date") or words.get("email.date_unknown"))),
        (words.get("email.toll"), _toll(event, words)),
        (
            words.get("email.agreements"),
            ", ".join(event.get("agreements") or []) or words.get("email.none"),
        ),
        (words.get("email.sources"), str(event.get("source_count", 0))),
    ]
    evidence = [str(e) for e in event.get("evidence") or []][:1]
    quoted = evidence if words.get("email.evidence") else []
    reasons = [str(r) for r in event.get("reasons") or []]
    link = str((event.get("links") or {}).get("self") or "")
    text = "\n".join(
        [f"{k}: {v}" for k, v in facts]
        + [f"{words.get('email.evidence')}: “{e}”" for e in quoted]
        + ([""] + [f"- {r}" for r in reasons] if reasons else [])
        + (["", link] if link else [])
    )
    # a right-to-left mail aligns its labels right; each value keeps its own direction
    th, td = ("<th align=right>", '<td dir="auto">') if words.rtl else ("<th align=left>", "<td>")
    rows = "".join(f"<tr>{th}{html.escape(k)}</th>{td}{html.escape(v)}</td></tr>" for k, v in facts)
    rows += "".join(
        f"<tr>{th}{html.escape(words.get('email.evidence'))}</th>"
        f"<td><q{dir_attributes(e)}>{html.escape(e)}</q></td></tr>"
        for e in quoted
    )
    items = "".join(f"<li{dir_attributes(r)}>{html.escape(r)}</li>" for r in reasons)
    anchor = (
        f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
        if link.startswith(("http://", "https://"))
        else (f"<p>{html.escape(link)}</p>" if link else "")
    )
    body = f"<table>{rows}</table>" + (f"<ul>{items}</ul>" if items else "") + anchor
    page = f' dir="rtl" lang="{words.language}"' if words.rtl else ""
    return Mail(
        subject=_one_line(subject), text=text, html=f"<html{page}><body>{body}</body></html>"
    )


def _default_labels() -> Labels:
    from tracker.reference import load_labels

    return load_labels(DEFAULT_LANGUAGE)


def _one_line(text: str) -> str:
    """A header value on one line (feed text must not add headers to a mail)."""
    return " ".join(text.split())[:250]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout_seconds: float = 30.0


class EmailNotifier:
    name = EMAIL
    capabilities = EMAIL_CAPABILITIES

    def __init__(self, config: SmtpConfig, languages: Mapping[str, str] | None = None) -> None:
        """`languages`: the labels' language of each address that chose one (default
        English)."""
        self.config = config
        self._languages = dict(languages or {})

    async def deliver(self, address: str, event: Mapping[str, Any], *, update: bool) -> SendResult:
        """Mail the event to `address` (one or more comma-separated mailboxes), in UTF-8
        (the text and HTML parts and, where it is not ASCII, the subject)."""
        from tracker.reference import load_labels

        mail = email_message(event, load_labels(self._languages.get(address, DEFAULT_LANGUAGE)))
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = address
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2] or None)
        msg.set_content(mail.text, charset="utf-8")
        msg.add_alternative(mail.html, subtype="html", charset="utf-8")
        c = self.config
        try:
            await aiosmtplib.send(
                msg,
                hostname=c.host,
                port=c.port,
                username=c.username or None,
                password=c.password or None,
                start_tls=c.starttls,
                use_tls=False,
                timeout=c.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            transient = codes and all(400 <= code < 500 for code in codes)
            return SendResult(Outcome.TRANSIENT if transient else Outcome.PERMANENT, error=str(exc))
        except aiosmtplib.SMTPResponseException as exc:
            outcome = Outcome.TRANSIENT if 400 <= exc.code < 500 else Outcome.PERMANENT
            return SendResult(outcome, error=f"SMTP {exc.code}: {exc.message}")
        except (aiosmtplib.SMTPException, OSError) as exc:
            return SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {exc}")
        return SendResult(Outcome.OK)

    async def close(self) -> None:
        return None
