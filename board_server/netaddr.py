"""The address that tablets on the same network use to reach this machine."""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct

# Any address outside this machine: connect() on a UDP socket only asks the
# kernel which interface would route there; no packet is sent.
_ROUTE_PROBE = ("198.51.100.1", 9)
_SIOCGIFADDR = 0x8915
_ALL_INTERFACES = ("0.0.0.0", "::", "")


def _usable(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def _routed_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            address: str = probe.getsockname()[0]
    except OSError:
        return None
    return address if _usable(address) else None


def interface_addresses() -> list[str]:
    """The IPv4 addresses of this machine's interfaces, loopback left out (Linux)."""
    found: list[str] = []
    try:
        names = [name for _, name in socket.if_nameindex()]
    except OSError:
        return found
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for name in names:
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
            except OSError:
                continue  # down, or no IPv4 address
            address = socket.inet_ntoa(reply[20:24])
            if _usable(address) and address not in found:
                found.append(address)
    return found


def lan_address() -> str | None:
    """This machine's address on its network: the one its default route uses,
    else the first interface's; None when it has only loopback."""
    routed = _routed_address()
    if routed is not None:
        return routed
    addresses = interface_addresses()
    return addresses[0] if addresses else None


def listens_everywhere(host: str) -> bool:
    """Whether a server bound to host accepts connections from other machines' tablets."""
    return host in _ALL_INTERFACES


def listens_locally(host: str) -> bool:
    """Whether host is a loopback address, reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int) -> str:
    """http://host:port, with an IPv6 host in brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def public_base_url(host: str, port: int) -> str:
    """Where links should point when no --public-url is given."""
    if listens_everywhere(host):
        address = lan_address()
        return base_url(address, port) if address else base_url("localhost", port)
    if listens_locally(host):
        return base_url("localhost", port)
    return base_url(host, port)
