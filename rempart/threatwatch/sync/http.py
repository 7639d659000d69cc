"""HTTP for the synchronisation: GET with pacing, bounded retries, a short connect timeout
and a cap on the body.

* What says the server is there but could not answer completely (429, 500, 502, 503, 504,
  a connection cut after the request was sent, a body shorter than announced, cut JSON or
  gzip) is retried, after `Retry-After` or an exponential backoff.
* What says the source cannot be reached (no DNS, connection refused, network unreachable,
  no TCP connection within `REMPART_INTEL_HTTP_CONNECT_TIMEOUT`, TLS failure) is not
  retried: an offline platform fails in seconds, not after minutes of retries.
* A body over the document limit (`REMPART_INTEL_MAX_DOCUMENT_MB`) is refused.
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

import environ

from rempart.threatwatch.importers.reading import MB, read_limits
from rempart.threatwatch.problems import IntelError

logger = logging.getLogger(__name__)
_env = environ.Env()
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT = 300.0


class SyncError(IntelError):
    """A source could not be synchronised; `code` and `params` say why (problems.py)."""


@dataclass(frozen=True)
class SyncSettings:
    nvd_url: str
    nvd_api_key: str
    nvd_delay: float
    nvd_page_size: int
    kev_url: str
    epss_url: str
    certfr_feeds: list[str]
    certfr_delay: float
    retries: int
    backoff: float
    timeout: float
    connect_timeout: float = 10.0
    max_body: int = 256 * MB


def sync_settings() -> SyncSettings:
    """Read at each run, so that a change of the environment needs no restart of workers."""
    key = _env.str("REMPART_INTEL_NVD_API_KEY", default="")
    return SyncSettings(
        nvd_url=_env.str(
            "REMPART_INTEL_NVD_URL", default="https://services.nvd.nist.gov/rest/json/cves/2.0"
        ),
        nvd_api_key=key,
        nvd_delay=_env.float("REMPART_INTEL_NVD_DELAY", default=0.6 if key else 6.0),
        nvd_page_size=_env.int("REMPART_INTEL_NVD_PAGE_SIZE", default=2000),
        kev_url=_env.str(
            "REMPART_INTEL_KEV_URL",
            default="https://www.cisa.gov/sites/default/files/feeds/"
            "known_exploited_vulnerabilities.json",
        ),
        epss_url=_env.str(
            "REMPART_INTEL_EPSS_URL",
            default="https://epss.empiricalsecurity.com/epss_scores-current.csv.gz",
        ),
        certfr_feeds=_env.list(
            "REMPART_INTEL_CERTFR_FEEDS",
            default=[
                "https://www.cert.ssi.gouv.fr/avis/feed/",
                "https://www.cert.ssi.gouv.fr/alerte/feed/",
            ],
        ),
        certfr_delay=_env.float("REMPART_INTEL_CERTFR_DELAY", default=1.0),
        retries=_env.int("REMPART_INTEL_HTTP_RETRIES", default=5),
        backoff=_env.float("REMPART_INTEL_HTTP_BACKOFF", default=2.0),
        timeout=_env.float("REMPART_INTEL_HTTP_TIMEOUT", default=60.0),
        connect_timeout=_env.float("REMPART_INTEL_HTTP_CONNECT_TIMEOUT", default=10.0),
        max_body=read_limits().document,
    )


# --- connections with their own connect timeout -------------------------------------------------


def _with_connect_timeout(base: type[http.client.HTTPConnection], connect_timeout: float) -> Any:
    """`base` whose TCP connection gives up after `connect_timeout` seconds; reads keep the
    request's (longer) timeout."""

    class Connection(base):  # type: ignore[valid-type,misc]  # a class built per client
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            read_timeout = self.timeout

            def create(address: Any, timeout: Any = None, source: Any = None) -> socket.socket:
                sock = socket.create_connection(address, connect_timeout, source)
                sock.settimeout(read_timeout)
                return sock

            self._create_connection = create

    return Connection


