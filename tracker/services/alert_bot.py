"""The bot: commands (/subscribe, /latest, …) polled by the instance that holds the updates
lease, and the analysts' review buttons. `AlertService` is the alert delivery
(tracker.services.alert_delivery) plus this bot: replies are paced and recorded the way
alerts are, and a decision wakes the delivery loop to edit the sent messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from tracker.core.alerts import (
    BotUpdate,
    Filters,
    Outcome,
    chat_allowed,
    describe_filters,
    parse_filter_args,
)
from tracker.core.sanitize import neutralise
from tracker.services.alert_delivery import (
    AlertDelivery,
    AlertStorePort,
    DeliveryConfig,
    LeasePort,
    NotifierPort,
    as_bot,
    sleep_or_stop,
)
from tracker.services.supervisor import ErrorStreak, Report

# The logger keeps the name it had before the split (log filters and alerting use it).
log = logging.getLogger("tracker.services.alerts")

UPDATES_LEASE = "telegram-updates"


class AlertService(AlertDelivery):
    """Alert delivery plus the bot's command loop and review buttons."""

    def __init__(
        self,
        store: AlertStorePort,
        notifier: NotifierPort,
        config: DeliveryConfig,
        clock: Callable[[], datetime],
        status_provider: Callable[[], dict[str, Any]] | None = None,
        leases: LeasePort | None = None,
        instance: str = "tracker",
        report: Report | None = None,
    ) -> None:
        super().__init__(
            store, notifier, config, clock, status_provider, leases, instance, report
        )
        self._updates_errors = ErrorStreak(
            "bot command polling", log, window_seconds=config.error_summary_seconds, report=report
        )
        self._unsaved_cursor: int | None = None  # a cursor the database refused, kept

    # -- bot commands and buttons ------------------------------------------------------------

    async def run_updates(self, stop: asyncio.Event) -> None:
        """Long-poll the bot for commands and button presses until `stop`.

        Only the instance holding the updates lease polls; the others stand by and take
        over when its lease runs out (a crash) or is released (a clean stop), going on from
        the update id it saved after each update it handled.
        """
        if not (self.notifier.capabilities.commands and self.config.commands):
            await stop.wait()  # nothing to poll; returning early would look like a crash
            return
        bot = as_bot(self.notifier)
        lease_seconds = 2 * self.config.long_poll_seconds + 30
        prepared = holding = False
        failures = 0
        try:
            while not stop.is_set():
                try:  # the database steps: a failure here is retried, never the end of the loop
                    held, cursor = await self._db(
                        self.leases.acquire,
                        UPDATES_LEASE,
                        self.instance,
                        self.clock(),
                        lease_seconds,
                    )
                    if held:
                        cursor = await self._flush_cursor(cursor)
                except Exception as exc:
                    self._updates_errors.failed(exc)
                    failures += 1
                    await sleep_or_stop(stop, self._storage_backoff(failures))
                    continue
                self._updates_errors.succeeded()
                if held != holding:
                    log.info(
                        "%s bot updates (%s)",
                        "polling" if held else "another instance polls",
                        self.instance,
                    )
                    holding = held
                if not held:
                    await sleep_or_stop(stop, self.config.long_poll_seconds)
                    continue
                try:
                    if not prepared:
                        await bot.prepare_updates(self.notifier.text.commands)
                        prepared = True
                    updates = await bot.get_updates(cursor, self.config.long_poll_seconds)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning("bot updates failed (%s); retrying", exc)
                    await sleep_or_stop(stop, self._backoff(failures).total_seconds())
                    continue
                try:
                    await self._handle_batch(updates)
                except Exception as exc:
                    self._updates_errors.failed(exc)
                    failures += 1
                    await sleep_or_stop(stop, self._storage_backoff(failures))
        finally:
            if holding:
                with contextlib.suppress(Exception):  # the next holder waits out the lease
                    self.leases.release(UPDATES_LEASE, self.instance)

    def _storage_backoff(self, failures: int) -> float:
        """Retry a database step soon: an outage's end should be noticed within seconds."""
        return min(self._backoff(failures).total_seconds(), self.config.storage_retry_max_seconds)

    async def _flush_cursor(self, cursor: int | None) -> int | None:
        """Save progress that a storage error kept from being saved, so the updates already
        handled are not fetched (and answered) again."""
        pending = self._unsaved_cursor
        if pending is None:
            return cursor
        cursor = max(cursor or 0, pending)
        # False only if the lease passed to another instance meanwhile; the acquire that
        # just succeeded says it did not.
        await self._db(self.leases.save_cursor, UPDATES_LEASE, self.instance, cursor)
        self._unsaved_cursor = None
        return cursor

    async def _handle_batch(self, updates: Sequence[BotUpdate]) -> None:
        """Handle updates in order, saving the cursor after each: a crash replays at most
        the update being handled, never skips one. A cursor the database refused is kept
        in memory and saved before the next getUpdates."""
        for update in updates:
            try:
                await self.handle_update(update)
            except Exception:
                log.exception("update %s failed", update.update_id)
            self._unsaved_cursor = update.update_id + 1
            saved = await self._db(
                self.leases.save_cursor, UPDATES_LEASE, self.instance, update.update_id + 1
            )
            self._unsaved_cursor = None
            if not saved:
                log.warning("bot updates lease lost (%s); standing by", self.instance)
                return

    async def handle_update(self, update: BotUpdate) -> None:
        if update.callback_id is not None:
            await self._on_button(update)
            return
        parsed = self.notifier.text.parse_command(update.text)
        if parsed is None:
            return
        command, args = parsed
        if not self._allowed(update.chat_id):
            log.info("command /%s from chat %s refused (allowed_chat_ids)", command, update.chat_id)
            await self._reply(update.chat_id, _not_allowed(update.chat_id), html=False)
            return
        handlers = {
            "start": self._cmd_start,
            "help": self._cmd_help,
            "subscribe": self._cmd_subscribe,
            "unsubscribe": self._cmd_unsubscribe,
            "filters": self._cmd_filters,
            "status": self._cmd_status,
            "latest": self._cmd_latest,
        }
        handler = handlers.get(command)
        if handler is None:
            await self._reply(update.chat_id, "Unknown command. /help lists the commands.")
            return
        await handler(update, args)

    async def _reply(self, chat_id: int, text: str, *, html: bool = True) -> None:
        for chunk in self.notifier.text.split(text):
            result = await self._paced(
                chat_id, partial(self.notifier.send, chat_id, chunk, html=html)
            )
            if result.outcome is not Outcome.OK:
                log.warning("reply to chat %s failed: %s", chat_id, result.error)
                return

    async def _cmd_start(self, update: BotUpdate, args: str) -> None:
        await self._reply(update.chat_id, self.notifier.text.help_text())

    async def _cmd_help(self, update: BotUpdate, args: str) -> None:
        await self._reply(update.chat_id, self.notifier.text.help_text())

    def _allowed(self, chat_id: int) -> bool:
        return chat_allowed(self.config.allowed_chat_ids, chat_id)

    async def _cmd_subscribe(self, update: BotUpdate, args: str) -> None:
        try:
            filters = parse_filter_args(args)
        except ValueError as exc:
            await self._reply(update.chat_id, f"Not subscribed: {exc}. See /help.", html=False)
            return
        outcome = await self._db(
            self.store.subscribe, update.chat_id, update.user, filters, self.clock()
        )
        if outcome == "configured":
            text = "This chat's alerts are set in the service configuration; ask the operator."
            await self._reply(update.chat_id, text, html=False)
            return
        verb = "Subscribed" if outcome == "created" else "Filters updated"
        await self._reply(update.chat_id, f"{verb}.\n{describe_filters(filters)}", html=False)

    async def _cmd_unsubscribe(self, update: BotUpdate, args: str) -> None:
        done = await self._db(self.store.unsubscribe, update.chat_id, self.clock())
        if done:
            text = "Unsubscribed. /subscribe brings the alerts back."
        else:
            dest = await self._db(self.store.destination, update.chat_id)
            configured = dest is not None and dest.source == "config" and dest.active
            text = (
                "This chat's alerts are set in the service configuration; ask the operator."
                if configured
                else "This chat has no subscription."
            )
        await self._reply(update.chat_id, text, html=False)

    async def _cmd_filters(self, update: BotUpdate, args: str) -> None:
        dest = await self._db(self.store.destination, update.chat_id)
        if dest is None or not dest.active:
            await self._reply(update.chat_id, "This chat has no subscription.", html=False)
            return
        filters = Filters.from_mapping(dest.filters)
        await self._reply(update.chat_id, describe_filters(filters), html=False)

    async def _cmd_status(self, update: BotUpdate, args: str) -> None:
        if self.status_provider is None:
            await self._reply(update.chat_id, "Status is not available.", html=False)
            return
        status = await self._db(self.status_provider)
        await self._reply(update.chat_id, self.notifier.text.render_status(status))

    async def _cmd_latest(self, update: BotUpdate, args: str) -> None:
        try:
            count = int(args.split()[0]) if args.strip() else 5
        except ValueError:
            await self._reply(update.chat_id, "Usage: /latest [n], e.g. /latest 5", html=False)
            return
        count = max(1, min(count, self.config.latest_max))
        views = await self._db(self.store.latest, count)
        message = self.notifier.text.render_list(f"Latest {len(views)} violation(s)", views)
        for chunk in message.chunks:
            await self._reply(update.chat_id, chunk)

    async def _on_button(self, update: BotUpdate) -> None:
        """Every press is answered (Telegram shows a spinner until then), whatever happens
        while deciding: a clear refusal, the decision, or an apology for an error."""
        assert update.callback_id is not None
        try:
            answer = await self._button_answer(update)
        except Exception:
            log.exception("button press %s in chat %s failed", update.update_id, update.chat_id)
            answer = "Sorry, the press could not be recorded; please try again."
        try:
            await as_bot(self.notifier).answer_callback(update.callback_id, answer)
        except Exception as exc:  # the notifier logs its own refusals; this is a last guard
            log.warning("answering button press %s failed: %s", update.update_id, exc)

    async def _button_answer(self, update: BotUpdate) -> str:
        """Check who pressed what on which message, decide, and say what happened."""
        if not self._allowed(update.chat_id):
            log.info("button press from chat %s refused (allowed_chat_ids)", update.chat_id)
            return "This chat may not use this bot."
        parsed = self.notifier.text.parse_review_data(update.callback_data)
        if parsed is None:
            return "Unknown button."
        if update.message_id is None:
            return "This button can no longer be used."
        dest = await self._db(self.store.destination, update.chat_id)
        if dest is None or not dest.active or not dest.filters.get("review"):
            return "Review is only possible in an analysts' chat."
        event_id, status = parsed
        shown = await self._db(
            self.store.message_shows_event, update.chat_id, update.message_id, event_id
        )
        if not shown:
            log.warning(
                "button press in chat %s for incident %s on message %s, which does not show "
                "it: refused",
                update.chat_id,
                event_id,
                update.message_id,
            )
            return "This button does not belong to this message's incident; nothing recorded."
        decision = await self._db(self.store.decide, event_id, status, update.user, self.clock())
        if decision is None:
            return "Unknown incident."
        if not decision.applied:
            r = decision.review
            return neutralise(f"Already {r.status} by {r.by}.")
        label = "confirmed" if decision.review.status == "confirmed" else "not a violation"
        log.info("incident %s marked %s by %s", event_id, status, update.user)
        self.wake()  # the messages get edited to show the decision
        return f"Recorded: {label}."


def _not_allowed(chat_id: int) -> str:
    return (
        f"This chat ({chat_id}) may not use this bot: the operator has limited it to some "
        "chats (telegram.allowed_chat_ids)."
    )
