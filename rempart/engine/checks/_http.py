"""HTTP(S) requests for checks, over sockets from the scope guard.

One request per connection (`Connection: close`), bodies capped, no certificate
verification (a scanner looks at what is served, whoever signed it) and no redirect
followed unless it stays on the same scheme, address and port (scope discipline).
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from rempart.engine.checks._net import shared
from rempart.engine.checks.base import CheckContext
from rempart.engine.model import Host, Service

MAX_BODY = 256 * 1024
USER_AGENT = "Mozilla/5.0 (compatible; Rempart scanner)"
TLS_SERVICE_NAMES = ("https", "https-alt", "ssl/http", "ssl/https", "ssl/http-alt")


@dataclass
class HttpResponse:
    method: str
    path: str
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str:
        """All values of a header, joined with ", " (empty when absent)."""
        wanted = name.lower()
        return ", ".join(v for k, v in self.headers if k.lower() == wanted)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context


class GuardedHTTPConnection(http.client.HTTPConnection):
    """`http.client` whose socket comes from the scope guard (TLS-wrapped for https)."""

    def __init__(self, context: CheckContext, address: str, port: int, *, tls: bool) -> None:
        super().__init__(address, port, timeout=context.timeout)
        self._check_context = context
        self._tls = tls

    def connect(self) -> None:
        raw = self._check_context.allowed.tcp_connect(
            self.host, self.port, self._check_context.timeout
        )
        if not self._tls:
            self.sock = raw
            return
        try:
            self.sock = _tls_context().wrap_socket(raw)
        except (OSError, ssl.SSLError):
            raw.close()
            raise


def uses_tls(service: Service) -> bool:
    return service.tunnel == "ssl" or service.name.lower() in TLS_SERVICE_NAMES


def _request(
    context: CheckContext, address: str, service: Service, method: str, path: str
) -> HttpResponse | None:
    connection = GuardedHTTPConnection(context, address, service.port, tls=uses_tls(service))
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
    if method == "TRACE":
        headers["X-Rempart-Trace"] = "rempart-trace-probe"
    try:
        connection.request(method, path, headers=headers)
        reply = connection.getresponse()
        body = reply.read(MAX_BODY)
        return HttpResponse(method, path, reply.status, reply.reason, reply.getheaders(), body)
    except (OSError, http.client.HTTPException, ssl.SSLError, ValueError):
        return None
    finally:
        connection.close()


def same_endpoint_path(service: Service, address: str, current: str, location: str) -> str | None:
    """The path a redirect points to when it stays on this scheme, address and port."""
    scheme = "https" if uses_tls(service) else "http"
    netloc = f"[{address}]" if ":" in address else address
    base = f"{scheme}://{netloc}:{service.port}{current}"
    target = urlsplit(urljoin(base, location.strip()))
    if target.scheme != scheme or target.hostname is None:
        return None
    try:
        port = target.port or (443 if scheme == "https" else 80)
    except ValueError:
        return None
    if target.hostname.strip("[]") != address.strip("[]") or port != service.port:
        return None
    return (target.path or "/") + (f"?{target.query}" if target.query else "")


def fetch(
    context: CheckContext,
    host: Host,
    service: Service,
    path: str,
    *,
    method: str = "GET",
    follow: int = 0,
) -> HttpResponse | None:
    """One request (shared between the checks of a scan); follows up to `follow` redirects
    that stay on the same endpoint. Raises ScopeViolationError out of scope."""
    response = shared(
        context,
        f"http:{method}:{path}",
        host.address,
        service.port,
        lambda: _request(context, host.address, service, method, path),
    )
    if response is None or follow <= 0 or response.status not in (301, 302, 303, 307, 308):
        return response
    target = same_endpoint_path(service, host.address, path, response.header("location"))
    if target is None or target == path:
        return response
    return fetch(context, host, service, target, method=method, follow=follow - 1)
