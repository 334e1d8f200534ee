"""A guard that keeps the browser away from local, private and non-web addresses.

Live browsing must never reach the machine the harness runs on, its private network or a cloud
metadata service, whatever a page links to or redirects to. `UrlGuard.check` rejects a URL by its
text alone: the scheme, host names such as `localhost`, and IP literals, including the integer,
hex and octal IPv4 forms that browsers accept. `UrlGuard.check_resolved` also resolves the host
name and rejects it when any address is not public. Hosts listed in `allow_hosts` skip the
address rules, for deliberate local use such as a test server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import unicodedata
from typing import Iterable
from urllib.parse import unquote, urlsplit

from pix2fact.tools.base import ToolError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network) for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)

# Rules that `allow_private` lifts. Loopback, link-local and metadata addresses stay blocked.
PRIVATE_RULES = frozenset({"a private address", "a carrier-grade NAT address (100.64.0.0/10)"})


class BlockedURLError(ToolError):
    """A URL the guard rejects. The message names the rule and the URL."""


def _blocked_rule(address: IPAddress) -> str | None:
    """Return the name of the rule that blocks `address`, or None for a public address."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.version == 4 and address in CARRIER_GRADE_NAT:
        return "a carrier-grade NAT address (100.64.0.0/10)"
    if any(address.version == network.version and address in network for network in PRIVATE_NETWORKS):
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address that an IPv6 address carries (mapped, 6to4, NAT64, compatible)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)

    # The deprecated IPv4-compatible form ::a.b.c.d; "::" and "::1" are not IPv4 addresses.
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address))
    return None


def _parse_ipv4_part(part: str) -> int | None:
    """Parse one dotted part the way browsers do: 0x-prefixed hex, 0-prefixed octal or decimal."""
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:], 16) if part[2:] else 0
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10)
    except ValueError:
        return None


def parse_ip_host(host: str) -> IPAddress | None:
    """Return the IP address a URL host denotes, or None for a host name.

    Follows the WHATWG URL host parser, which Chromium implements: a host whose last dotted part
    is a number is IPv4, written with 1 to 4 parts, each in decimal, octal or hex, so
    `2130706433`, `0x7f.1` and `017700000001` all mean 127.0.0.1.

    Raises:
        BlockedURLError: the host looks like an IP address but is not a valid one.
    """
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError as error:
            raise BlockedURLError(f"invalid IPv6 host {host!r}: {error}") from None

    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    last = parts[-1]
    ends_in_number = (last.isascii() and last.isdigit()) or (last[:2] in ("0x", "0X") and all(c in "0123456789abcdefABCDEF" for c in last[2:]))
    if not ends_in_number:
        return None

    numbers = [_parse_ipv4_part(part) for part in parts]
    if len(parts) > 4 or any(number is None for number in numbers):
        raise BlockedURLError(f"invalid IPv4 host {host!r}: use a dotted address such as 93.184.216.34")

    *leading, final = numbers
    if any(number > 255 for number in leading) or final >= 256 ** (5 - len(numbers)):
        raise BlockedURLError(f"invalid IPv4 host {host!r}: a part is out of range")
    value = final
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _normalize_host(host: str) -> str:
    """Return the host as a browser would: percent-decoded, NFKC-mapped, lower case, no final dot."""
    host = unicodedata.normalize("NFKC", unquote(host)).lower()
    return host[:-1] if host.endswith(".") and not host.endswith("..") else host


def _split_url(url: str) -> tuple[str, str, int]:
    """Return (scheme, normalised host, port) of an http(s) URL as a browser would parse it."""
    # Browsers drop tabs and newlines anywhere and treat "\" as "/" in http(s) URLs, so the
    # guard must too or "http://127.0.0.1\@example.com/" would pass as example.com.
    cleaned = "".join(char for char in url.strip() if char not in "\t\n\r").replace("\\", "/")
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError as error:
        raise BlockedURLError(f"invalid URL {url!r}: {error}") from None

    scheme = parts.scheme.lower()
    host = _normalize_host(parts.hostname or "")
    if not host:
        raise BlockedURLError(f"invalid URL {url!r}: it has no host name; give a full http(s) URL")
    return scheme, host, port or DEFAULT_PORTS.get(scheme, 0)


