"""Which URLs may be fetched: http(s) only, and never to non-public addresses unless allowed.

Names are resolved first and every address is checked; the fetch then connects to the
checked address itself, so a second DNS answer cannot swap in a private one.

Example:
    >>> from hf_tools.media.netguard import blocked_reason
    >>> import ipaddress
    >>> blocked_reason(ipaddress.ip_address("169.254.169.254"))
    'a cloud metadata address'
    >>> blocked_reason(ipaddress.ip_address("8.8.8.8")) is None
    True
    >>> blocked_reason(ipaddress.ip_address("64:ff9b::a9fe:a9fe"))  # NAT64 of 169.254.169.254
    'a cloud metadata address'

"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from hf_tools.media.errors import UnsafeURLError
from hf_tools.media.policy import MediaPolicy

__all__ = [
    "is_loopback",
    "IPAddress",
    "Target",
    "aresolve",
    "blocked_reason",
    "choose_address",
    "embedded_ipv4",
    "parse_target",
    "resolve",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known NAT64 prefix: the IPv4 address is the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215): never public
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d (:: and ::1 are checked as IPv6)


@dataclass(frozen=True)
class Target:
    """One URL, split into what the guard checks and what the pinned request needs."""

    url: str
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"

    def pinned_url(self, address: IPAddress) -> str:
        """The same URL addressed to ``address`` (the Host header keeps the name)."""
        ip = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{ip}:{self.port}{self.path}"

    def trusted(self, policy: MediaPolicy) -> bool:
        return policy.allow_private_urls or bool({self.host, f"{self.host}:{self.port}"} & policy.allowed_hosts)


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ``::1``, ``[::1]``, ``localhost``).

    Example:
        >>> is_loopback("127.0.0.2"), is_loopback("[::1]"), is_loopback("0.0.0.0"), is_loopback("example.org")
        (True, True, False, False)

    """
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_target(url: str) -> Target:
    """Split ``url``; refuse anything but a plain http(s) URL with a host."""
    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, UnicodeError) as exc:
        raise UnsafeURLError(f"not a valid URL: {url[:200]!r}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"only http(s) URLs are fetched, not {scheme or 'scheme-less'!r} URLs")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURLError("URLs with credentials (user:password@) are not fetched")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeURLError(f"URL has no host: {url[:200]!r}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def _own_reason(address: IPAddress) -> str | None:
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_multicast:
        return "a non-public address"
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched from by default, or None for a public address.

    An IPv6 address that carries an IPv4 address (``::ffff:a.b.c.d``, ``::a.b.c.d``, NAT64
    ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) is refused when either address is.
    """
    embedded = embedded_ipv4(address)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        reason = _own_reason(address)
        if reason is not None:
            return reason
        if address in _NAT64_LOCAL:
            return "a non-public address"
    return _own_reason(embedded) if embedded is not None else _own_reason(address)


def _addresses(infos: Sequence[tuple[object, ...]]) -> list[IPAddress]:
    found: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def _literal(host: str) -> list[IPAddress] | None:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        return None


def resolve(target: Target) -> list[IPAddress]:
    """Every address ``target.host`` resolves to (a literal IP is not looked up)."""
    literal = _literal(target.host)
    if literal is not None:
        return literal
    try:
        return _addresses(socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM))
    except (OSError, UnicodeError) as exc:
        raise UnsafeURLError(f"cannot resolve host {target.host!r}") from exc


async def aresolve(target: Target) -> list[IPAddress]:
    """Async :func:`resolve` on the event loop's resolver."""
    literal = _literal(target.host)
    if literal is not None:
        return literal
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURLError(f"cannot resolve host {target.host!r}") from exc
    return _addresses(list(infos))


def choose_address(target: Target, addresses: list[IPAddress], policy: MediaPolicy) -> IPAddress:
    """The address to connect to; every resolved address must be public unless trusted."""
    if not addresses:
        raise UnsafeURLError(f"host {target.host!r} has no address")
    if not target.trusted(policy):
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                raise UnsafeURLError(
                    f"refused to fetch {target.host!r}: it resolves to {reason} ({address});"
                    " only public addresses are fetched unless media_allow_private_urls or"
                    " media_allowed_hosts allows it"
                )
    return addresses[0]
