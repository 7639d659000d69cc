"""Guarded stream helpers shared by the service checks (private: not a check module).

Every socket here is opened by `context.allowed.tcp_connect`; TLS is layered on that same
socket, without certificate verification (a scanner looks at the service, not its PKI).
"""

from __future__ import annotations

import socket
import ssl

from rempart.engine.checks.base import CheckContext


def unverified_tls() -> ssl.SSLContext:
    """A TLS client context that accepts any certificate (old servers included)."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    return tls


def open_stream(
    context: CheckContext, address: str, port: int, *, tls: bool = False
) -> socket.socket:
    """A connected stream to an in-scope address, TLS-wrapped when `tls`; raises OSError."""
    sock = context.allowed.tcp_connect(address, port, context.timeout)
    sock.settimeout(context.timeout)
    if not tls:
        return sock
    try:
        return unverified_tls().wrap_socket(sock)
    except (OSError, ssl.SSLError):
        sock.close()
        raise


def recv_exact(sock: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes, or OSError (ConnectionError) when the peer closes first."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the peer")
        data += chunk
    return data
