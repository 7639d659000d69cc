"""DICOM SCPs that accept an association whatever the called AE title.

The probe is what `dicom-ping` does and nothing more: an A-ASSOCIATE-RQ proposing only the
Verification SOP class (C-ECHO) with a random, implausible called AE title; when it is
accepted, one C-ECHO (the DICOM "ping", which touches no data) confirms the association
is usable, then A-RELEASE. No C-FIND, C-MOVE or C-STORE is ever sent.
"""

from __future__ import annotations

import secrets
import socket
import struct
from dataclasses import dataclass

from rempart.engine.checks._stream import open_stream, recv_exact
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.identify import DICOM_PORTS, RELEASE_REQUEST, associate_request
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

ASSOCIATE_AC, ASSOCIATE_RJ, P_DATA, RELEASE_RP, ABORT = 0x02, 0x03, 0x04, 0x06, 0x07
VERIFICATION_SOP = b"1.2.840.10008.1.1\x00"  # padded to an even length
PRESENTATION_CONTEXT_AC = 0x21
MAX_PDU = 1 << 20
CALLING_AET = "REMPART"


def random_called_aet() -> str:
    """An AE title no real SCP is configured with (upper-case, 15 characters)."""
    return "ZZRMP" + secrets.token_hex(5).upper()


def _element(group: int, element: int, value: bytes) -> bytes:
    return struct.pack("<HHI", group, element, len(value)) + value


def echo_request(message_id: int = 1) -> bytes:
    """A P-DATA-TF carrying a C-ECHO-RQ command on presentation context 1."""
    body = (
        _element(0x0000, 0x0002, VERIFICATION_SOP)
        + _element(0x0000, 0x0100, struct.pack("<H", 0x0030))  # C-ECHO-RQ
        + _element(0x0000, 0x0110, struct.pack("<H", message_id))
        + _element(0x0000, 0x0800, struct.pack("<H", 0x0101))  # no data set
    )
    command = _element(0x0000, 0x0000, struct.pack("<I", len(body))) + body
    pdv = struct.pack(">IBB", len(command) + 2, 1, 0x03) + command  # command, last fragment
    return struct.pack(">BBI", P_DATA, 0, len(pdv)) + pdv


def read_pdu(sock: socket.socket) -> tuple[int, bytes]:
    kind, _, length = struct.unpack(">BBI", recv_exact(sock, 6))
    if length > MAX_PDU:
        raise ConnectionError("DICOM PDU too large")
    return kind, recv_exact(sock, length)


def presentation_accepted(body: bytes) -> bool:
    """Whether the A-ASSOCIATE-AC accepts the (single) presentation context."""
    pos = 68  # protocol version, reserved, AE titles, reserved
    while pos + 4 <= len(body):
        kind, length = body[pos], struct.unpack(">H", body[pos + 2 : pos + 4])[0]
        if kind == PRESENTATION_CONTEXT_AC and length >= 4:  # noqa: PLR2004
            return body[pos + 6] == 0
        pos += 4 + length
    return False


def echo_status(body: bytes) -> int | None:
    """The Status (0000,0900) of the C-ECHO-RSP in a P-DATA-TF body."""
    if len(body) < 6:  # noqa: PLR2004
        return None
    data, pos = body[6:], 0
    while pos + 8 <= len(data):
        group, element, length = struct.unpack("<HHI", data[pos : pos + 8])
        if (group, element) == (0x0000, 0x0900) and length == 2:  # noqa: PLR2004
            return int(struct.unpack("<H", data[pos + 8 : pos + 10])[0])
        pos += 8 + length
    return None


@dataclass(frozen=True)
class Association:
    """What the SCP answered to the random-AET association request."""

    pdu: int
    echo: int | None = None
    released: bool = False


def associate_and_echo(sock: socket.socket, called: str) -> Association:
    sock.sendall(associate_request(called, CALLING_AET))
    kind, body = read_pdu(sock)
    if kind != ASSOCIATE_AC:
        return Association(kind)
    status = None
    if presentation_accepted(body):
        sock.sendall(echo_request())
        reply_kind, reply = read_pdu(sock)
        status = echo_status(reply) if reply_kind == P_DATA else None
    sock.sendall(RELEASE_REQUEST)
    try:
        released = read_pdu(sock)[0] == RELEASE_RP
    except OSError:
        released = False
    return Association(kind, status, released)


@register
class DicomAnyAetAccepted(Check):
    id = "dicom.any-aet-accepted"
    title = "DICOM service accepts any called AE title"
    description = (
        "The DICOM SCP accepted an association addressed to a random AE title it cannot be "
        "configured with: it does not check who it is talking to, so any machine on the "
        "network can query, retrieve or push images and patient data (C-FIND, C-MOVE, "
        "C-STORE) once it knows the port."
    )
    remediation = (
        "Configure the PACS/modality to accept only its own called AE title and a list of "
        "known calling AE titles bound to their IP addresses, and filter the DICOM port to "
        "the imaging network (prefer DICOM TLS where supported)."
    )
    severity = "high"
    references = (
        "https://dicom.nema.org/medical/dicom/current/output/chtml/part08/sect_9.3.2.html",
        "https://nmap.org/nsedoc/scripts/dicom-ping.html",
    )
    ports = DICOM_PORTS
    services = ("dicom",)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        called = random_called_aet()
        try:
            with open_stream(context, host.address, service.port) as sock:
                answer = associate_and_echo(sock, called)
        except OSError:
            return []
        if answer.pdu != ASSOCIATE_AC:
            return []
        echo = msg("dicom.echo_not_tried")
        if answer.echo is not None:
            code = "dicom.echo_success" if answer.echo == 0 else "dicom.echo_status"
            echo = msg(code, status=f"0x{answer.echo:04X}")
        evidence = [
            msg("dicom.association", called=called, calling=CALLING_AET),
            echo,
            msg("dicom.released" if answer.released else "dicom.closed"),
        ]
        return [self.finding(host, service, evidence=evidence)]
