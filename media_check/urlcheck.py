"""Is a URL really reachable? (``--check-urls``): HEAD, then GET, redirects followed up to a limit, short timeouts.

Only ``http`` and ``https`` are fetched. Every hop's host is resolved here and each address checked: private,
loopback, link-local, multicast and reserved addresses are refused unless ``allow_private`` (so a listing cannot
make the checker probe an internal network), and the connection goes to the address that was checked (no second
DNS lookup that could answer differently). Bodies are never downloaded beyond a few kilobytes.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from media_check import __version__

REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = f"media-check/{__version__} (support URL check)"


@dataclass(frozen=True)
class UrlCheck:
    """The outcome of fetching one URL. ``reason`` is in plain words either way."""

    url: str
    ok: bool
    reason: str
    status: int | None = None
    final_url: str | None = None


class _Refused(Exception):
    pass


def check_url(url: str, *, timeout: float = 5.0, max_redirects: int = 5, allow_private: bool = False) -> UrlCheck:
    """Fetch ``url`` and say whether it answers with a success status (2xx after redirects)."""
    current = url
    try:
        for _hop in range(max_redirects + 1):
            status, location = _fetch(current, timeout, allow_private)
            if status in REDIRECTS and location:
                current = urljoin(current, location)
                continue
            if 200 <= status < 300:
                return UrlCheck(url, True, f"HTTP {status}", status, current)
            return UrlCheck(url, False, f"HTTP {status} {_status_words(status)}".strip(), status, current)
        return UrlCheck(url, False, f"more than {max_redirects} redirects", None, current)
    except _Refused as exc:
        return UrlCheck(url, False, str(exc), None, current)
    except socket.timeout:
        return UrlCheck(url, False, f"no answer within {timeout:g} s", None, current)
    except ssl.SSLCertVerificationError as exc:
        return UrlCheck(url, False, f"TLS certificate not valid: {exc.verify_message}", None, current)
    except ssl.SSLError as exc:
        return UrlCheck(url, False, f"TLS error: {exc.reason or exc}", None, current)
    except (OSError, http.client.HTTPException) as exc:
        return UrlCheck(url, False, f"connection failed: {_os_words(exc)}", None, current)


def _fetch(url: str, timeout: float, allow_private: bool) -> tuple[int, str | None]:
    """One hop: HEAD, and GET when HEAD is refused or fails. Returns (status, Location header)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise _Refused(f"only http and https URLs are fetched, not '{parts.scheme or 'none'}'")
    host = parts.hostname
    if not host:
        raise _Refused("the URL has no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _Refused("the URL has an invalid port") from None
    address = _checked_address(host, port, allow_private)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        status, location = _request("HEAD", parts.scheme, host, address, port, target, timeout)
        if status not in (400, 403, 405, 501) and status < 500:
            return status, location
    except (OSError, http.client.HTTPException):
        pass  # some servers reset HEAD requests: try GET
    return _request("GET", parts.scheme, host, address, port, target, timeout)


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _Refused(f"host name '{host}' does not resolve ({exc.strerror})") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not allow_private and not ip.is_global:
            raise _Refused(f"'{host}' resolves to {ip}, a private, loopback or reserved address: refused "
                           "(--allow-private to fetch it)")
        addresses.append(str(ip))
    if not addresses:
        raise _Refused(f"host name '{host}' has no address")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a given address, whatever the host name resolves to now."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a given address; the certificate is verified against the host name (SNI)."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _request(method: str, scheme: str, host: str, address: str, port: int, target: str,
             timeout: float) -> tuple[int, str | None]:
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = cls(host, address, port, timeout)
    try:
        conn.request(method, target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        if method == "GET":
            response.read(4096)  # a few bytes to see the server really answers; never the whole body
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def _status_words(status: int) -> str:
    try:
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _os_words(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
