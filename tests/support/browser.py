"""Headless Chromium for the page tests: the flags that keep Chromium's own traffic (update
checks, sync, autofill queries to Google) off the machine's closed network, so that every
request a test sees is the page's."""

from __future__ import annotations

QUIET_CHROMIUM_FLAGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    # Chromium's own form-autofill service queries Google with the page's key.
    "--disable-features=AutofillServerCommunication",
)
