"""The address and site rules against internal fetches, as tables."""

from __future__ import annotations

import pytest

from tracker.core.netpolicy import address_refusal, parse_networks, same_site, site_key

LOCAL = parse_networks(["127.0.0.1/32", "10.1.2.0/24"])


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.3", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.3", "loopback (IPv4-mapped)"),
        ("::ffff:127.0.0.1", "loopback (IPv4-mapped)"),  # only the IPv4 form is listed
        ("::ffff:192.168.1.1", "private (IPv4-mapped)"),
        ("10.1.3.1", "private"),
        ("192.168.0.10", "private"),
        ("fd00::2", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("2002:7f00:1::", "loopback (embedded in IPv6)"),  # 6to4 around 127.0.0.1
    ],
)
def test_internal_addresses_are_refused(address: str, category: str) -> None:
    reason = address_refusal(address, LOCAL)
    assert reason is not None and f" is {category}, not in polling.allowed_networks" in reason


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.200", "93.184.216.34", "2606:4700::1", "::ffff:8.8.8.8"]
)
def test_public_and_listed_addresses_pass(address: str) -> None:
    assert address_refusal(address, LOCAL) is None


def test_networks_are_strict_cidrs() -> None:
    assert [str(n) for n in parse_networks(["127.0.0.1", "::1/128"])] == ["127.0.0.1/32", "::1/128"]
    with pytest.raises(ValueError):
        parse_networks(["10.0.0.1/8"])  # host bits set: a typo must not open 10/8
    with pytest.raises(ValueError):
        parse_networks(["intranet"])


@pytest.mark.parametrize(
    ("url", "feed", "same"),
    [
        ("https://www.bbc.co.uk/news/1", "http://feeds.bbc.co.uk/rss", True),
        ("https://www.syriahr.com/en/1/", "https://www.syriahr.com/en/feed/", True),
        ("http://example.org/a", "https://example.org:443/feed", True),
        ("https://evil.example/a", "https://www.syriahr.com/en/feed/", False),
        ("http://127.0.0.1:9000/admin", "http://127.0.0.1:8000/feed", False),  # another port
        ("http://127.0.0.1:8000/story", "http://127.0.0.1:8000/feed", True),
        ("http://co.uk/a", "http://bbc.co.uk/feed", False),
    ],
)
def test_same_site(url: str, feed: str, same: bool) -> None:
    assert same_site(url, feed) is same


def test_site_keys() -> None:
    assert site_key("WWW.Aljazeera.com.qa.") == "aljazeera.com.qa"
    assert site_key("news.google.com") == "google.com"
    assert site_key("[::1]") == "::1"
