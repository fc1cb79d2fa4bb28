"""Keeping long-running tasks alive and their logs readable during an outage.

`Supervisor` runs each background loop (alert delivery, bot commands, the heartbeat) as a
task that is restarted when it dies: a loop that raises is logged at once with its traceback
and started again after a short backoff, and `/readyz` names it while it is down. Without
this a loop that died on a database error stayed dead, silently, until the next restart.

`ErrorStreak` is how a loop that keeps failing logs it: the first error of a streak with its
full traceback, then one summary line per window with the count ("still failing: N errors in
the last 60 s"), then one line when it recovers. A database outage no longer writes a
traceback every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Report = Callable[[str, str | None], None]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class ErrorStreak:
    """The log of one loop's consecutive failures (see the module docstring)."""

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        *,
        window_seconds: float = 60.0,
        report: Report | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.logger = logger
        self.window_seconds = window_seconds
        self.report = report
        self.clock = clock
        self.count = 0
        self._window_start = 0.0
        self._in_window = 0

    def failed(self, exc: BaseException) -> None:
        """Log one failure: in full if it starts a streak, else counted for the summary."""
        now = self.clock()
        self.count += 1
        if self.count == 1:
            self.logger.error("%s failed", self.what, exc_info=exc)
            self._window_start, self._in_window = now, 0
        else:
            self._in_window += 1
            if now - self._window_start >= self.window_seconds:
                self.logger.error(
                    "%s still failing: %d errors in the last %.0f s (last: %s)",
                    self.what,
                    self._in_window,
                    now - self._window_start,
                    _describe(exc),
                )
                self._window_start, self._in_window = now, 0
        if self.report is not None:
            self.report(self.what, _describe(exc))

    def succeeded(self) -> None:
        """End a streak (one line saying how long it was)."""
        if self.count:
            self.logger.warning("%s recovered after %d error(s)", self.what, self.count)
            self.count = 0
            if self.report is not None:
                self.report(self.what, None)


class Supervisor:
    """Runs named loops until `stop`, restarting any that dies, and knows which are unwell."""

    def __init__(self, restart_base_seconds: float = 1.0, restart_max_seconds: float = 30.0):
        self.restart_base_seconds = restart_base_seconds
        self.restart_max_seconds = restart_max_seconds
        self._problems: dict[str, str] = {}
        self.restarts: dict[str, int] = {}

    def report(self, name: str, problem: str | None) -> None:
        """A loop says it is failing (problem) or well again (None)."""
        if problem is None:
            self._problems.pop(name, None)
        else:
            self._problems[name] = problem

    def problems(self) -> dict[str, str]:
        """What /readyz reports: task name -> what is wrong with it."""
        return dict(self._problems)

    def start(
        self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event
    ) -> asyncio.Task[None]:
        return asyncio.create_task(self._keep_alive(name, loop, stop), name=name)

    async def _keep_alive(
        self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        delay = self.restart_base_seconds
        while not stop.is_set():
            started = time.monotonic()
            try:
                await loop(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = f"died: {_describe(exc)}"
                log.error("task %s died; restarting in %.0f s", name, delay, exc_info=exc)
            else:
                if stop.is_set():
                    return
                reason = "ended unexpectedly"
                log.error("task %s ended unexpectedly; restarting in %.0f s", name, delay)
            self._problems[f"task {name}"] = reason
            self.restarts[name] = self.restarts.get(name, 0) + 1
            if time.monotonic() - started > 10 * self.restart_max_seconds:
                delay = self.restart_base_seconds  # it ran well for a long time
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, self.restart_max_seconds)
            self._problems.pop(f"task {name}", None)
