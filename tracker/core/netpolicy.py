"""Where the service may connect: the rules against internal fetches (SSRF).

A feed is outside input, and so are the links in it and the redirects its servers answer
with. Without these rules a feed item linking to `http://127.0.0.1:PORT/admin` had that page
fetched, stored and quoted. The rules are pure: the HTTP adapter resolves a host, asks
`address_refusal` about every address it would connect to, and connects to that exact
address, so a name that resolves differently the second time (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Second-level labels under which a country code's registrable names sit (bbc.co.uk,
# aljazeera.com.qa). Without a public-suffix list this is the usual approximation.
_SECOND_LEVEL = frozenset(
    {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "mil", "nic", "sch"}
)


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings to networks; a host address without a prefix is one address.

    Strict: "10.0.0.1/8" is refused (raises ValueError) rather than read as 10.0.0.0/8, so a
    typo never opens more than was written.
    """
    return tuple(ipaddress.ip_network(v.strip(), strict=True) for v in values)


def _category(ip: IPAddress) -> str | None:
    """The forbidden category of an address, or None for a public one."""
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return name
    return None if ip.is_global else "non-public"


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4 or Teredo IPv6 address carries, if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_refusal(address: str | IPAddress, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why connecting to `address` is refused, or None when it is allowed.

    Public addresses are allowed. Loopback, private, link-local, multicast, reserved,
    unspecified and other non-global ones are refused unless the exact address lies in one
    of `allowed` (so allowing 127.0.0.1/32 does not allow 127.0.0.3). An IPv6 address that
    carries an IPv4 one (::ffff:127.0.0.1) is judged by that IPv4 address as well, and is
    allowed only when the IPv6 form itself is listed.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if mapped is not None:  # ::ffff:a.b.c.d connects to a.b.c.d
        inner_category = _category(mapped)
        category = f"{inner_category} (IPv4-mapped)" if inner_category else None
    else:
        category = _category(ip)
        inner = _embedded_ipv4(ip)
        if category is None and inner is not None and _category(inner) is not None:
            category = f"{_category(inner)} (embedded in IPv6)"
    if category is None:
        return None
    shown = f"::ffff:{mapped}" if mapped is not None else str(ip)
    return f"address {shown} is {category}, not in polling.allowed_networks"


def site_key(host: str) -> str:
    """The registrable part of a host name (www.bbc.co.uk -> bbc.co.uk), approximated
    without a public-suffix list; IP literals are their own site."""
    host = host.strip().rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    labels = [label for label in host.split(".") if label]
    keep = 2
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        keep = 3
    return ".".join(labels[-keep:])


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _site(url: str | None) -> tuple[str, int | None] | None:
    """(registrable host, explicit non-default port) of a URL; None when it has no host.

    Ports 80 and 443 count as the same site (http and https of one site); any other port
    is a different service, so 127.0.0.1:8080 is not the site of 127.0.0.1:9000.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return site_key(host), (None if port in (None, 80, 443) else port)


def same_site(url: str, *site_urls: str | None) -> bool:
    """Whether `url` is on the site of one of `site_urls`: same registrable host name and
    the same port (80 and 443 being one)."""
    site = _site(url)
    return site is not None and any(site == _site(other) for other in site_urls)
