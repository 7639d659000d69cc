"""A minimal TDS (Microsoft SQL Server) login client over a guarded socket.

PRELOGIN, optional TLS (carried in PRELOGIN packets during the handshake, as TDS 7.x
requires), then one LOGIN7 with SQL authentication; the reply tokens tell LOGINACK from
ERROR. Nothing else is ever sent (no query, no batch). Written here rather than driving
python-tds because python-tds follows server-sent routing redirections to another host
with its own, unguarded socket, and needs pyOpenSSL for encrypted logins.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
from dataclasses import dataclass

from rempart.engine.checks._stream import recv_exact, unverified_tls

PRELOGIN, LOGIN7, TABULAR = 0x12, 0x10, 0x04
ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_NOT_SUP, ENCRYPT_REQ = 0, 1, 2, 3
TDS_74 = 0x74000004
DONE_TOKENS = (0xFD, 0xFE, 0xFF)  # DONE, DONEPROC, DONEINPROC: fixed 12-byte bodies
LOGINACK, ERROR, FEATUREEXTACK = 0xAD, 0xAA, 0xAE
MAX_MESSAGE = 1 << 20


@dataclass(frozen=True)
class TdsLogin:
    """The outcome of one LOGIN7: accepted, or the server's error number and text."""

    accepted: bool
    error: int = 0
    message: str = ""
    server_version: str = ""


def packet(kind: int, payload: bytes, packet_id: int = 1) -> bytes:
    return struct.pack(">BBHHBB", kind, 0x01, len(payload) + 8, 0, packet_id, 0) + payload


def prelogin_payload(encryption: int = ENCRYPT_OFF) -> bytes:
    options = [
        (0x00, bytes([16, 0, 0, 0, 0, 0])),  # VERSION
        (0x01, bytes([encryption])),  # ENCRYPTION
        (0x02, b"\x00"),  # INSTOPT: default instance
        (0x03, struct.pack(">I", os.getpid() & 0xFFFFFFFF)),  # THREADID
        (0x04, b"\x00"),  # MARS off
    ]
    offset = len(options) * 5 + 1
    table, data = b"", b""
    for token, value in options:
        table += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    return table + b"\xff" + data


def prelogin_encryption(payload: bytes) -> int | None:
    """The ENCRYPTION option of a PRELOGIN answer, or None when it is not a PRELOGIN."""
    pos = 0
    while pos + 5 <= len(payload) and payload[pos] != 0xFF:  # noqa: PLR2004
        token, offset, length = struct.unpack_from(">BHH", payload, pos)
        if token == 0x01 and length >= 1 and offset < len(payload):
            return int(payload[offset])
        pos += 5
    return None


def _obfuscate(password: str) -> bytes:
    return bytes((((b << 4) & 0xF0) | (b >> 4)) ^ 0xA5 for b in password.encode("utf-16-le"))


def login7_payload(user: str, password: str, address: str) -> bytes:
    """A LOGIN7 record for SQL authentication of `user` (no database, no SSPI)."""
    fields = [
        ("rempart".encode("utf-16-le"), 7),  # host name
        (user.encode("utf-16-le"), len(user)),
        (_obfuscate(password), len(password)),
        ("Rempart scanner".encode("utf-16-le"), 15),  # application
        (address.encode("utf-16-le"), len(address)),  # server name
        (b"", 0),  # extension (unused)
        ("Rempart".encode("utf-16-le"), 7),  # client interface
        (b"", 0),  # language
        (b"", 0),  # database
    ]
    fixed = 94
    offsets, data = b"", b""
    for raw, chars in fields:
        offsets += struct.pack("<HH", fixed + len(data), chars)
        data += raw
    tail = bytes(6) + struct.pack(
        "<HHHHHHI", fixed + len(data), 0, fixed + len(data), 0, fixed + len(data), 0, 0
    )  # client id, SSPI, attach, change pw
    header = struct.pack("<IIIIII", fixed + len(data), TDS_74, 4096, 7, os.getpid(), 0)
    header += bytes([0xE0, 0x03, 0x00, 0x00]) + struct.pack("<iI", 0, 0x0409)
    return header + offsets + tail + data


