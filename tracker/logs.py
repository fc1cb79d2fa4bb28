"""One log format for every logger in the process.

The service's own lines, uvicorn's, APScheduler's, httpx's and python-telegram-bot's all go
through one handler on the root logger, as plain text or one JSON object per line. Libraries
log at `library_level` (WARNING by default): their INFO lines ("HTTP Request: POST ...",
"Added job ...") say nothing an operator acts on and drown the service's own lines.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import IO

from tracker.core.sanitize import SecretFilter, terminal_safe

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Loggers of libraries that log on their own; each is held at `library_level`. SQLAlchemy is
# not among them: it holds its own logger at WARNING and `database.echo` turns it up.
LIBRARY_LOGGERS = (
    "alembic",
    "apscheduler",
    "asyncio",
    "httpcore",
    "httpx",
    "matplotlib",
    "multipart",
    "PIL",
    "telegram",
    "trafilatura",
    "uvicorn",
)

# uvicorn installs its own handlers (the `INFO:     ...` format) on these unless told not to;
# they are emptied so that records reach the root handler like everyone else's.
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

# Lines that repeat what the next line says or describe a library's housekeeping:
# APScheduler logs "Adding job tentatively" for each job added before start and then
# "Added job ..." for the same job; matplotlib announces that it builds its font cache.
_DROPPED_MESSAGES = (
    ("apscheduler.scheduler", "Adding job tentatively"),
    ("matplotlib.font_manager", "Matplotlib is building the font cache"),
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            # exc_text: the traceback as SecretFilter left it (credentials masked)
            data["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class TerminalFormatter(logging.Formatter):
    """Text log lines quote feed titles, URLs and errors: no escape sequences from them
    reach the terminal (JSON lines escape control characters already)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


class DropNoise(logging.Filter):
    """Drops the known redundant library lines (see `_DROPPED_MESSAGES`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, text in _DROPPED_MESSAGES:
            if record.name == name and str(record.msg).startswith(text):
                return False
        return True


def setup_logging(
    level: str = "INFO",
    json_format: bool = False,
    library_level: str = "WARNING",
    stream: IO[str] | None = None,
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """Route every logger through one handler on the root logger and return that handler.

    Every line it writes masks URL credentials and the given `secrets` (the bot token),
    whoever logged it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_format else TerminalFormatter(TEXT_FORMAT))
    handler.addFilter(SecretFilter(secrets))
    handler.addFilter(DropNoise())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _UVICORN_LOGGERS:
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
    # A library never logs below the service's own level: `level = "ERROR"` quiets them too.
    quietest = max(logging.getLevelName(level), logging.getLevelName(library_level))
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(quietest)
    # A logger's own filters apply before propagation, so every handler (pytest's caplog
    # included) misses the same lines.
    for name, _ in _DROPPED_MESSAGES:
        target = logging.getLogger(name)
        if not any(isinstance(f, DropNoise) for f in target.filters):
            target.addFilter(DropNoise())
    return handler
