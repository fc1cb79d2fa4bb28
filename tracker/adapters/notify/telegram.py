"""Telegram through python-telegram-bot: one ExtBot with AIORateLimiter (30 messages/s
overall, 20 per minute per group), its exceptions turned into the core's SendResult so the
delivery service never sees a library type."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from tracker.adapters.notify.telegram_text import TELEGRAM_TEXT
from tracker.core.alerts import BotUpdate, Button, ChatFormat, Outcome, SendResult
from tracker.core.channels import TELEGRAM, TELEGRAM_CAPABILITIES
from tracker.core.sanitize import SecretFilter

log = logging.getLogger(__name__)

# python-telegram-bot logs the Bot API URL (".../bot<token>") at DEBUG, httpx every request
# URL at INFO: one filter on their loggers masks the token before any handler sees it.
_LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore")
_TOKEN_FILTER = SecretFilter()


def mask_token_in_library_logs(token: str) -> None:
    """Attach the token filter to every python-telegram-bot and httpx logger (records are
    rewritten, not dropped, so the loggers stay usable at DEBUG)."""
    _TOKEN_FILTER.add(token)
    names = set(_LIBRARY_LOGGERS) | {
        name
        for name in list(logging.Logger.manager.loggerDict)
        if name.split(".")[0] in _LIBRARY_LOGGERS
    }
    for name in sorted(names):
        logger = logging.getLogger(name)
        if _TOKEN_FILTER not in logger.filters:
            logger.addFilter(_TOKEN_FILTER)


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that the type will become timedelta
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def to_result(exc: TelegramError) -> SendResult:
    """Map a python-telegram-bot error to what the delivery loop should do about it."""
    text = str(exc)
    low = text.lower()
    if isinstance(exc, RetryAfter):
        return SendResult(Outcome.RETRY_AFTER, retry_after=_retry_seconds(exc), error=text)
    if isinstance(exc, ChatMigrated):
        return SendResult(Outcome.MIGRATED, new_chat_id=int(exc.new_chat_id), error=text)
    if isinstance(exc, Forbidden):
        return SendResult(Outcome.FORBIDDEN, error=text)
    if isinstance(exc, BadRequest):  # a subclass of NetworkError: test it first
        if "chat not found" in low:
            return SendResult(Outcome.FORBIDDEN, error=text)
        if "parse entities" in low or "can't find end" in low:
            return SendResult(Outcome.PARSE_ERROR, error=text)
        if "message is not modified" in low:
            return SendResult(Outcome.NOT_MODIFIED, error=text)
        return SendResult(Outcome.PERMANENT, error=text)
    if isinstance(exc, NetworkError):  # TimedOut, 5xx, connection errors
        return SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {text}")
    return SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {text}")


def _markup(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in buttons]]
    )


def to_update(update: Update) -> BotUpdate | None:
    """Commands (text messages) and button presses; everything else is ignored."""
    user = update.effective_user
    who = (f"@{user.username}" if user.username else user.full_name) if user else "unknown"
    if user is not None:
        who = f"{who} ({user.id})"
    query = update.callback_query
    if query is not None:
        # A press on an inline or vanished message has no message: it is still answered.
        message = query.message
        return BotUpdate(
            update.update_id,
            message.chat.id if message is not None else 0,
            who,
            callback_id=query.id,
            callback_data=query.data or "",
            message_id=message.message_id if message is not None else None,
        )
    message = update.effective_message
    if message is None or not message.text:
        return None
    return BotUpdate(update.update_id, message.chat.id, who, text=message.text)


class TelegramNotifier:
    name = TELEGRAM
    supports_html = True
    capabilities = TELEGRAM_CAPABILITIES
    text: ChatFormat = TELEGRAM_TEXT

    def __init__(
        self,
        token: str,
        base_url: str,
        timeout_seconds: float,
        long_poll_seconds: int,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
    ) -> None:
        mask_token_in_library_logs(token)  # before ExtBot, which logs its URL when built
        request = HTTPXRequest(
            connection_pool_size=64,
            read_timeout=timeout_seconds,
            write_timeout=timeout_seconds,
            connect_timeout=timeout_seconds,
            pool_timeout=timeout_seconds,
        )
        updates_request = HTTPXRequest(
            connection_pool_size=2,
            read_timeout=timeout_seconds + long_poll_seconds,
            connect_timeout=timeout_seconds,
        )
        # AIORateLimiter's limiters are leaky buckets: a full bucket of 30 followed by 30/s
        # would put up to 60 messages in one second. Small buckets with the remaining rate
        # keep every one-second window at 30 and every one-minute window of a group at 20.
        # A margin of a sixth (5 of 30) absorbs the limiter's timing slack and the jitter
        # between leaving the limiter and reaching Telegram (measured: a 27/s limiter was
        # seen as 31 in one second at the server).
        burst = min(3.0, overall_per_second / 3)
        overall_period = burst / max(1.0, overall_per_second * 5 / 6 - burst)
        group_period = 60.0 / max(1.0, group_per_minute - 1)
        # max_retries=0: RetryAfter comes back to the delivery loop, which stores the wait
        # in the outbox (so a restart honours it too) instead of sleeping inside the library.
        self.bot = ExtBot(
            token,
            base_url=base_url,
            request=request,
            get_updates_request=updates_request,
            rate_limiter=AIORateLimiter(
                overall_max_rate=burst,
                overall_time_period=overall_period,
                group_max_rate=1,
                group_time_period=group_period,
                max_retries=0,
            ),
        )
        self._ready = False
        self._lock = asyncio.Lock()

    async def _ensure_ready(self) -> None:
        """Initialise lazily (getMe), so a Telegram outage at start-up delays alerts
        instead of stopping the service."""
        if self._ready:
            return
        async with self._lock:
            if not self._ready:
                logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
                await self.bot.initialize()
                self._ready = True

    async def _call(self, fn: Callable[[], Awaitable[Any]]) -> SendResult:
        try:
            await self._ensure_ready()
            result = await fn()
        except TelegramError as exc:
            return to_result(exc)
        message_id = getattr(result, "message_id", None)
        return SendResult(Outcome.OK, message_id=message_id)

    async def send(
        self, chat_id: int, text: str, *, html: bool, buttons: Sequence[Button] = ()
    ) -> SendResult:
        return await self._call(
            lambda: self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML if html else None,
                reply_markup=_markup(buttons),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        html: bool,
        buttons: Sequence[Button] = (),
    ) -> SendResult:
        result = await self._call(
            lambda: self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML if html else None,
                reply_markup=_markup(buttons),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        if result.outcome is Outcome.OK:
            return SendResult(Outcome.OK, message_id=message_id)
        return result

    async def send_photo(
        self, chat_id: int, photo: bytes, *, caption: str = "", html: bool = False
    ) -> SendResult:
        """A picture (the digest's PNG) with an optional caption (at most 1024 characters)."""
        return await self._call(
            lambda: self.bot.send_photo(
                chat_id,
                InputFile(photo, filename="digest.png"),
                caption=caption[:1024] or None,
                parse_mode=ParseMode.HTML if html and caption else None,
            )
        )

    async def prepare_updates(self, commands: Sequence[tuple[str, str]]) -> None:
        """Long polling needs no webhook; the command menu helps people find /subscribe."""
        await self._ensure_ready()
        await self.bot.delete_webhook()
        await self.bot.set_my_commands([BotCommand(name, what) for name, what in commands])

    async def get_updates(self, offset: int | None, timeout: int) -> list[BotUpdate]:
        await self._ensure_ready()
        updates = await self.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=["message", "callback_query"]
        )
        out = []
        for update in updates:
            converted = to_update(update)
            out.append(converted or BotUpdate(update.update_id, 0, "", text=""))
        return out

    async def answer_callback(self, callback_id: str, text: str) -> None:
        try:
            await self.bot.answer_callback_query(callback_id, text=text[:200])
        except TelegramError as exc:
            log.warning("answerCallbackQuery failed: %s", exc)

    async def close(self) -> None:
        if self._ready:
            try:
                await self.bot.shutdown()
            except Exception:  # closing must not mask the reason for stopping
                log.exception("closing the Telegram client failed")
            self._ready = False
