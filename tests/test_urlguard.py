"""UrlGuard: schemes, IP literals in integer, hex and octal spellings, resolved names, allow-lists."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from pix2fact.tools.base import ToolError
from pix2fact.tools.urlguard import BlockedURLError, UrlGuard, parse_ip_host

BLOCKED_URLS = [
    pytest.param("file:///etc/passwd", "scheme file:", id="file"),
    pytest.param("data:text/html,<p>hi</p>", "scheme data:", id="data"),
    pytest.param("javascript:alert(1)", "scheme javascript:", id="javascript"),
    pytest.param("ftp://ftp.example.org/", "scheme ftp:", id="ftp"),
    pytest.param("chrome://settings", "scheme chrome:", id="chrome"),
    pytest.param("about:config", "scheme about:", id="about-config"),
    pytest.param("example.org/page", "no scheme", id="no-scheme"),
    pytest.param("http://127.0.0.1/", "loopback", id="loopback"),
    pytest.param("http://127.8.9.10:8080/x", "loopback", id="loopback-range"),
    pytest.param("http://localhost:8000/", "loopback host name", id="localhost"),
    pytest.param("http://LOCALHOST./", "loopback host name", id="localhost-upper-dot"),
    pytest.param("http://api.localhost/", "loopback host name", id="localhost-subdomain"),
    pytest.param("http://10.1.2.3/", "private", id="10/8"),
    pytest.param("http://172.16.0.1/", "private", id="172.16/12"),
    pytest.param("http://172.31.255.254/", "private", id="172.31"),
    pytest.param("http://192.168.1.1/", "private", id="192.168/16"),
    pytest.param("http://169.254.169.254/latest/meta-data/", "metadata", id="metadata-v4"),
    pytest.param("http://[fd00:ec2::254]/", "metadata", id="metadata-v6"),
    pytest.param("http://169.254.1.1/", "link-local", id="link-local"),
    pytest.param("http://100.64.0.1/", "carrier-grade NAT", id="cgnat"),
    pytest.param("http://100.127.255.254/", "carrier-grade NAT", id="cgnat-top"),
    pytest.param("http://[::1]/", "loopback", id="ipv6-loopback"),
    pytest.param("http://[::ffff:127.0.0.1]/", "loopback", id="ipv4-mapped"),
    pytest.param("http://[::ffff:a9fe:a9fe]/", "metadata", id="ipv4-mapped-hex-metadata"),
    pytest.param("http://[64:ff9b::a00:1]/", "private", id="nat64"),
    pytest.param("http://[2002:7f00:1::]/", "loopback", id="6to4"),
    pytest.param("http://[fe80::1]/", "link-local", id="ipv6-link-local"),
    pytest.param("http://[fc00::1]/", "private", id="ipv6-unique-local"),
    pytest.param("http://[ff02::1]/", "multicast", id="ipv6-multicast"),
    pytest.param("http://224.0.0.1/", "multicast", id="multicast"),
    pytest.param("http://0.0.0.0/", "unspecified", id="unspecified"),
    pytest.param("http://0/", "unspecified", id="zero-integer"),
    pytest.param("http://240.0.0.1/", "reserved", id="reserved"),
    pytest.param("http://192.0.2.10/", "non-public", id="documentation"),
    pytest.param("http://2130706433/", "loopback", id="decimal-integer"),
    pytest.param("http://0x7f000001/", "loopback", id="hex-integer"),
    pytest.param("http://017700000001/", "loopback", id="octal-integer"),
    pytest.param("http://0x7f.1/", "loopback", id="hex-two-part"),
    pytest.param("http://127.1/", "loopback", id="short-dotted"),
    pytest.param("http://0251.0376.0251.0376/", "metadata", id="octal-dotted-metadata"),
    pytest.param("http://%31%32%37.0.0.1/", "loopback", id="percent-encoded"),
    pytest.param("http://\uff11\uff12\uff17.0.0.1/", "loopback", id="fullwidth-digits"),
    pytest.param("http://127.0.0.1\\@example.org/", "loopback", id="backslash-userinfo"),
    pytest.param("http://user@127.0.0.1/", "loopback", id="userinfo"),
    pytest.param("http://exa\tmple@127.0.0.1/", "loopback", id="tab-in-url"),
    pytest.param("http://256.1.1.1/", "out of range", id="ipv4-part-too-big"),
    pytest.param("http://1.2.3.4.5/", "invalid IPv4", id="five-parts"),
    pytest.param("http:///path-only", "no host", id="no-host"),
]


@pytest.mark.parametrize(("url", "rule"), BLOCKED_URLS)
def test_check_blocks(url: str, rule: str) -> None:
    with pytest.raises(BlockedURLError) as caught:
        UrlGuard().check(url)

    assert rule in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["https://example.org/", "http://museum.example/a?b=c", "https://93.184.216.34/", "http://[2606:4700::1111]/", "about:blank", "HTTPS://Example.ORG"],
)
def test_check_allows_public(url: str) -> None:
    UrlGuard().check(url)


def test_blocked_error_is_tool_error() -> None:
    with pytest.raises(ToolError):
        UrlGuard().check("file:///etc/passwd")


def test_message_names_url_and_rule() -> None:
    with pytest.raises(BlockedURLError) as caught:
        UrlGuard().check("http://2130706433/admin")

    message = str(caught.value)
    assert "http://2130706433/admin" in message
    assert "127.0.0.1" in message
    assert "loopback address" in message


@pytest.mark.parametrize(
    ("host", "expected"),
    [("2130706433", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("10.0x10", "10.0.0.16"), ("1.2.3.4.", "1.2.3.4"), ("example.org", None), ("1.2.example", None)],
)
def test_parse_ip_host(host: str, expected: str | None) -> None:
    parsed = parse_ip_host(host)

    assert parsed == (ipaddress.ip_address(expected) if expected else None)


def test_allow_hosts_with_port_only() -> None:
    guard = UrlGuard(allow_hosts=["127.0.0.1:8123"])

    guard.check("http://127.0.0.1:8123/page")
    with pytest.raises(BlockedURLError):
        guard.check("http://127.0.0.1:8124/page")


def test_allow_hosts_without_port() -> None:
    guard = UrlGuard(allow_hosts=["localhost", "[::1]"])

    guard.check("http://localhost:1/")
    guard.check("http://[::1]:9000/")
    with pytest.raises(BlockedURLError):
        guard.check("http://127.0.0.1/")


def test_allow_private_keeps_loopback_blocked() -> None:
    guard = UrlGuard(allow_private=True)

    guard.check("http://10.0.0.5/")
    guard.check("http://192.168.0.1/")
    guard.check("http://100.64.3.4/")
    for url in ("http://127.0.0.1/", "http://169.254.169.254/", "http://[fd00:ec2::254]/"):
        with pytest.raises(BlockedURLError):
            guard.check(url)


def _loopback_alias() -> str:
    """Return a host name other than localhost that this machine resolves to a loopback address."""
    candidates = [socket.gethostname()]
    try:
        with open("/etc/hosts", encoding="utf-8") as hosts:
            for line in hosts:
                fields = line.split("#", 1)[0].split()
                if fields and fields[0].startswith("127."):
                    candidates.extend(fields[1:])
    except OSError:
        pass

    for name in candidates:
        if "localhost" in name:
            continue
        try:
            infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
        except socket.gaierror:
            continue
        if infos and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos):
            return name
    pytest.skip("no host name other than localhost resolves to a loopback address on this machine")


async def test_check_resolved_blocks_name_resolving_to_loopback() -> None:
    name = _loopback_alias()
    guard = UrlGuard()
    guard.check(f"http://{name}/")

    with pytest.raises(BlockedURLError) as caught:
        await guard.check_resolved(f"http://{name}/")

    assert f"host {name.lower()!r} resolves to 127." in str(caught.value)


async def test_check_resolved_returns_addresses_for_allowed_host() -> None:
    guard = UrlGuard(allow_hosts=["localhost:8080"])

    addresses = await guard.check_resolved("http://localhost:8080/")

    assert addresses
    assert all(ipaddress.ip_address(address).is_loopback for address in addresses)


async def test_check_resolved_ip_literal_skips_dns() -> None:
    assert await UrlGuard().check_resolved("http://93.184.216.34/") == ["93.184.216.34"]

