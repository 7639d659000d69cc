"""Logging filters of the tracking fast path: a tracking path holds a recipient's token, so
Django's "Not Found: /p/<token>/" lines would tie an address and a time to a person's
simulation result. Client errors on those paths are not logged; server errors still are."""

from __future__ import annotations

import logging

PREFIX = "/p/"
SERVER_ERROR = 500


class UnloggedTrackingPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", "") or ""
        status = getattr(record, "status_code", SERVER_ERROR) or SERVER_ERROR
        return not (path.startswith(PREFIX) and status < SERVER_ERROR)
