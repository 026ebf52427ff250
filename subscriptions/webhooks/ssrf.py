"""The SSRF guard: webhook URLs must reach public addresses only.

Checked when a webhook is registered and again before every send (DNS may change in
between). Refused: loopback, private, link-local (cloud metadata 169.254.169.254 among
them), shared (100.64/10), multicast, reserved and unspecified addresses, IPv6 forms of
them (IPv4-mapped, unique local, fd00:ec2::254), and every way of writing one of them that
resolvers accept: decimal `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`, short `127.1`.
`allow_loopback` (the WEBHOOK_ALLOW_LOOPBACK setting, for tests) lets loopback through.
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
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    if address in _METADATA:
        return "metadata"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared"
    if address.is_private:
        return "private"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "reserved"
    return None


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
