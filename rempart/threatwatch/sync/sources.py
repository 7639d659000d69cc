"""The sources of the synchronisation: NVD API 2.0, CISA KEV, FIRST EPSS and CERT-FR (RSS
feeds, then each publication's JSON document).

* NVD: pages of `resultsPerPage` from `startIndex`; incremental from the last success with
  `lastModStartDate`/`lastModEndDate` in windows of at most 120 days (the API's limit); a
  pause between requests (6 s without an API key, 0.6 s with one); the resume point (window
  and index) is stored in `SourceStatus.cursor` after each page is written, so a cut run
  resumes where it stopped.
* HTTP, retries and limits: `sync/http.py`; URLs and pacing come from `REMPART_INTEL_*`
  variables (docs/configuration.md).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from rempart.threatwatch.importers import kev
from rempart.threatwatch.importers.certfr import FeedError, feed_items
from rempart.threatwatch.importers.detect import UnsupportedError, json_kind
from rempart.threatwatch.importers.pipeline import CatalogImport
from rempart.threatwatch.importers.reading import MB, read_limits
from rempart.threatwatch.importers.records import RecordError
from rempart.threatwatch.models import SourceStatus
from rempart.threatwatch.sync.http import HttpClient, SyncError, _RetryableError

NVD_WINDOW = dt.timedelta(days=120)
NVD_OVERLAP = dt.timedelta(hours=1)
Progress = Callable[[int, int | None, str], None]


def _expect(kind: str, payload: Any, url: str) -> None:
    try:
        found = json_kind(payload)
    except UnsupportedError as exc:
        raise SyncError("unexpected_document", url=url, detail=str(exc)) from exc
    if found != kind:
        raise SyncError("unexpected_document", url=url, detail=f"{found}, not {kind}")


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
    version = catalog.get("catalogVersion")
    try:
        kev.catalog_version(version)
    except RecordError as exc:
        raise SyncError("kev_version", origin=url, value=repr(str(version)[:40])) from exc
    run.feed_payload("kev-json", catalog, url)
    progress(1, 1, "kev")


def sync_epss(client: HttpClient, run: CatalogImport, progress: Progress) -> None:
    """Download the daily CSV (checked whole before use), then import it streamed."""
    url = client.settings.epss_url
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "epss.csv.gz"
        limit = read_limits().file
        path.write_bytes(client.get(url, check=lambda body: _complete_gzip(body, url, limit)))
        run.import_path(path, lambda _: None)
    progress(1, 1, "epss")


def _complete_gzip(body: bytes, url: str, limit: int) -> bytes:
    """A gzip body decompressed to its end without keeping the data: a cut one is retried,
    one that inflates past the file limit refused."""
    if body[:2] != b"\x1f\x8b":
        return body
    inflater, size = zlib.decompressobj(16 + zlib.MAX_WBITS), 0
    try:
        for start in range(0, len(body), 1 << 16):
            size += len(inflater.decompress(body[start : start + (1 << 16)], 1 << 20))
            while inflater.unconsumed_tail and size <= limit:
                size += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
            if size > limit:
                raise SyncError("too_large", origin=url, limit_mb=limit // MB, what="file")
    except zlib.error as exc:
        raise _RetryableError("truncated", f"invalid gzip body ({len(body)} bytes)") from exc
    if not inflater.eof:
        raise _RetryableError("truncated", f"truncated gzip body ({len(body)} bytes)")
    return body


def sync_certfr(client: HttpClient, run: CatalogImport, progress: Progress) -> None:
    """Each feed item's document (`<link>json/`); a missing document is reported, skipped."""
    settings = client.settings
    for feed in settings.certfr_feeds:
        try:
            items = feed_items(client.get(feed), origin=feed)
        except FeedError as exc:
            raise SyncError(exc.code, **exc.params) from exc
        for number, item in enumerate(items, start=1):
            client.pause(settings.certfr_delay)
            try:
                document = client.get_json(item.json_url)
                _expect("certfr", document, item.json_url)
            except SyncError as exc:
                run.report.problem(item.json_url, item.title, str(exc), error=exc)
                continue
            run.feed_payload("certfr", document, item.json_url)
            progress(number, len(items), f"certfr {feed}")
            run.check_cancelled()
