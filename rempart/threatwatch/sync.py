"""Synchronisation of the catalog with the real sources: NVD API 2.0, CISA KEV, FIRST EPSS
and CERT-FR (RSS feeds, then each publication's JSON document).

* NVD: pages of `resultsPerPage` from `startIndex`; incremental from the last success with
  `lastModStartDate`/`lastModEndDate` in windows of at most 120 days (the API's limit); a
  pause between requests (6 s without an API key, 0.6 s with one); the resume point (window
  and index) is stored in `SourceStatus.cursor` after each page is written, so a cut run
  resumes where it stopped.
* Every request is retried on 429, 5xx, connection errors and truncated bodies, with an
  exponential backoff (or the server's `Retry-After`).
* URLs and pacing come from `REMPART_INTEL_*` variables (docs/configuration.md).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import environ
from django.utils import timezone

from rempart.threatwatch.importers import kev
from rempart.threatwatch.importers.certfr import feed_items
from rempart.threatwatch.importers.detect import UnsupportedError, json_kind
from rempart.threatwatch.importers.pipeline import CatalogImport
from rempart.threatwatch.importers.records import ImportReport, RecordError
from rempart.threatwatch.models import SourceStatus
from rempart.threatwatch.services.catalog import source_status_record
from rempart.threatwatch.services.pending import pending_correlation_run

logger = logging.getLogger(__name__)
_env = environ.Env()
SOURCES = ("nvd", "kev", "epss", "certfr")
NVD_WINDOW = dt.timedelta(days=120)
NVD_OVERLAP = dt.timedelta(hours=1)
RETRY_STATUSES = {429, 500, 502, 503, 504}
Progress = Callable[[int, int | None, str], None]


class SyncError(Exception):
    """A source could not be synchronised (after the retries); the message says why."""


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
    )


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class HttpClient:
    """GET with retries (429, 5xx, network errors, truncated bodies) and pacing."""

    settings: SyncSettings
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    _last: float = field(default=0.0, repr=False)

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
        """The body (or `check(body)`, whose ValueError means "truncated: retry")."""
        full = f"{url}?{urllib.parse.urlencode(params)}" if params else url
        for attempt in range(self.settings.retries + 1):
            self._last = time.monotonic()
            self.requests += 1
            try:
                body = self._fetch(full, headers or {})
                return check(body) if check else body
            except _RetryableError as exc:
                if attempt == self.settings.retries:
                    raise SyncError(f"{full}: {exc} (after {attempt + 1} attempts)") from exc
                wait = self.settings.backoff * 2**attempt
                if exc.retry_after is not None:
                    wait = exc.retry_after
                logger.warning("%s: %s; retrying in %.1f s", full, exc, wait)
                self.sleep(min(wait, 300.0))
        raise AssertionError("unreachable")

    def _fetch(self, url: str, headers: dict[str, str]) -> bytes:
        # The URLs are the operator's configuration (REMPART_INTEL_*), never user input.
        agent = {"User-Agent": "Rempart threat watch", **headers}
        request = urllib.request.Request(url, headers=agent)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:  # noqa: S310
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code in RETRY_STATUSES:
                raise _RetryableError(f"HTTP {exc.code}", _retry_after(exc)) from exc
            raise SyncError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.get(url, check=_json_body, **kwargs)


class _RetryableError(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    try:
        return float(exc.headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except ValueError as exc:
        raise _RetryableError(f"truncated or invalid JSON body ({len(body)} bytes)") from exc


def _expect(kind: str, payload: Any, url: str) -> None:
    try:
        found = json_kind(payload)
    except UnsupportedError as exc:
        raise SyncError(f"{url}: {exc}") from exc
    if found != kind:
        raise SyncError(f"{url}: {found} received where {kind} was expected")


# --- NVD ----------------------------------------------------------------------------------------


@dataclass
class NvdCursor:
    """Where an NVD run is: its window start (None: full download), its end, the next index."""

    start: dt.datetime | None
    end: dt.datetime
    index: int = 0

    def dump(self) -> str:
        start = self.start.isoformat() if self.start else None
        return json.dumps(
            {"s": start, "e": self.end.isoformat(), "i": self.index}, separators=(",", ":")
        )

    @classmethod
    def load(cls, text: str) -> NvdCursor | None:
        try:
            data = json.loads(text)
            start = dt.datetime.fromisoformat(data["s"]) if data["s"] else None
            return cls(start, dt.datetime.fromisoformat(data["e"]), int(data["i"]))
        except (ValueError, KeyError, TypeError):
            return None

    def window(self) -> tuple[dt.datetime, dt.datetime] | None:
        if self.start is None:
            return None
        return self.start, min(self.start + NVD_WINDOW, self.end)


def _nvd_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def _nvd_params(cursor: NvdCursor, page_size: int) -> dict[str, Any]:
    params: dict[str, Any] = {"startIndex": cursor.index, "resultsPerPage": page_size}
    window = cursor.window()
    if window:
        params["lastModStartDate"], params["lastModEndDate"] = map(_nvd_date, window)
    return params


def _nvd_cursor(status: SourceStatus) -> NvdCursor:
    """Resume a cut run, else start after the last success (full download the first time)."""
    resumed = NvdCursor.load(status.cursor) if status.cursor else None
    if resumed:
        return resumed
    now = timezone.now().replace(microsecond=0)
    start = status.last_success_at - NVD_OVERLAP if status.last_success_at else None
    return NvdCursor(start, now)


def _advance(cursor: NvdCursor, page: dict[str, Any]) -> bool:
    """Move past a page; False when the run is complete."""
    cursor.index += len(page.get("vulnerabilities") or [])
    total = int(page.get("totalResults") or 0)
    if cursor.index < total and page.get("vulnerabilities"):
        return True
    window = cursor.window()
    if window is None or window[1] >= cursor.end:
        return False
    cursor.start, cursor.index = window[1], 0
    return True


def sync_nvd(client: HttpClient, run: CatalogImport, progress: Progress) -> NvdCursor:
    """Page through the NVD API; the cursor is saved after each page is written."""
    settings = client.settings
    status, _ = SourceStatus.objects.get_or_create(source="nvd")
    cursor = _nvd_cursor(status)
    headers = {"apiKey": settings.nvd_api_key} if settings.nvd_api_key else {}
    while True:
        client.pause(settings.nvd_delay)
        params = _nvd_params(cursor, settings.nvd_page_size)
        page = client.get_json(settings.nvd_url, params=params, headers=headers)
        _expect("nvd-page", page, settings.nvd_url)
        run.feed_payload("nvd-page", page, f"{settings.nvd_url}?startIndex={cursor.index}")
        run.finish()
        more = _advance(cursor, page)
        SourceStatus.objects.filter(pk=status.pk).update(cursor=cursor.dump() if more else "")
        progress(cursor.index, int(page.get("totalResults") or 0), "nvd")
        run.check_cancelled()
        if not more:
            return cursor


# --- KEV, EPSS, CERT-FR -------------------------------------------------------------------------


def sync_kev(client: HttpClient, run: CatalogImport, progress: Progress) -> None:
    url = client.settings.kev_url
    catalog = client.get_json(url)
    _expect("kev-json", catalog, url)
    try:
        kev.catalog_version(catalog.get("catalogVersion"))
    except RecordError as exc:
        raise SyncError(f"{url}: {exc}") from exc
    run.feed_payload("kev-json", catalog, url)
    progress(1, 1, "kev")


def sync_epss(client: HttpClient, run: CatalogImport, progress: Progress) -> None:
    """Download the daily CSV (checked whole before use), then import it streamed."""
    url = client.settings.epss_url
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "epss.csv.gz"
        path.write_bytes(client.get(url, check=_complete_gzip))
        run.import_path(path, lambda _: None)
    progress(1, 1, "epss")


def _complete_gzip(body: bytes) -> bytes:
    import gzip  # noqa: PLC0415  (only here)
    import zlib  # noqa: PLC0415

    try:
        if body[:2] == b"\x1f\x8b":
            gzip.decompress(body)
    except (EOFError, OSError, zlib.error) as exc:
        raise _RetryableError(f"truncated gzip body ({len(body)} bytes)") from exc
    return body


def sync_certfr(client: HttpClient, run: CatalogImport, progress: Progress) -> None:
    """Each feed item's document (`<link>json/`); a missing document is reported, skipped."""
    settings = client.settings
    for feed in settings.certfr_feeds:
        items = feed_items(client.get(feed))
        for number, item in enumerate(items, start=1):
            client.pause(settings.certfr_delay)
            try:
                document = client.get_json(item.json_url)
                _expect("certfr", document, item.json_url)
            except SyncError as exc:
                run.report.problem(item.json_url, item.title, str(exc))
                continue
            run.feed_payload("certfr", document, item.json_url)
            progress(number, len(items), f"certfr {feed}")
            run.check_cancelled()


