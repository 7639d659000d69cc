"""Records every contact on the given TCP and UDP ports (run inside a lab namespace).

Each accepted TCP connection or received datagram appends one JSON line
{"time", "proto", "port", "peer"} to the log; nothing is ever answered.
Usage: python recorder.py --log FILE --tcp=22 --tcp=80 --udp=161
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--tcp", type=int, action="append", default=[])
    parser.add_argument("--udp", type=int, action="append", default=[])
    args = parser.parse_args()
    selector = selectors.DefaultSelector()
    for port in args.tcp:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", port))  # noqa: S104  (inside a lab netns)
        server.listen(64)
        selector.register(server, selectors.EVENT_READ, ("tcp", port))
    for port in args.udp:
        datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        datagram.bind(("0.0.0.0", port))  # noqa: S104
        selector.register(datagram, selectors.EVENT_READ, ("udp", port))
    while True:
        for key, _ in selector.select():
            proto, port = key.data
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            if proto == "tcp":
                conn, peer = sock.accept()
                conn.close()
            else:
                _, peer = sock.recvfrom(65536)
            record = {"time": time.time(), "proto": proto, "port": port, "peer": peer[0]}
            with args.log.open("a") as handle:
                handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
