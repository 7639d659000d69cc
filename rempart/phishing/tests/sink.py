"""A real SMTP server for tests and benchmarks: aiosmtpd on 127.0.0.1, recording messages.

It answers like a relay: 250 for accepted messages, or the reply a test asks for (a 4xx or
5xx for some recipients). It can also stall before replying to one message, so that a test
can kill the sending worker while the message is in flight; a message whose client is gone
when the reply would be sent is not recorded (the relay did not accept it).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from typing import Any

from aiosmtpd.controller import Controller

from rempart.phishing.sending.headers import TOKEN_HEADER
from tests.processes import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    token: str
    subject: str
    raw: bytes


def _header(head: str, name: str) -> str:
    """One header of the message's header block, decoded (a regular expression: parsing
    whole messages with the `email` package would make the sink slower than the sender)."""
    match = re.search(rf"^{re.escape(name)}:[ \t]*(.*(?:\r?\n[ \t].*)*)", head, re.I | re.M)
    if not match:
        return ""
    value = re.sub(r"\r?\n[ \t]+", " ", match.group(1)).strip()
    return str(make_header(decode_header(value)))


@dataclass
class SinkHandler:
    messages: list[Received] = field(default_factory=list)
    replies: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply
    stall_on: str = ""  # recipient whose message is held before the reply
    stall_seconds: float = 0.0
    keep_raw: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    stalled: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        reply = self.replies.get(address.lower())
        if reply and not reply.startswith("DATA:"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import asyncio

        recipients = [r.lower() for r in envelope.rcpt_tos]
        for recipient in recipients:
            reply = self.replies.get(recipient, "")
            if reply.startswith("DATA:"):
                return reply[5:]
        if self.stall_on and self.stall_on in recipients:
            self.stalled.set()
            await asyncio.sleep(self.stall_seconds)
            if session.transport is None or session.transport.is_closing():
                return "421 client gone"
        raw = envelope.original_content or envelope.content
        head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        with self.lock:
            self.messages.append(
                Received(
                    sender=envelope.mail_from,
                    recipients=recipients,
                    token=_header(head, TOKEN_HEADER),
                    subject=_header(head, "Subject"),
                    raw=raw if self.keep_raw else b"",
                )
            )
        return "250 Message accepted"

    def tokens(self) -> Counter[str]:
        with self.lock:
            return Counter(m.token for m in self.messages)


logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command


class Sink:
    """Start with `Sink().start()`; `port`, `handler.messages`; `stop()` at the end."""

    def __init__(self, handler: SinkHandler | None = None) -> None:
        self.handler = handler or SinkHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())

    def start(self) -> Sink:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.handler.messages) < count:
            time.sleep(0.05)
        return list(self.handler.messages)
