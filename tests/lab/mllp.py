"""A minimal HL7 v2 MLLP listener (run inside a lab namespace).

Says nothing on connect; every framed message (0x0b … 0x1c 0x0d) gets an ACK with
MSA|AA and the message's control id, as an interface engine would answer.
Usage: python mllp.py --port 2575 --log FILE
"""

from __future__ import annotations

import argparse
import datetime as dt
import socketserver
from pathlib import Path

START, END = b"\x0b", b"\x1c\x0d"


def ack(message: bytes) -> bytes:
    segments = message.replace(b"\n", b"\r").split(b"\r")
    msh = next((s for s in segments if s.startswith(b"MSH")), b"MSH|^~\\&")
    fields = msh.split(b"|")
    control = fields[9] if len(fields) > 9 else b""
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S").encode()
    header = b"|".join(
        [b"MSH", b"^~\\&", b"LAB-HL7", b"LAB", b"", b"", now, b"", b"ACK", b"ACK" + now,
         b"P", b"2.5"]
    )  # fmt: skip
    return START + header + b"\rMSA|AA|" + control + b"\r" + END


class Handler(socketserver.BaseRequestHandler):
    log: Path

    def handle(self) -> None:
        buffer = b""
        self.request.settimeout(30)
        while True:
            try:
                chunk = self.request.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while START in buffer and END in buffer:
                start = buffer.index(START)
                end = buffer.index(END, start)
                message, buffer = buffer[start + 1 : end], buffer[end + 2 :]
                with self.log.open("ab") as handle:
                    handle.write(message.replace(b"\r", b"\n") + b"\n--\n")
                self.request.sendall(ack(message))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=2575)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    Handler.log = args.log
    with Server(("0.0.0.0", args.port), Handler) as server:  # noqa: S104  (inside a lab netns)
        server.serve_forever()


if __name__ == "__main__":
    main()
