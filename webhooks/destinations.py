"""Where webhooks may go: public addresses only, unless QA_WEBHOOK_ALLOWED_HOSTS names the host.

A subscription's URL must not reach into the council's own network or the machine itself
(loopback, private, link-local, cloud metadata, multicast or reserved addresses): a webhook is an
HTTP request the service makes on an administrator's word, and would otherwise let that word
probe internal systems. The URL is checked when subscribing and again at every delivery, and the
connection itself is checked once made (the address the socket reached), so a DNS name that
later resolves elsewhere cannot switch a delivery to an internal address.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def resolve(host: str) -> list:
    """The addresses a host name has now (a name for tests to replace: DNS is the attacker's)."""
    return socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)


class RefusedDestination(ValueError):
    """A URL or address webhooks may not reach."""


@dataclass(frozen=True)
class Destinations:
    hosts: frozenset[str] = frozenset()  # host names allowed whatever they resolve to
    networks: tuple[Network, ...] = ()  # addresses allowed although not public

    @classmethod
    def from_setting(cls, text: str | None) -> "Destinations":
        """"mosaic.internal, 10.20.0.0/16, 127.0.0.1" -> the names and networks it allows."""
        hosts, networks = set(), []
        for item in (i.strip() for i in (text or "").replace(";", ",").split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def check_url(self, url: str) -> None:
        """Raise RefusedDestination unless every address the URL's host resolves to may be reached.
        A name that does not resolve now passes: it is checked again at each delivery."""
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if not host:
            raise RefusedDestination("the URL names no host")
        if host in self.hosts:
            return
        try:
            infos = resolve(host)
        except (socket.gaierror, UnicodeError):
            return
        for info in infos:
            self.check_address(info[4][0], host)

    def check_address(self, address: str, host: str | None = None) -> None:
        if host and host.lower().rstrip(".") in self.hosts:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.networks):
            return
        kind = _non_public(ip)
        if kind:
            where = f"{host} resolves to {ip}" if host and host != str(ip) else str(ip)
            raise RefusedDestination(f"{where}, {kind}; webhooks go to public addresses unless "
                                     "QA_WEBHOOK_ALLOWED_HOSTS names it")

    def adapter(self) -> HTTPAdapter:
        """A requests adapter whose connections are refused when the peer reached is not allowed."""
        return _CheckedAdapter(self)


def _non_public(ip: Address) -> str | None:
    for test, kind in ((ip.is_loopback, "a loopback address"), (ip.is_link_local, "a link-local address "
                       "(cloud metadata lives there)"), (ip.is_private, "a private address"),
                       (ip.is_multicast, "a multicast address"), (ip.is_unspecified, "an unspecified address"),
                       (ip.is_reserved, "a reserved address"), (not ip.is_global, "not a public address")):
        if test:
            return kind
    return None


def _checked(connection_class, destinations: Destinations):
    class Checked(connection_class):
        def _new_conn(self):
            sock = super()._new_conn()
            try:
                destinations.check_address(sock.getpeername()[0], self.host)
            except RefusedDestination:
                sock.close()
                raise
            return sock
    return Checked


class _CheckedAdapter(HTTPAdapter):
    def __init__(self, destinations: Destinations):
        self.destinations = destinations
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        pools = {}
        for scheme, pool, connection in (("http", HTTPConnectionPool, HTTPConnection),
                                         ("https", HTTPSConnectionPool, HTTPSConnection)):
            pools[scheme] = type(f"Checked{pool.__name__}", (pool,),
                                 {"ConnectionCls": _checked(connection, self.destinations)})
        self.poolmanager.pool_classes_by_scheme = pools
