"""The one guarded client for outbound HTTP.

Every URL Parley calls on a customer's behalf goes through `post`: only http/https, the host
is resolved once, every address it resolves to is checked (private, loopback, link-local,
multicast and reserved ranges are refused unless PARLEY_WEBHOOKS_ALLOW_PRIVATE is on), and
the connection goes to the address that was checked, so a DNS answer that changes between
the check and the connect (rebinding) cannot reach an internal service. Redirects are never
followed; timeouts are short.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000
RESPONSE_EXCERPT_BYTES = 1024
USER_AGENT = "Parley-Webhooks/1"


class Refused(Exception):
    """The URL may not be called; the message says why, in words a user can act on."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line


@dataclass(frozen=True)
class Response:
    status: int
    body: str  # the first RESPONSE_EXCERPT_BYTES of the answer, decoded leniently
    duration_ms: int


def allow_private() -> bool:
    return bool(getattr(settings, "PARLEY_WEBHOOKS_ALLOW_PRIVATE", False))


def parse(url: str) -> Target:
    url = (url or "").strip()
    if not url:
        raise Refused("Enter a URL.")
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"This is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise Refused(f"Only http and https URLs are allowed, not {shown}.")
    if not parts.hostname:
        raise Refused("The URL has no host name.")
    if parts.username is not None or parts.password is not None:
        raise Refused(
            "URLs with a user name or password are not supported; put a token in the path "
            "or query instead, and verify the X-Parley-Signature header."
        )
    if any(ch.isspace() for ch in url):
        raise Refused("The URL contains spaces; encode them as %20.")
    try:  # international names go on the wire (DNS, Host header, SNI) in their ASCII form
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise Refused(f"{parts.hostname} is not a valid host name.") from None
    # The request line is ASCII: percent-encode anything else, keep what is already encoded.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=~-._?")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to simulate DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(sockaddr[0])
    return seen


def address_problem(address: str) -> str | None:
    """Why this address is not public (e.g. "a private address 10.0.0.5"), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    for test, kind in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, test):
            return f"a {kind} address {ip}"
    if not ip.is_global:
        return f"a non-public address {ip}"
    return None


def check(url: str) -> tuple[Target, str]:
    """Parse, resolve and check `url`; answer the target and the address to connect to."""
    target = parse(url)
    try:
        addresses = resolve(target.host, target.port)
    except (socket.gaierror, UnicodeError, OSError):
        raise Refused(f"The host {target.host} cannot be resolved (no DNS record).") from None
    if not addresses:
        raise Refused(f"The host {target.host} cannot be resolved (no DNS record).")
    if not allow_private():
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise Refused(
                    f"{target.host} resolves to {problem}; webhooks may only call public addresses."
                )
    return target, addresses[0]


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address chosen in advance; the Host header keeps the name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to an address chosen in advance; SNI and certificate checks use the name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST `body` to `url` through the guard. Raises Refused, or OSError /
    http.client.HTTPException when the receiver cannot be reached or answers garbage."""
    target, address = check(url)
    cls = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    connection = cls(target.host, target.port, address, timeout)
    started = time.monotonic()
    try:
        connection.putrequest("POST", target.path, skip_accept_encoding=True)
        all_headers = {"User-Agent": USER_AGENT, **headers, "Content-Length": str(len(body))}
        for name, value in all_headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        excerpt = answer.read(RESPONSE_EXCERPT_BYTES)
        duration_ms = int((time.monotonic() - started) * 1000)
        return Response(answer.status, excerpt.decode("utf-8", "replace"), duration_ms)
    finally:
        connection.close()