def _us_varchar(data: bytes, pos: int) -> str:
    chars = struct.unpack_from("<H", data, pos)[0]
    return data[pos + 2 : pos + 2 + 2 * chars].decode("utf-16-le", "replace")


def _login_ack_version(body: bytes) -> str:
    name_chars = body[5]
    pos = 6 + 2 * name_chars
    name = body[6:pos].decode("utf-16-le", "replace")
    if pos + 4 > len(body):
        return name
    major, minor, high, low = body[pos : pos + 4]
    return f"{name} {major}.{minor}.{(high << 8) | low}"


def parse_login_reply(data: bytes) -> TdsLogin:
    """Walk the token stream answering a LOGIN7: LOGINACK means accepted."""
    pos, error, message = 0, 0, ""
    while pos < len(data):
        token = data[pos]
        if token in DONE_TOKENS:
            pos += 13
            continue
        if token == FEATUREEXTACK or pos + 3 > len(data):  # it comes last: stop there
            break
        size = struct.unpack_from("<H", data, pos + 1)[0]
        body = data[pos + 3 : pos + 3 + size]
        if token == LOGINACK:
            return TdsLogin(True, server_version=_login_ack_version(body))
        if token == ERROR and len(body) >= 8:  # noqa: PLR2004
            error, message = struct.unpack_from("<I", body, 0)[0], _us_varchar(body, 6)
        pos += 3 + size
    return TdsLogin(False, error=error, message=message or "no LOGINACK in the answer")


class TdsChannel:
    """TDS messages over one socket, with TLS layered by memory BIOs when negotiated."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.tls: ssl.SSLObject | None = None
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.encrypt_replies = False

    def send(self, kind: int, payload: bytes) -> None:
        data = packet(kind, payload)
        if self.tls is None:
            self.sock.sendall(data)
            return
        self.tls.write(data)
        self.sock.sendall(self.outgoing.read())

    def _read(self, size: int) -> bytes:
        if self.tls is None or not self.encrypt_replies:
            return recv_exact(self.sock, size)
        data = b""
        while len(data) < size:
            try:
                data += self.tls.read(size - len(data))
            except ssl.SSLWantReadError:
                chunk = self.sock.recv(16384)
                if not chunk:
                    raise ConnectionError("connection closed by the peer") from None
                self.incoming.write(chunk)
        return data

    def receive(self) -> tuple[int, bytes]:
        """One whole TDS message (all packets up to end-of-message)."""
        kind, payload = 0, b""
        while len(payload) < MAX_MESSAGE:
            kind, status, length = struct.unpack(">BBH", self._read(8)[:4])
            payload += self._read(max(0, length - 8))
            if status & 0x01:
                break
        return kind, payload

    def start_tls(self, server_encryption: int) -> None:
        """TLS handshake inside PRELOGIN packets, then TLS records straight on the socket."""
        settings = unverified_tls()
        settings.maximum_version = ssl.TLSVersion.TLSv1_2  # TDS 7.x: TLS 1.3 is TDS 8 only
        tls = settings.wrap_bio(self.incoming, self.outgoing)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.sock.sendall(packet(PRELOGIN, self.outgoing.read()))
                self.incoming.write(self.receive()[1])
        pending = self.outgoing.read()
        if pending:
            self.sock.sendall(packet(PRELOGIN, pending))
        self.tls = tls
        self.encrypt_replies = server_encryption in (ENCRYPT_ON, ENCRYPT_REQ)


def tds_login(sock: socket.socket, address: str, user: str, password: str) -> TdsLogin:
    """One SQL-authentication login attempt on a connected, guarded socket."""
    channel = TdsChannel(sock)
    channel.send(PRELOGIN, prelogin_payload(ENCRYPT_OFF))
    kind, reply = channel.receive()
    encryption = prelogin_encryption(reply) if kind == TABULAR else None
    if encryption is None:
        raise ConnectionError("not a TDS (SQL Server) service")
    if encryption != ENCRYPT_NOT_SUP:
        channel.start_tls(encryption)
    channel.send(LOGIN7, login7_payload(user, password, address))
    return parse_login_reply(channel.receive()[1])