class _HttpHandler(urllib.request.HTTPHandler):
    def __init__(self, connect_timeout: float) -> None:
        super().__init__()
        self.connection = _with_connect_timeout(http.client.HTTPConnection, connect_timeout)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, connect_timeout: float) -> None:
        super().__init__()
        self.connection = _with_connect_timeout(http.client.HTTPSConnection, connect_timeout)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req, context=self._context)  # type: ignore[attr-defined]


# --- the client ---------------------------------------------------------------------------------


class _RetryableError(Exception):
    def __init__(self, cause: str, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.cause, self.retry_after = cause, retry_after


@dataclass
class HttpClient:
    """GET with retries (see the module docstring) and pacing."""

    settings: SyncSettings
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    _last: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        timeout = self.settings.connect_timeout
        self._opener = urllib.request.build_opener(_HttpHandler(timeout), _HttpsHandler(timeout))

    def pause(self, delay: float) -> None:
        """Wait so that two requests are at least `delay` seconds apart."""
        wait = self._last + delay - time.monotonic()
        if self._last and wait > 0:
            self.sleep(wait)

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        check: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """The body (or `check(body)`, whose `_RetryableError` means "truncated: retry")."""
        full = f"{url}?{urllib.parse.urlencode(params)}" if params else url
        for attempt in range(self.settings.retries + 1):
            self._last = time.monotonic()
            self.requests += 1
            try:
                body = self._fetch(full, headers or {})
                return check(body) if check else body
            except _RetryableError as exc:
                if attempt == self.settings.retries:
                    raise SyncError(
                        "retries_exhausted", url=full, attempts=attempt + 1, cause=exc.cause
                    ) from exc
                wait = self.settings.backoff * 2**attempt
                if exc.retry_after is not None:
                    wait = exc.retry_after
                logger.warning("%s: %s; retrying in %.1f s", full, exc, wait)
                self.sleep(min(wait, MAX_WAIT))
        raise AssertionError("unreachable")

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.get(url, check=_json_body, **kwargs)

    def _fetch(self, url: str, headers: dict[str, str]) -> bytes:
        # The URLs are the operator's configuration (REMPART_INTEL_*), never user input.
        agent = {"User-Agent": "Rempart threat watch", **headers}
        request = urllib.request.Request(url, headers=agent)  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.settings.timeout) as response:
                return _read_capped(response, url, self.settings.max_body)
        except urllib.error.HTTPError as exc:
            if exc.code in RETRY_STATUSES:
                status = f"HTTP {exc.code}"
                raise _RetryableError(status, status, _retry_after(exc)) from exc
            raise SyncError("http_status", url=url, status=exc.code) from exc
        except urllib.error.URLError as exc:  # before an answer: the source is not reachable
            raise SyncError("unreachable", url=url, cause=_cause(exc.reason)) from exc
        except (http.client.HTTPException, OSError) as exc:  # sent, then cut or timed out
            raise _RetryableError("reset", f"{type(exc).__name__}: {exc}") from exc


def _read_capped(response: IO[bytes], url: str, limit: int) -> bytes:
    parts, total = [], 0
    while chunk := response.read(1 << 20):
        total += len(chunk)
        if total > limit:
            raise SyncError("too_large", origin=url, limit_mb=limit // MB, what="download")
        parts.append(chunk)
    if getattr(response, "length", None):  # announced bytes that never came
        raise _RetryableError("truncated", f"body cut after {total} bytes")
    return b"".join(parts)


def _cause(reason: Any) -> str:
    """Why a connection could not be made, as a code (problems.CAUSES)."""
    if isinstance(reason, socket.gaierror):
        return "dns"
    if isinstance(reason, ConnectionRefusedError):
        return "refused"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(reason, ssl.SSLError):
        return "tls"
    if isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network"
    return "network_error"


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    try:
        return float(exc.headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except ValueError as exc:
        raise _RetryableError(
            "truncated", f"truncated or invalid JSON body ({len(body)} bytes)"
        ) from exc
