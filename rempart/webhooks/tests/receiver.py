"""A real HTTP receiver for the webhook tests, on 127.0.0.1 only: it records every POST,
checks its signature with the endpoint's secret, and answers the statuses a test asks for."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rempart.webhooks.signing import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    valid: bool


@dataclass
class Receiver:
    secret: str = ""
    statuses: deque[int] = field(default_factory=deque)  # then 200 once empty
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/rempart"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                signature = self.headers.get("X-Rempart-Signature", "")
                with receiver.lock:
                    receiver.requests.append(
                        Received(dict(self.headers), body, verify(receiver.secret, signature, body))
                    )
                    status = receiver.statuses.popleft() if receiver.statuses else 200
                time.sleep(receiver.delay)
                payload = b"upstream exploded " * 40 if status >= 500 else b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
