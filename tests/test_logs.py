"""One log format for every logger (tracker.logs), checked on the records each library really
emits where that is cheap (APScheduler, uvicorn's loggers) and on plain records otherwise."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from tracker.adapters.scheduler import DigestJob, build_scheduler
from tracker.logs import LIBRARY_LOGGERS, setup_logging

_TOUCHED = (
    "",
    *LIBRARY_LOGGERS,
    "uvicorn.error",
    "uvicorn.access",
    "apscheduler.scheduler",
    "matplotlib.font_manager",
)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """setup_logging changes process-wide state; put it back for the other tests."""
    saved = {
        name: (lg.level, list(lg.handlers), list(lg.filters), lg.propagate)
        for name in _TOUCHED
        for lg in [logging.getLogger(name)]
    }
    yield
    for name, (level, handlers, filters, propagate) in saved.items():
        lg = logging.getLogger(name)
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.filters[:] = filters
        lg.propagate = propagate


async def _noop() -> None:
    return None


def _library_lines(stream: io.StringIO) -> list[str]:
    for name in ("uvicorn.error", "apscheduler.scheduler", "httpx", "telegram.ext.Updater"):
        logging.getLogger(name).warning("%s says hello", name)
    logging.getLogger("tracker.app").info("our own line")
    return stream.getvalue().splitlines()


def test_every_logger_shares_one_text_format() -> None:
    stream = io.StringIO()
    # uvicorn's own set-up leaves a handler of its own format on its loggers.
    stray = logging.StreamHandler(stream)
    stray.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    logging.getLogger("uvicorn.error").addHandler(stray)
    setup_logging("INFO", json_format=False, stream=stream)
    lines = _library_lines(stream)
    assert len(lines) == 5, lines
    pattern = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) [\w.]+: .+$"
    for line in lines:
        assert re.match(pattern, line), line
    assert not any(line.startswith("WARNING:") for line in lines)


def test_json_format_covers_the_libraries_too() -> None:
    stream = io.StringIO()
    setup_logging("INFO", json_format=True, stream=stream)
    records = [json.loads(line) for line in _library_lines(stream)]
    assert [r["logger"] for r in records] == [
        "uvicorn.error",
        "apscheduler.scheduler",
        "httpx",
        "telegram.ext.Updater",
        "tracker.app",
    ]
    assert {"time", "level", "logger", "message"} <= set(records[0])


def test_library_chatter_is_held_at_warning_unless_asked() -> None:
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    logging.getLogger("httpx").info('HTTP Request: POST http://x "HTTP/1.1 200 OK"')
    logging.getLogger("uvicorn.error").info("Started server process [1]")
    logging.getLogger("tracker.services.poller").info("kept")
    assert stream.getvalue().count("\n") == 1 and "kept" in stream.getvalue()

    loud = io.StringIO()
    setup_logging("INFO", library_level="INFO", stream=loud)
    logging.getLogger("httpx").info("HTTP Request: POST")
    assert "HTTP Request" in loud.getvalue()

    quiet = io.StringIO()
    setup_logging("ERROR", library_level="WARNING", stream=quiet)
    logging.getLogger("httpx").warning("a library warning below the service's level")
    assert quiet.getvalue() == ""


def test_scheduler_start_logs_each_job_once(caplog: pytest.LogCaptureFixture) -> None:
    setup_logging("INFO", library_level="INFO", stream=io.StringIO())
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        build_scheduler(_noop, 60, DigestJob(_noop, "07:00", "Asia/Damascus"))
    messages = [r.getMessage() for r in caplog.records]
    assert not any("tentatively" in m for m in messages), messages


def test_matplotlib_font_cache_line_is_dropped() -> None:
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    logging.getLogger("matplotlib.font_manager").warning(
        "Matplotlib is building the font cache; this may take a moment."
    )
    logging.getLogger("matplotlib.font_manager").warning("findfont: Font family not found")
    assert "font cache" not in stream.getvalue()
    assert "findfont" in stream.getvalue()
