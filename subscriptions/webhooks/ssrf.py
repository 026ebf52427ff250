"""The SSRF guard: webhook URLs must reach public addresses only.

One guard for every registration (spec 000's REST route and the graph's registerWebhook,
spec 003's route) and every send (DNS may change in between). Refused: loopback, private,
link-local (cloud metadata 169.254.169.254 among them), shared (100.64/10), multicast,
reserved, unspecified and every other non-global address; IPv6 forms of them (unique local,
fd00:ec2::254) and IPv6 addresses that carry an IPv4 one inside (IPv4-mapped ::ffff:a.b.c.d,
IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, 6to4 2002::/16, NAT64
64:ff9b::/96 and the local-use 64:ff9b:1::/48, Teredo 2001::/32 with its server and its
obfuscated client), judged by the IPv4 address they carry; every way of writing an IPv4
address that resolvers accept: decimal `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`,
short `127.1`; and URLs carrying credentials. `allow_loopback` (the WEBHOOK_ALLOW_LOOPBACK
setting, for tests) lets loopback through, nothing else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("fd00:ec2::254"),
}
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeUrl(ValueError):
    pass


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, in any form inet_aton accepts, else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # 2130706433, 0x7f000001, 0177.0.0.1, 127.1 ...
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why this address may not be called, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return "local-use NAT64"
        carried = _embedded(address)
        if carried:
            for kind, inner in carried:
                reason = _refusal_v4(inner, allow_loopback=allow_loopback)
                if reason:
                    return f"{reason} ({inner} inside {kind})"
            return None  # a translation or tunnel to public IPv4 addresses
        if address.is_loopback:
            return None if allow_loopback else "loopback"
        if address in _METADATA:
            return "metadata"
        return _classify(address)
    return _refusal_v4(address, allow_loopback=allow_loopback)


def _refusal_v4(address: ipaddress.IPv4Address, *, allow_loopback: bool) -> str | None:
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    if address in _METADATA:
        return "metadata"
    if address in _SHARED:
        return "shared"
    return _classify(address)


def _classify(address: IPAddress) -> str | None:
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "reserved"
    if not address.is_global:
        return "non-public"
    return None


def _embedded(address: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, with the name of the form."""
    value = int(address)
    low32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [("an IPv4-mapped address", address.ipv4_mapped)]
    if value >> 32 == 0xFFFF0000:  # ::ffff:0:a.b.c.d
        return [("an IPv4-translated address", low32)]
    if value >> 32 == 0 and value > 1:  # ::a.b.c.d (deprecated, still routed by some stacks)
        return [("an IPv4-compatible address", low32)]
    if address.sixtofour is not None:
        return [("a 6to4 address", address.sixtofour)]
    if address in _NAT64:
        return [("a NAT64 address", low32)]
    if address.teredo is not None:
        server, client = address.teredo
        return [("a Teredo address", server), ("a Teredo address", client)]
    return []


def check_syntax(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeUrl("the URL must be http(s) with a host")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("the URL has an invalid port") from None
    return parts.scheme, parts.hostname, port


async def resolve_safe(url: str, *, allow_loopback: bool) -> IPAddress:
    """The address to connect to; raises UnsafeUrl if any address the host has is unsafe."""
    _, host, port = check_syntax(url)
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError:
            raise UnsafeUrl(f"the host {host!r} does not resolve") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        reason = refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise UnsafeUrl(f"the URL resolves to a {reason} address ({address})")
    return addresses[0]
