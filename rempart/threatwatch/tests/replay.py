"""A replay HTTP server for the synchronisation tests, on 127.0.0.1 only.

It serves the real formats built from the fixtures (tests/data): NVD CVE API 2.0 pages
(`startIndex`, `resultsPerPage`, `lastModStartDate`/`lastModEndDate` honoured), the KEV
catalog, the EPSS daily CSV (gzip) and CERT-FR (RSS built from the documents, and the
documents at `/<kind>/<REF>/json/`). Faults can be queued per path: an HTTP status (429,
503…), or a body cut in the middle.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent / "data"
NVD_PATH = "/rest/json/cves/2.0"
Response = tuple[int, dict[str, str], bytes]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Fault:
    """An HTTP error `status`; or (status 0) a body cut in half, the connection closed before
    the announced length (`announced`) or a complete answer whose JSON is cut (not)."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    announced: bool = True
    match: dict[str, str] = field(default_factory=dict)  # query parameters it applies to


def nvd_cves() -> list[dict[str, Any]]:
    """Real NVD `cve` objects of the fixtures (5 distinct CVEs)."""
    found: dict[str, dict[str, Any]] = {}
    for name in ("respPage1.json", "respPage2.json", "CVE-2022-32746.page.json"):
        for item in json.loads((DATA / "nvd" / name).read_text())["vulnerabilities"]:
            found[item["cve"]["id"]] = item["cve"]
    for name in ("CVE-2024-23113.json", "CVE-2021-0002.json"):
        cve = json.loads((DATA / "nvd" / name).read_text())["cve"]
        found[cve["id"]] = cve
    return sorted(found.values(), key=lambda c: c["id"])


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def certfr_feed(base: str, references: list[str]) -> bytes:
    """RSS 2.0 as CERT-FR publishes it, its items made from the real documents."""
    items = []
    for reference in references:
        document = json.loads((DATA / "certfr" / f"{reference}.json").read_text())
        kind = "alerte" if "-ALE-" in reference else "avis"
        date = _moment(document["revisions"][0]["revision_date"])
        items.append(
            f"<item><title>{document['title']}</title>"
            f"<link>{base}/{kind}/{reference}/</link>"
            f"<pubDate>{email.utils.format_datetime(date)}</pubDate>"
            f"<guid>{base}/{kind}/{reference}/</guid>"
            f"<description>{document['summary'][:200]}</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>CERT-FR</title><link>{base}/feed/</link>"
        "<description>Centre gouvernemental de veille, d'alerte et de réponse aux attaques "
        "informatiques.</description><language>fr-FR</language>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class ReplayServer:
    """`with ReplayServer() as server:` — `server.url`, `server.requests`, `server.fail()`."""

    def __init__(self) -> None:
        self.cves = nvd_cves()
        self.requests: list[Request] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.routes: dict[str, Callable[[Request], Response]] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._routes()

    def __enter__(self) -> ReplayServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, path: str, *faults: Fault) -> None:
        self.faults[path].extend(faults)

    def take_fault(self, request: Request) -> Fault | None:
        queue = self.faults[request.path]
        for fault in queue:
            if all(request.query.get(k) == v for k, v in fault.match.items()):
                queue.remove(fault)
                return fault
        return None

    def of(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    # --- routes ----------------------------------------------------------------------------------

    def _routes(self) -> None:
        kev = (DATA / "kev" / "known_exploited_vulnerabilities.subset.json").read_bytes()
        epss = gzip.compress((DATA / "epss" / "vunnel-example-1.csv").read_bytes())
        references = ["CERTFR-2025-AVI-0001", "CERTFR-2024-ALE-009"]
        self.routes = {
            NVD_PATH: self._nvd_page,
            "/kev.json": lambda _: (200, {"Content-Type": "application/json"}, kev),
            "/epss_scores-current.csv.gz": lambda _: (200, {}, epss),
            "/feed/": lambda _: (200, {}, certfr_feed(self.url, references)),
            "/avis/feed/": lambda _: (200, {}, certfr_feed(self.url, references[:1])),
        }
        for reference in references:
            kind = "alerte" if "-ALE-" in reference else "avis"
            body = (DATA / "certfr" / f"{reference}.json").read_bytes()
            self.routes[f"/{kind}/{reference}/json/"] = lambda _, b=body: (200, {}, b)

    def _nvd_page(self, request: Request) -> Response:
        cves = self.cves
        if "lastModStartDate" in request.query:
            start = _moment(request.query["lastModStartDate"])
            end = _moment(request.query["lastModEndDate"])
            cves = [c for c in cves if start <= _moment(c["lastModified"]) <= end]
        index = int(request.query.get("startIndex", 0))
        size = int(request.query.get("resultsPerPage", 2000))
        page = {
            "resultsPerPage": len(cves[index : index + size]),
            "startIndex": index,
            "totalResults": len(cves),
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "vulnerabilities": [{"cve": c} for c in cves[index : index + size]],
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    # --- HTTP ------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(parts.path, query, headers)
                server.requests.append(request)
                route = server.routes.get(parts.path)
                if route is None:
                    self._send(404, {}, b'{"message": "not found"}')
                    return
                status, headers, body = route(request)
                fault = server.take_fault(request)
                if fault and fault.status:
                    self._send(fault.status, fault.headers, b'{"message": "replayed fault"}')
                elif fault:
                    length = len(body) if fault.announced else len(body) // 2
                    cut = {**headers, "Content-Length": str(length)}
                    self._send(status, cut, body[: len(body) // 2], close=True)
                else:
                    self._send(status, headers, body)

            def _send(
                self, status: int, headers: dict[str, str], body: bytes, close: bool = False
            ) -> None:
                self.send_response(status)
                headers.setdefault("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                if close:
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))
