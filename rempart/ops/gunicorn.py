"""gunicorn's access log without the tracking hits of phishing simulations: their path holds a
recipient's token, so a log line would tie a person's address to a simulation result
(results are pseudonymous), and at tens of hits per second it is also the log's cost."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from rempart.phishing.logfilters import PREFIX


class AccessLogger(Logger):  # type: ignore[misc]
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return
        super().access(resp, req, environ, request_time)