SYNCS: dict[str, Callable[[HttpClient, CatalogImport, Progress], Any]] = {
    "nvd": sync_nvd,
    "kev": sync_kev,
    "epss": sync_epss,
    "certfr": sync_certfr,
}


# --- Orchestration ------------------------------------------------------------------------------


def catalog_sync(
    *,
    sources: list[str] | None = None,
    progress: Progress | None = None,
    check_cancelled: Callable[[], None] | None = None,
    client: HttpClient | None = None,
) -> dict[str, Any]:
    """Synchronise the given sources (all by default), each on its own: a failed source is
    reported and the others still run. Returns, per source, counts and errors."""
    client = client or HttpClient(sync_settings())
    results: dict[str, Any] = {}
    for source in sources or list(SOURCES):
        results[source] = sync_source(
            source, client=client, progress=progress or _quiet, check_cancelled=check_cancelled
        )
    failed = [name for name, result in results.items() if result.get("failed")]
    return {"sources": results, "failed": failed, "requests": client.requests}


def sync_source(
    source: str,
    *,
    client: HttpClient,
    progress: Progress,
    check_cancelled: Callable[[], None] | None = None,
) -> dict[str, Any]:
    report = ImportReport()
    run = CatalogImport(report=report, check_cancelled=check_cancelled)
    started = timezone.now()
    failure, outcome = "", None
    try:
        outcome = SYNCS[source](client, run, progress)
        run.finish()
    except SyncError as exc:
        failure = str(exc)
        report.problem(source, "", failure)
        run.finish()  # what was parsed before the failure is kept
    succeeded = None if failure else (outcome.end if isinstance(outcome, NvdCursor) else started)
    source_status_record(source=source, report=report, succeeded_at=succeeded)
    result = report.as_dict()
    result["failed"] = failure
    result["correlation"] = pending_correlation_run()
    return result


def _quiet(done: int, total: int | None, message: str) -> None:
    return None
