"""How `rempart run` starts gunicorn: its processes and threads, and an access log without the
tracking hits of phishing simulations (their path holds a recipient's token, so a log line
would tie a person's address to a simulation result, and results are pseudonymous)."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from rempart.phishing.tracking.logfilters import PREFIX

# One thread per web process: Python threads of one process take turns on the interpreter
# lock, and under load that wait was most of the latency tail (p99 66 ms with 4 processes of
# 2 threads, 41 ms with 4 of 1 at 500 tracking hits/s; docs/benchmarks.md). More processes
# instead, as gunicorn recommends for its synchronous workers.
WEB_THREADS = 1


def web_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


class AccessLogger(Logger):  # type: ignore[misc]
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return
        super().access(resp, req, environ, request_time)