class UrlGuard:
    """Decide which URLs a live browser may load.

    Args:
        allow_hosts: hosts that skip the address rules, as `host` (any port) or `host:port`;
            for example `127.0.0.1:8080` for a local test server.
        allow_private: also allow private networks (10/8, 172.16/12, 192.168/16, fc00::/7) and
            carrier-grade NAT (100.64/10). Loopback, link-local and metadata stay blocked.
    """

    def __init__(self, allow_hosts: Iterable[str] = (), allow_private: bool = False) -> None:
        self.allow_private = allow_private
        self._allowed_hosts: set[str] = set()
        self._allowed_host_ports: set[tuple[str, int]] = set()
        for entry in allow_hosts:
            parts = urlsplit("//" + entry.strip())
            host = _normalize_host(parts.hostname or "")
            if not host:
                raise ValueError(f"invalid allow_hosts entry {entry!r}; expected 'host' or 'host:port'")
            if parts.port is None:
                self._allowed_hosts.add(host)
            else:
                self._allowed_host_ports.add((host, parts.port))

    def _is_allowed_host(self, host: str, port: int) -> bool:
        return host in self._allowed_hosts or (host, port) in self._allowed_host_ports

    def _check_address(self, url: str, address: IPAddress, source: str) -> None:
        # The IPv4 address inside an IPv6 one is checked first: it is where the packets go.
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
            candidates.insert(0, embedded)

        for candidate in candidates:
            rule = _blocked_rule(candidate)
            if rule is None or (self.allow_private and rule in PRIVATE_RULES):
                continue
            shown = str(candidate) if candidate == address else f"{candidate} (inside {address})"
            raise BlockedURLError(f"blocked {url}: {source} {shown}, which is {rule}; only public web addresses may be opened")

    def check(self, url: str) -> None:
        """Reject a URL by its text: scheme, local host names and IP-literal hosts.

        `about:blank` passes because it is the empty page a browser tab starts with.

        Raises:
            BlockedURLError: the URL is not http(s), has no host, names a local host or is an IP
                literal in a blocked range.
        """
        if url.strip().lower() == "about:blank":
            return

        scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
        if scheme not in ALLOWED_SCHEMES:
            shown = f"{scheme}:" if scheme else "no scheme"
            raise BlockedURLError(f"blocked {url!r}: scheme {shown} is not allowed; only http:// and https:// URLs can be opened")

        scheme, host, port = _split_url(url)
        if self._is_allowed_host(host, port):
            return
        if host == "localhost" or host.endswith(".localhost"):
            raise BlockedURLError(f"blocked {url}: host {host!r} is a loopback host name; only public web addresses may be opened")

        address = parse_ip_host(host)
        if address is not None:
            self._check_address(url, address, "host is")

    async def resolve(self, host: str, port: int) -> list[str]:
        """Return the addresses `host` resolves to, without duplicates.

        Tests override this to give a name a chosen address without touching system DNS.

        Raises:
            socket.gaierror: the name does not resolve.
        """
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))

    async def check_resolved(self, url: str) -> list[str]:
        """Check the URL text, then resolve its host and reject it if any address is not public.

        Returns:
            The resolved addresses, all of them checked, so a caller can connect to one of them
            and not resolve the name again (a second lookup could return another address).

        Raises:
            BlockedURLError: the URL fails `check`, or one of its addresses is blocked.
            ToolError: the host name does not resolve.
        """
        self.check(url)
        if url.strip().lower() == "about:blank":
            return []

        scheme, host, port = _split_url(url)
        address = parse_ip_host(host)
        if address is not None:
            return [str(address)]

        try:
            addresses = await self.resolve(host, port)
        except socket.gaierror as error:
            raise ToolError(f"could not resolve host {host!r} of {url}: {error.strerror}; check the spelling of the URL") from None

        if not self._is_allowed_host(host, port):
            for resolved in addresses:
                self._check_address(url, ipaddress.ip_address(resolved.split("%", 1)[0]), f"host {host!r} resolves to")
        return addresses
