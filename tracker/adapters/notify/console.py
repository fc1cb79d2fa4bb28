"""The notifier used without a Telegram token: alerts are printed, so `tracker run` shows
what it would send. It never fails, so the outbox drains as if Telegram had accepted."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import TextIO

from tracker.adapters.notify.telegram_text import TELEGRAM_TEXT
from tracker.core.alerts import Button, ChatFormat, Outcome, SendResult
from tracker.core.channels import CONSOLE, CONSOLE_CAPABILITIES
from tracker.core.sanitize import terminal_safe


class ConsoleNotifier:
    name = CONSOLE
    supports_html = False
    # no commands, no review (CONSOLE_CAPABILITIES): it has no bot methods to stub
    capabilities = CONSOLE_CAPABILITIES
    # prints what Telegram's plain fallback would show
    text: ChatFormat = TELEGRAM_TEXT

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._ids = itertools.count(1)

    def _print(self, header: str, text: str, buttons: Sequence[Button]) -> int:
        message_id = next(self._ids)
        out = self._stream or sys.stdout
        lines = [f"--- {header} (message {message_id}) ---", text]
        if buttons:
            lines.append("[" + "] [".join(b.text for b in buttons) + "]")
        # Feed text must not drive the terminal (colours, cursor moves, OSC 8 links).
        out.write(terminal_safe("\n".join(lines)) + "\n\n")
        out.flush()
        return message_id

    async def send(
        self, chat_id: int, text: str, *, html: bool, buttons: Sequence[Button] = ()
    ) -> SendResult:
        return SendResult(Outcome.OK, self._print(f"alert to chat {chat_id}", text, buttons))

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        html: bool,
        buttons: Sequence[Button] = (),
    ) -> SendResult:
        self._print(f"edit of message {message_id} in chat {chat_id}", text, buttons)
        return SendResult(Outcome.OK, message_id)

    async def send_photo(
        self, chat_id: int, photo: bytes, *, caption: str = "", html: bool = False
    ) -> SendResult:
        text = f"[PNG image, {len(photo)} bytes]" + (f"\n{caption}" if caption else "")
        return SendResult(Outcome.OK, self._print(f"photo to chat {chat_id}", text, ()))

    async def close(self) -> None:
        return None
