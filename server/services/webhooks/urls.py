"""Where a webhook may point: http(s), at most 2,000 characters, and (unless the deployment allows it)
never a private, loopback, link-local, reserved or cloud metadata address. Checked when the webhook is
created and again before deliveries, on the addresses the name resolves to then (DNS rebinding; the
dispatcher reuses a passed check for a few seconds); the delivery then connects to the address that
was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from server.services.errors import Invalid

MAX_URL_LENGTH = 2000
# Names that reach a cloud provider's instance metadata whatever they resolve to.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})
_METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked URL: its host, port and the public address a delivery connects to (None: any)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str | None


def check_syntax(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable webhook URL; Invalid otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"The URL is longer than {MAX_URL_LENGTH} characters.", field="url")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise Invalid("The URL may not contain spaces or control characters.", field="url")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Invalid("A webhook URL must start with http:// or https://.", field="url")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise Invalid("The URL's port is not a number between 0 and 65535.", field="url") from None
    if not host:
        raise Invalid("The URL has no host.", field="url")
    return scheme, host, port or (443 if scheme == "https" else 80)


def forbidden_address(address: Address) -> bool:
    """Whether a delivery may never reach this address (without CALLSHEET_WEBHOOK_ALLOW_PRIVATE)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address in _METADATA_ADDRESSES
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10"))
    )


async def resolve(host: str, port: int) -> list[Address]:
    """Every address the host names (a literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check(url: str, *, allow_private: bool) -> Target:
    """The URL as a delivery target; Invalid (field `url`) when it may not be one."""
    scheme, host, port = check_syntax(url)
    if allow_private:
        return Target(url, scheme, host, port, None)
    if host.lower().rstrip(".") in METADATA_HOSTS:
        raise Invalid("Webhook URLs may not point at a metadata service.", field="url")
    try:
        addresses = await resolve(host, port)
    except OSError:
        raise Invalid(f"The host {host!r} does not resolve.", field="url") from None
    if not addresses:
        raise Invalid(f"The host {host!r} does not resolve.", field="url")
    if any(forbidden_address(a) for a in addresses):
        raise Invalid("Webhook URLs may not point at private, loopback, link-local or metadata addresses.", field="url")
    return Target(url, scheme, host, port, str(addresses[0]))
