"""Internal fetches through feeds (SSRF, issue 13 item 2), replayed against real servers on
loopback addresses: 127.0.0.1 (allowed here, as the test feeds live there), 127.0.0.3
(Linux answers on all of 127/8), [::1], IPv4-mapped IPv6 and names resolving to loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock, make_settings
from tests.support.feedserver import FeedServer, Reply, rss
from tracker.adapters.feeds.http import Fetcher, build_client
from tracker.adapters.feeds.parse import ParserPool
from tracker.adapters.storage.models import Item
from tracker.app import App
from tracker.core.feeds import FetchOutcome
from tracker.core.netpolicy import parse_networks
from tracker.settings import Settings

SECRET = "internal admin console: rotate the root token"
ADMIN_PAGE = (
    "<html><head><title>Admin</title></head><body><article><h1>Admin</h1>"
    + "".join(f"<p>{SECRET}, line {i} of the private panel text.</p>" for i in range(8))
    + "</article></body></html>"
).encode()


@pytest.fixture(scope="module")
def pool() -> Iterator[ParserPool]:
    p = ParserPool(workers=1, timeout_seconds=10)
    yield p
    p.close()


@pytest.fixture
def server_on() -> Iterator[Any]:
    """Start extra servers on chosen loopback addresses; all stopped afterwards."""
    started: list[FeedServer] = []

    def start(host: str) -> FeedServer:
        try:
            server = FeedServer(host).start()
        except OSError as exc:  # e.g. no IPv6 on this machine
            pytest.skip(f"cannot listen on {host}: {exc}")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def feed_reply(items: list[dict[str, str]]) -> Reply:
    return Reply(200, rss(items), {"Content-Type": "application/rss+xml"})


def admin_server(server: FeedServer) -> str:
    return server.route("/admin", Reply(200, ADMIN_PAGE, {"Content-Type": "text/html"}))


def run_app(tmp_path: Path, pool: ParserPool, feeds: list[str], **polling: Any) -> tuple[App, Any]:
    """One tick (and its article pages) of a fresh App on a fresh database."""
    db = tmp_path / f"ssrf-{len(list(tmp_path.glob('ssrf-*.db')))}.db"
    settings = make_settings(f"sqlite:///{db}", feeds=[{"url": u} for u in feeds], polling=polling)
    app = App(settings, clock=FakeClock(), parser=pool)
    app.upgrade_db()
    app.sync_feeds()

    async def go() -> Any:
        try:
            report = await app.tick()
            await app.finish_articles()
            return report
        finally:
            await app.aclose()

    return app, asyncio.run(go())


def stored_texts(app: App) -> list[str]:
    from sqlmodel import Session, select

    with Session(app.engine) as s:
        return [f"{i.title} {i.summary} {i.text}" for i in s.exec(select(Item))]


def by_url(report: Any) -> dict[str, Any]:
    return {f.url: f for f in report.feeds}


def errors_of_kind(app: App, kind: str) -> float:
    value = app.prom.registry.get_sample_value("tracker_poll_errors_total", {"kind": kind})
    return value or 0.0


def test_item_link_to_another_local_port_is_never_fetched(
    feed_server: FeedServer, server_on: Any, tmp_path: Path, pool: ParserPool
) -> None:
    admin = server_on("127.0.0.1")  # same address as the (allowed) feed, another port
    admin_url = admin_server(admin)
    url = feed_server.route(
        "/feed",
        feed_reply(
            [
                {"title": "Look here", "guid": "a", "link": admin_url, "description": "Short."},
                {"title": "Shelling on Kafranbel", "guid": "b", "description": "Regime shelling."},
            ]
        ),
    )
    app, report = run_app(tmp_path, pool, [url], fetch_articles=True)
    feed = by_url(report)[url]
    assert feed.outcome == "ok" and len(feed.new_item_ids) == 2  # the feed itself is read
    assert admin.hits == {}
    assert not any(SECRET in text for text in stored_texts(app))
    assert errors_of_kind(app, "article_other_site") == 1


def test_article_any_host_leaves_the_address_rule_in_force(
    feed_server: FeedServer, server_on: Any, tmp_path: Path, pool: ParserPool
) -> None:
    allowed_admin = server_on("127.0.0.1")
    other = server_on("127.0.0.3")
    url = feed_server.route(
        "/feed",
        feed_reply(
            [
                {"title": "a", "guid": "a", "link": admin_server(allowed_admin), "description": "s"},
                {"title": "b", "guid": "b", "link": admin_server(other), "description": "s"},
            ]
        ),
    )
    app, report = run_app(tmp_path, pool, [url], fetch_articles=True, article_any_host=True)
    assert by_url(report)[url].outcome == "ok"
    assert allowed_admin.hits == {"/admin": 1}  # any host, and 127.0.0.1 is allowed here
    assert other.hits == {}  # 127.0.0.3 is not, although 127.0.0.1/32 is
    assert sum(SECRET in text for text in stored_texts(app)) == 1
    assert errors_of_kind(app, "article_blocked") == 1


def test_redirect_hops_to_forbidden_addresses_are_refused(
    feed_server: FeedServer, server_on: Any, tmp_path: Path, pool: ParserPool
) -> None:
    loop3 = server_on("127.0.0.3")
    loop6 = server_on("::1")
    hidden3 = loop3.route("/feed", feed_reply([{"title": "internal", "guid": "i"}]))
    hidden6 = loop6.route("/feed", feed_reply([{"title": "internal", "guid": "i"}]))
    to3 = feed_server.route("/to3", Reply(302, b"", {"Location": hidden3}))
    to6 = feed_server.route("/to6", Reply(302, b"", {"Location": hidden6}))
    app, report = run_app(tmp_path, pool, [to3, to6])
    feeds = by_url(report)
    assert feeds[to3].outcome == "error"
    assert "refused to connect to 127.0.0.3: address 127.0.0.3 is loopback" in feeds[to3].error
    assert feeds[to6].outcome == "error"
    assert "address ::1 is loopback" in feeds[to6].error
    assert feed_server.hits == {"/to3": 1, "/to6": 1}  # the first hop was fetched...
    assert loop3.hits == {} and loop6.hits == {}  # ...the forbidden one never
    assert errors_of_kind(app, "blocked") == 2


def test_forbidden_feed_addresses_and_names_are_refused(
    feed_server: FeedServer, server_on: Any, tmp_path: Path, pool: ParserPool
) -> None:
    loop3 = server_on("127.0.0.3")
    loop6 = server_on("::1")
    body = feed_reply([{"title": "internal", "guid": "i"}])
    urls = {
        "127.0.0.3": loop3.route("/feed", body),
        "[::1]": loop6.route("/feed", body),
        "mapped": feed_server.route("/mapped", body).replace(
            "127.0.0.1", "[::ffff:127.0.0.1]"
        ),
        "localhost": feed_server.route("/named", body).replace("127.0.0.1", "localhost"),
    }
    expected = {
        "127.0.0.3": "refused to connect to 127.0.0.3: address 127.0.0.3 is loopback, not in",
        "[::1]": "refused to connect to ::1: address ::1 is loopback",
        "mapped": "address ::ffff:127.0.0.1 is loopback (IPv4-mapped)",
        "localhost": "refused to connect to localhost (",
    }
    # With nothing allowed (the default), and with only 127.0.0.1/32 allowed: 127.0.0.3,
    # [::1] and ::ffff:127.0.0.1 stay refused (localhost may be 127.0.0.1, so it is left out).
    for allowed, names in ([], list(urls)), (["127.0.0.1/32"], ["127.0.0.3", "[::1]", "mapped"]):
        app, report = run_app(
            tmp_path, pool, [urls[n] for n in names], allowed_networks=allowed
        )
        feeds = by_url(report)
        for name in names:
            assert feeds[urls[name]].outcome == "error", (allowed, name)
            assert expected[name] in feeds[urls[name]].error, (name, feeds[urls[name]].error)
        assert errors_of_kind(app, "blocked") == len(names)
    assert loop3.hits == {} and loop6.hits == {} and feed_server.hits == {}
    assert stored_texts(app) == []

    # The same servers are reachable once their addresses are listed: the refusals above
    # are the guard's, not the network's.
    allowed = ["127.0.0.1/32", "127.0.0.3/32", "::1/128", "::ffff:127.0.0.1/128"]
    app, report = run_app(
        tmp_path, pool, [urls["127.0.0.3"], urls["[::1]"], urls["mapped"]], allowed_networks=allowed
    )
    assert [f.outcome for f in report.feeds] == ["ok", "ok", "ok"]


def test_default_settings_refuse_loopback_feeds(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/feed", feed_reply([{"title": "t", "guid": "g"}]))
    settings = Settings(database={"url": f"sqlite:///{tmp_path / 'd.db'}"}, feeds=[])
    assert settings.polling.allowed_networks == []
    p = settings.polling

    async def fetch() -> Any:
        client = build_client(p.timeout_seconds, p.user_agent, 2, parse_networks(p.allowed_networks))
        try:
            return await Fetcher(client, p.timeout_seconds, p.max_body_bytes).fetch(url)
        finally:
            await client.aclose()

    result = asyncio.run(fetch())
    assert result.outcome is FetchOutcome.ERROR and result.error_kind == "blocked"
    assert "address 127.0.0.1 is loopback" in (result.error or "")
    assert feed_server.hits == {}


@pytest.mark.parametrize(
    ("answers", "refused"),
    [
        (["127.0.0.1"], None),
        (["127.0.0.3"], "news.example (127.0.0.3)"),
        (["127.0.0.1", "10.0.0.7"], "news.example (10.0.0.7)"),  # one bad answer refuses all
    ],
)
def test_names_connect_to_the_address_that_was_checked(
    feed_server: FeedServer, answers: list[str], refused: str | None
) -> None:
    """`news.example` resolves only through the resolver handed to the guard: the system
    cannot resolve it, so a successful fetch proves the connection went to the checked
    address, with no second lookup in between (the DNS-rebinding gap)."""
    feed_server.route("/feed", feed_reply([{"title": "t", "guid": "g"}]))
    url = f"http://news.example:{feed_server.port}/feed"

    async def resolve(host: str, port: int) -> list[str]:
        assert host == "news.example"
        return answers

    async def fetch() -> Any:
        client = build_client(5, "test", 2, parse_networks(["127.0.0.1/32"]), resolve=resolve)
        try:
            return await Fetcher(client, 5, 1_000_000).fetch(url)
        finally:
            await client.aclose()

    result = asyncio.run(fetch())
    if refused is None:
        assert result.outcome is FetchOutcome.OK, result.error
        assert feed_server.requests[0].headers["host"] == f"news.example:{feed_server.port}"
    else:
        assert result.error_kind == "blocked" and f"refused to connect to {refused}" in (
            result.error or ""
        )
        assert feed_server.hits == {}
