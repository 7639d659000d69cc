"""A crawler over the platform's pages, as a signed-in user follows links.

Starting from the home page, it follows every same-site link breadth first (GET only), never
signing out, and keeps at most `per_shape` pages of each address shape (addresses that differ
only by identifiers have one shape), so that a thousand findings cost two visits.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from django.test import Client

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*)"')
SKIPPED_PREFIXES = ("/static/", "/media/", "/api/", "/admin/", "/accounts/logout", "/p/")
IDENTIFIER = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|CVE-\d{4}-\d+|\d+"
)


@dataclass(frozen=True)
class Visit:
    path: str
    status: int
    html: str


def shape(path: str) -> str:
    """The address with identifiers blanked out; the query string's keys only."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return IDENTIFIER.sub("#", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl(
    client: Client, *, start: str = "/", limit: int = 400, per_shape: int = 2
) -> Iterator[Visit]:
    """Visit pages reachable from `start`; yields each HTML page once."""
    queue, seen, shapes = deque([start]), {start}, {}
    visited = 0
    while queue and visited < limit:
        path = queue.popleft()
        response = client.get(path, follow=True)
        visited += 1
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        yield Visit(path, response.status_code, html)
        for href in HREF.findall(html):
            link = urldefrag(href.replace("&amp;", "&"))[0]
            if not link.startswith("/") or link.startswith(SKIPPED_PREFIXES) or link in seen:
                continue
            key = shape(link)
            if shapes.get(key, 0) >= per_shape:
                continue
            shapes[key] = shapes.get(key, 0) + 1
            seen.add(link)
            queue.append(link)
