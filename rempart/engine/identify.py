"""Native service identification on ports where nmap's version probing is slow or wrong.

nmap can spend up to 150 s on a silent DICOM or HL7 port and still not name it; these
probes answer in milliseconds. They send nothing a service could act on: a DICOM
association request that is released at once, an RDP connection request, a TLS
ClientHello, or nothing at all (HL7: a silent MLLP listener is named by its port).
"""

from __future__ import annotations

import contextlib
import ssl
import struct

from rempart.engine.model import Service
from rempart.engine.targets import AllowedSet

DICOM_PORTS = (104, 11112, 4242)
HL7_PORTS = (2575, 6661)
TELNET_PORTS = (23,)
RDP_PORTS = (3389,)
TLS_PORTS = (
    443,
    465,
    563,
    636,
    853,
    989,
    990,
    992,
    993,
    994,
    995,
    2376,
    4443,
    5061,
    5986,
    6443,
    7443,
    8443,
    8883,
    9443,
    10443,
)


def associate_request(called: str, calling: str) -> bytes:
    """A DICOM A-ASSOCIATE-RQ proposing the Verification SOP class (C-ECHO only)."""

    def item(kind: int, body: bytes) -> bytes:
        return struct.pack(">BBH", kind, 0, len(body)) + body

    app_context = item(0x10, b"1.2.840.10008.3.1.1.1")
    abstract = item(0x30, b"1.2.840.10008.1.1")
    transfer = item(0x40, b"1.2.840.10008.1.2")
    presentation = item(0x20, bytes([1, 0, 0, 0]) + abstract + transfer)
    user_info = item(0x50, item(0x51, struct.pack(">I", 16384)))
    body = (
        struct.pack(">HH", 1, 0)
        + called.encode().ljust(16)[:16]
        + calling.encode().ljust(16)[:16]
        + bytes(32)
        + app_context
        + presentation
        + user_info
    )
    return struct.pack(">BBI", 0x01, 0, len(body)) + body


RELEASE_REQUEST = struct.pack(">BBI", 0x05, 0, 4) + bytes(4)


def dicom_associate(
    allowed: AllowedSet,
    address: str,
    port: int,
    called: str,
    *,
    calling: str = "REMPART",
    timeout: float = 3.0,
) -> int | None:
    """PDU type answered to an association request (0x02 accept, 0x03 reject), or None."""
    try:
        with allowed.tcp_connect(address, port, timeout) as sock:
            sock.sendall(associate_request(called, calling))
            header = sock.recv(6)
            if len(header) < 1:
                return None
            kind = header[0]
            if kind == 0x02:  # noqa: PLR2004  (accepted: release it politely)
                sock.sendall(RELEASE_REQUEST)
                with contextlib.suppress(OSError):
                    sock.recv(64)
            return kind if kind in (0x02, 0x03, 0x07) else None
    except OSError:
        return None


def rdp_negotiate(
    allowed: AllowedSet, address: str, port: int, requested: int, timeout: float = 3.0
) -> tuple[str, int] | None:
    """X.224 connection request; returns ("response", selected protocol) or
    ("failure", failure code), or None when the port does not speak RDP."""
    packet = bytes.fromhex("030000130ee0000000000001000800") + struct.pack("<I", requested)
    try:
        with allowed.tcp_connect(address, port, timeout) as sock:
            sock.sendall(packet)
            data = sock.recv(64)
    except OSError:
        return None
    if len(data) < 11 or data[0] != 0x03 or data[5] != 0xD0:  # noqa: PLR2004
        return None
    if len(data) >= 19 and data[11] in (0x02, 0x03):  # noqa: PLR2004
        value = struct.unpack("<I", data[15:19])[0]
        return ("response" if data[11] == 0x02 else "failure", value)  # noqa: PLR2004
    return ("response", 0)  # legacy server: no negotiation, standard RDP security


def speaks_tls(allowed: AllowedSet, address: str, port: int, timeout: float = 3.0) -> bool:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with allowed.tcp_connect(address, port, timeout) as raw, context.wrap_socket(raw):
            return True
    except (OSError, ssl.SSLError):
        return False


def silent(allowed: AllowedSet, address: str, port: int, timeout: float = 1.0) -> bool:
    """The port accepts a connection and says nothing (typical of an MLLP listener)."""
    try:
        with allowed.tcp_connect(address, port, timeout) as sock:
            sock.settimeout(timeout)
            try:
                sock.recv(1)
            except TimeoutError:
                return True
            return False
    except OSError:
        return False


def telnet_greeting(allowed: AllowedSet, address: str, port: int, timeout: float = 2.0) -> bool:
    """Telnet option negotiation (IAC, 0xFF) first, or a silent listener on a telnet port.
    nmap's version probing spends about 45 s on such a port; this takes at most `timeout`."""
    try:
        with allowed.tcp_connect(address, port, timeout) as sock:
            sock.settimeout(timeout)
            try:
                first = sock.recv(64)
            except TimeoutError:
                return True
            return first[:1] == b"\xff"
    except OSError:
        return False


def _dicom(allowed: AllowedSet, address: str, port: int, timeout: float) -> bool:
    return dicom_associate(allowed, address, port, "ANY-SCP", timeout=timeout) is not None


def _rdp(allowed: AllowedSet, address: str, port: int, timeout: float) -> bool:
    return rdp_negotiate(allowed, address, port, 3, timeout) is not None


def _telnet(allowed: AllowedSet, address: str, port: int, timeout: float) -> bool:
    return telnet_greeting(allowed, address, port, min(timeout, 2.0))


def _hl7(allowed: AllowedSet, address: str, port: int, timeout: float) -> bool:
    return silent(allowed, address, port, min(timeout, 1.0))


NAMED_PROBES = (
    (DICOM_PORTS, _dicom, "dicom"),
    (RDP_PORTS, _rdp, "ms-wbt-server"),
    (TELNET_PORTS, _telnet, "telnet"),
    (HL7_PORTS, _hl7, "hl7-mllp"),
)


def identify(allowed: AllowedSet, address: str, service: Service, timeout: float) -> bool:
    """Name `service` natively when its port calls for it; True when identified."""
    if service.protocol != "tcp":
        return False
    for ports, probe, name in NAMED_PROBES:
        if service.port in ports and probe(allowed, address, service.port, timeout):
            service.name, service.identified_by = name, "native"
            return True
    if service.port in TLS_PORTS and speaks_tls(allowed, address, service.port, timeout):
        service.tunnel, service.identified_by = "ssl", "native-tls"
    return False  # TLS is a tunnel: nmap still names what runs inside
