"""HTTP fetching of feeds and article pages with hard limits.

Each limit exists because a news site once broke a feed reader that lacked it: a total
deadline (slow-drip bodies), a body cap counted after decompression (gzip bombs), a redirect
cap (loops), conditional GET (polite polling), Retry-After (rate limits).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx

from tracker import __version__
from tracker.core.feeds import FetchOutcome, FetchResult, parse_retry_after

MAX_REDIRECTS = 5
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)


def build_client(
    timeout_seconds: float, user_agent: str, max_connections: int
) -> httpx.AsyncClient:
    """One client per App, so connections are pooled across feeds of the same host."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": user_agent.format(version=__version__),
            "Accept-Encoding": "gzip, deflate",
        },
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        trust_env=False,
    )


class BodyTooLarge(Exception):
    pass


class Fetcher:
    def __init__(
        self, client: httpx.AsyncClient, timeout_seconds: float, max_body_bytes: int
    ) -> None:
        self.client = client
        self.timeout_seconds = timeout_seconds
        self.max_body_bytes = max_body_bytes

    async def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """Fetch once; never raises for network or HTTP trouble, it returns an ERROR result."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag  # echoed verbatim, weak validators included
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._fetch(url, headers, started)
        except TimeoutError:
            return self._error(f"timed out after {self.timeout_seconds:g} s", started)
        except httpx.TooManyRedirects:
            return self._error(f"too many redirects (more than {MAX_REDIRECTS})", started)
        except httpx.TimeoutException:
            return self._error(f"timed out after {self.timeout_seconds:g} s", started)
        except httpx.DecodingError as exc:
            return self._error(f"could not decode the response body: {exc}", started)
        except BodyTooLarge:
            return self._error(
                f"response body larger than max_body_bytes ({self.max_body_bytes} bytes)", started
            )
        except httpx.HTTPError as exc:
            return self._error(f"{type(exc).__name__}: {exc or 'request failed'}", started)
        except (ValueError, OSError) as exc:  # invalid URLs, odd sockets
            return self._error(f"{type(exc).__name__}: {exc}", started)

    async def _fetch(self, url: str, headers: dict[str, str], started: float) -> FetchResult:
        async with self.client.stream("GET", url, headers=headers) as resp:
            status = resp.status_code
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            final_url = str(resp.url)
            if status == 304:
                return FetchResult(
                    FetchOutcome.NOT_MODIFIED,
                    status=status,
                    headers=resp_headers,
                    final_url=final_url,
                    duration_seconds=time.monotonic() - started,
                )
            if status == 410:
                return FetchResult(
                    FetchOutcome.GONE,
                    status=status,
                    error="HTTP 410 Gone",
                    final_url=final_url,
                    duration_seconds=time.monotonic() - started,
                )
            if status >= 400:
                retry_after = None
                if status in (429, 503):
                    retry_after = parse_retry_after(
                        resp.headers.get("retry-after"), datetime.now(UTC)
                    )
                return FetchResult(
                    FetchOutcome.ERROR,
                    status=status,
                    headers=resp_headers,
                    error=f"HTTP {status} {resp.reason_phrase}".strip(),
                    retry_after_seconds=retry_after,
                    final_url=final_url,
                    duration_seconds=time.monotonic() - started,
                )
            body = await self._read_capped(resp)
        outcome = FetchOutcome.OK if body.strip() else FetchOutcome.NOT_MODIFIED
        return FetchResult(
            outcome,
            status=status,
            body=body,
            headers=resp_headers,
            etag=resp_headers.get("etag"),
            last_modified=resp_headers.get("last-modified"),
            final_url=final_url,
            duration_seconds=time.monotonic() - started,
        )

    async def _read_capped(self, resp: httpx.Response) -> bytes:
        declared = resp.headers.get("content-length")
        if (
            declared
            and declared.isdigit()
            and "content-encoding" not in resp.headers
            and int(declared) > self.max_body_bytes
        ):
            raise BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():  # decompressed: a gzip bomb is cut here
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _error(message: str, started: float) -> FetchResult:
        return FetchResult(
            FetchOutcome.ERROR, error=message, duration_seconds=time.monotonic() - started
        )
