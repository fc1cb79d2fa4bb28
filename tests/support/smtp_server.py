"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the email channel's tests: it keeps every
message it accepts, can require a login (over plain text, as a local test allows), and can
answer DATA with a chosen failure."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    # Answers to the next DATA commands (e.g. "451 try later"), then "250 OK".
    failures: list[str] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.failures:
            return self.failures.pop(0)
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(
    login: tuple[str, str] | None = None, failures: list[str] | None = None
) -> Iterator[Mailbox]:
    box = Mailbox(failures=list(failures or []))

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            login is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == login
        )
        return AuthResult(success=ok, handled=False)

    kwargs: dict[str, Any] = {}
    if login is not None:
        kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False}
    # aiosmtpd's start() connects to its own port to check it is up, so it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **kwargs)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
