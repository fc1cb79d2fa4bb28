"""Email channel: one SMTP message per event (plain text + HTML) through aiosmtplib.

STARTTLS and login are optional (a local relay often needs neither); a server that offers
STARTTLS is not forced into it unless `starttls` is set, so a misconfigured relay fails
loudly instead of silently sending in clear. SMTP answers become the delivery outcomes of
tracker.core.alerts: 4xx (and no answer) are tried again later, 5xx is permanent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib

from tracker.core.alerts import Outcome, SendResult
from tracker.core.channels import EMAIL, EMAIL_CAPABILITIES, email_message


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

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def deliver(self, address: str, event: Mapping[str, Any], *, update: bool) -> SendResult:
        """Mail the event to `address` (one or more comma-separated mailboxes)."""
        mail = email_message(event)
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = address
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2] or None)
        msg.set_content(mail.text)
        msg.add_alternative(mail.html, subtype="html")
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
