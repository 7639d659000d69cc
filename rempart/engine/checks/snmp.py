"""SNMP v1/v2c communities: GET requests for sysDescr.0 only, hand-encoded in BER.

Rempart never sends a SET (nor any other PDU than GetRequest): a "write" community is
inferred from its conventional name, never tested by changing the device. All requests of
one check go out on one connected, guarded UDP socket, paced, and the answers are matched
by request id; the community list is short and fixed, so the traffic stays bounded (at most
18 datagrams per port).
"""

from __future__ import annotations

import secrets
import socket
import time
from dataclasses import dataclass

from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

SYS_DESCR_OID = (1, 3, 6, 1, 2, 1, 1, 1, 0)
COMMUNITIES = (
    "public",
    "private",
    "community",
    "manager",
    "admin",
    "cisco",
    "snmp",
    "write",
    "secret",
)
WRITE_LIKE = ("private", "write", "secret", "admin", "manager")
VERSIONS = {1: "SNMPv2c", 0: "SNMPv1"}  # wire value → name; v2c first
GET_REQUEST, GET_RESPONSE = 0xA0, 0xA2
SEND_INTERVAL_S = 0.02
MAX_WAIT_S = 3.0


def _length(size: int) -> bytes:
    if size < 0x80:  # noqa: PLR2004
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes((value.bit_length() + 8) // 8 or 1, "big", signed=True))


def _oid(parts: tuple[int, ...]) -> bytes:
    body = bytes([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk, rest = [part & 0x7F], part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def get_request(version: int, community: str, request_id: int) -> bytes:
    """An SNMP GetRequest for sysDescr.0 (the only PDU this module ever builds)."""
    varbind = _tlv(0x30, _oid(SYS_DESCR_OID) + b"\x05\x00")
    pdu = _tlv(GET_REQUEST, _integer(request_id) + _integer(0) + _integer(0) + _tlv(0x30, varbind))
    return _tlv(0x30, _integer(version) + _tlv(0x04, community.encode()) + pdu)


def _read_tlv(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """(tag, value, next position); raises ValueError on truncated input."""
    if pos + 2 > len(data):
        raise ValueError("truncated BER")
    tag, size, pos = data[pos], data[pos + 1], pos + 2
    if size & 0x80:
        count = size & 0x7F
        size, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
    if pos + size > len(data):
        raise ValueError("truncated BER")
    return tag, data[pos : pos + size], pos + size


def _children(value: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(value):
        tag, inner, pos = _read_tlv(value, pos)
        items.append((tag, inner))
    return items


@dataclass(frozen=True)
class Answer:
    request_id: int
    community: str
    sys_descr: str


def parse_response(data: bytes) -> Answer | None:
    """The request id, community and sysDescr of a GetResponse; None for anything else."""
    try:
        tag, message, _ = _read_tlv(data, 0)
        parts = _children(message) if tag == 0x30 else []  # noqa: PLR2004
        if len(parts) != 3 or parts[2][0] != GET_RESPONSE:  # noqa: PLR2004
            return None
        fields = _children(parts[2][1])
        request_id = int.from_bytes(fields[0][1], "big", signed=True)
        varbinds = _children(fields[3][1])
        value_tag, value = _children(varbinds[0][1])[1] if varbinds else (0, b"")
    except (ValueError, IndexError):
        return None
    descr = value.decode("utf-8", "replace").strip() if value_tag == 0x04 else ""  # noqa: PLR2004
    return Answer(request_id, parts[1][1].decode("latin-1"), descr)


@dataclass(frozen=True)
class Accepted:
    community: str
    version: str
    sys_descr: str


def probe_communities(
    context: CheckContext, address: str, port: int, communities: tuple[str, ...]
) -> list[Accepted]:
    """Communities answered by the agent (v2c and v1 GET sysDescr.0), in list order."""
    base = secrets.randbelow(1 << 30)
    sent: dict[int, tuple[str, str]] = {}
    answered: dict[str, Accepted] = {}
    wait = min(context.timeout, MAX_WAIT_S)
    try:
        with context.allowed.udp_socket(address, port, wait) as sock:
            for index, (community, version) in enumerate(
                (c, v) for c in communities for v in VERSIONS
            ):
                sent[base + index] = (community, VERSIONS[version])
                sock.send(get_request(version, community, base + index))
                time.sleep(SEND_INTERVAL_S)
            _collect(sock, sent, answered, time.monotonic() + wait)
    except OSError:
        pass  # refused (ICMP unreachable), out of scope, or no answer
    return [answered[c] for c in communities if c in answered]


def _collect(
    sock: socket.socket,
    sent: dict[int, tuple[str, str]],
    answered: dict[str, Accepted],
    deadline: float,
) -> None:
    while len(answered) < len({c for c, _ in sent.values()}):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        sock.settimeout(remaining)
        try:
            answer = parse_response(sock.recv(65535))
        except TimeoutError:
            return
        if answer is None or answer.request_id not in sent:
            continue
        community, version = sent[answer.request_id]
        if answer.community == community and community not in answered:
            answered[community] = Accepted(community, version, answer.sys_descr)


class _SnmpCheck(Check):
    protocol = "udp"
    ports = (161,)
    services = ("snmp",)


@register
class SnmpDefaultCommunity(_SnmpCheck):
    id = "snmp.default-community"
    title = "SNMP answers a default community"
    description = (
        "The SNMP agent answers read requests with a well-known community string (SNMP v1/v2c "
        "send it in clear text). Anyone on the network can read the device's configuration, "
        "interfaces, routes, processes or installed software."
    )
    remediation = (
        "Replace default communities with long random ones restricted to the management "
        "stations' addresses, or move to SNMPv3 (authPriv) and disable v1/v2c."
    )
    severity = "high"
    references = (
        "https://www.cisa.gov/news-events/alerts/2017/06/05/reducing-risk-snmp-abuse",
        "https://cwe.mitre.org/data/definitions/1392.html",
    )

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        return [
            self.finding(
                host,
                service,
                evidence=msg(
                    "snmp.community",
                    version=item.version,
                    community=item.community,
                    description=item.sys_descr or "(empty)",
                ),
                key=item.community,
            )
            for item in probe_communities(context, host.address, service.port, COMMUNITIES)
        ]


@register
class SnmpWriteCommunity(_SnmpCheck):
    id = "snmp.write-community"
    title = "SNMP community likely writable"
    description = (
        "The agent answers a community conventionally configured with write access "
        "(private, write, secret, admin, manager). If it is writable, anyone on the network "
        "can reconfigure the device (interfaces, routes, VLANs) or, on some devices, upload "
        "firmware. Rempart does not try a SET: the write access is inferred, not proven."
    )
    remediation = (
        "Remove read-write communities (use SNMPv3 with authPriv for the few tools that need "
        "to write) and restrict SNMP to the management stations' addresses."
    )
    severity = "critical"
    confidence = "tentative"
    references = (
        "https://www.cisa.gov/news-events/alerts/2017/06/05/reducing-risk-snmp-abuse",
        "https://cwe.mitre.org/data/definitions/1392.html",
    )

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        return [
            self.finding(
                host,
                service,
                evidence=msg(
                    "snmp.write_community",
                    version=item.version,
                    community=item.community,
                    description=item.sys_descr or "(empty)",
                ),
                key=item.community,
            )
            for item in probe_communities(context, host.address, service.port, WRITE_LIKE)
        ]
