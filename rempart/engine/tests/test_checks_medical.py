"""Medical protocol checks: DICOM against real dcmtk servers, HL7 MLLP against a recorder.

- DICOM (Debian package `dcmtk`): `storescp -dhl` accepts any called AE title (the
  misconfiguration); `dcmqrscp` with an AE table refuses associations whose called AE title
  it does not carry ("BadAEService") — the hardened reference. `-dhl` disables reverse DNS,
  without which dcmtk stalls every association in a DNS-less sandbox.
- HL7: Debian has no HL7 interface engine (no Mirth, no HAPI server), so a small Python
  MLLP listener stands in for one: it records every byte it receives and, when it gets a
  complete MLLP frame, answers an ACK with an MSA segment. The standard policy must send it
  **zero bytes**.

Every test talks to 127.0.0.1 only.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from rempart.engine.checks import REGISTRY, load_all
from rempart.engine.checks.hl7 import parse_ack, probe_message
from rempart.engine.model import Finding
from rempart.engine.tests.daemons import (
    CountingProxy,
    StubServer,
    context,
    free_port,
    require,
    running,
    target,
    wait_tcp,
)

load_all()
DAEMONS = pytest.mark.xdist_group("daemons")


def run(check_id: str, port: int, name: str, policy: str = "standard", **kw: Any) -> list[Finding]:
    excluded = kw.pop("excluded", False)
    timeout = kw.pop("timeout", 3.0)
    host, service = target(port, name, **kw)
    check = REGISTRY[check_id]
    assert check.applies(host, service)
    return check.run(context(policy, excluded=excluded, timeout=timeout), host, service)


# ---------------------------------------------------------------------------- DICOM


class Scp:
    def __init__(self, port: int, log: Any) -> None:
        self.port, self.log = port, log


@pytest.fixture(scope="module")
def any_aet_scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scp]:
    """dcmtk storescp: the classic PACS test receiver, which accepts any called AE title."""
    require("storescp")
    directory = tmp_path_factory.mktemp("storescp")
    port = free_port()
    args = ["storescp", "-dhl", "-v", "-aet", "PACS01", "-od", str(directory), str(port)]
    with running("storescp", args, directory / "storescp.log") as scp:
        wait_tcp(port, scp)
        yield Scp(port, scp.log)


@pytest.fixture(scope="module")
def fixed_aet_scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scp]:
    """dcmtk dcmqrscp serving only the AE title PACS02 (refuses any other called AET)."""
    require("dcmqrscp")
    directory = tmp_path_factory.mktemp("dcmqrscp")
    (directory / "db").mkdir()
    port = free_port()
    config = f"""NetworkTCPPort  = {port}
MaxPDUSize      = 16384
MaxAssociations = 4
HostTable BEGIN
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
PACS02   {directory}/db   R   (9, 1024mb)   ANY
AETable END
"""
    (directory / "dcmqrscp.cfg").write_text(config)
    args = ["dcmqrscp", "-dhl", "-v", "-c", str(directory / "dcmqrscp.cfg")]
    with running("dcmqrscp", args, directory / "dcmqrscp.log") as scp:
        wait_tcp(port, scp)
        yield Scp(port, scp.log)


def _called_aet(finding: Finding) -> str:
    match = re.search(r"random called AE title '([A-Z0-9]+)'", finding.evidence)
    assert match, finding.evidence
    return match.group(1)


@DAEMONS
def test_dicom_any_aet_accepted_with_echo_and_release(any_aet_scp: Scp) -> None:
    first = run("dicom.any-aet-accepted", any_aet_scp.port, "dicom")
    second = run("dicom.any-aet-accepted", any_aet_scp.port, "dicom")
    assert len(first) == len(second) == 1
    assert "A-ASSOCIATE-AC" in first[0].evidence
    assert "C-ECHO: status 0x0000 (success)" in first[0].evidence
    assert "association released" in first[0].evidence
    aets = {_called_aet(first[0]), _called_aet(second[0])}
    assert len(aets) == 2
    assert all(len(a) <= 16 and a != "PACS01" for a in aets)
    log = any_aet_scp.log()
    assert log.count("Received Echo Request") >= 2
    assert log.count("Association Release") >= 2
    assert "Store" not in log.replace("storescp", "")  # nothing but C-ECHO was requested


@DAEMONS
def test_dicom_fixed_aet_server_is_clean(fixed_aet_scp: Scp) -> None:
    assert run("dicom.any-aet-accepted", fixed_aet_scp.port, "dicom") == []
    log = fixed_aet_scp.log()
    assert "Refusing Association (BadAEService)" in log
    assert re.search(r"-> ZZRMP[0-9A-F]{10}\)", log)  # the random called AE title it refused


@DAEMONS
def test_dicom_excluded_scp_not_contacted(any_aet_scp: Scp) -> None:
    with CountingProxy(any_aet_scp.port) as proxy:
        assert run("dicom.any-aet-accepted", proxy.port, "dicom", excluded=True) == []
        assert proxy.settled_connections() == 0
        assert len(run("dicom.any-aet-accepted", proxy.port, "dicom")) == 1
        assert proxy.connections == 1


def test_dicom_check_applies_to_native_identification_and_ports() -> None:
    check = REGISTRY["dicom.any-aet-accepted"]
    assert check.applies(*target(11112, ""))
    assert check.applies(*target(4100, "dicom"))
    assert not check.applies(*target(4100, "http"))


# ------------------------------------------------------------------------------ HL7

ACK_TEMPLATE = (
    "MSH|^~\\&|INTERFACE-ENGINE|CHU-TEST|REMPART|REMPART-SCAN|20260101120000||ACK^N02^ACK|"
    "A{control}|P|2.5\rMSA|AA|{control}|Message accepted\r"
)


def mllp_engine(answer: bool = True) -> StubServer:
    """Stands in for an HL7 interface engine (none is packaged in Debian): records every
    byte, and acknowledges each complete MLLP frame with an MSA (when `answer`)."""

    def handle(conn: socket.socket, stub: StubServer) -> None:
        buffer = b""
        while True:
            chunk = stub.recv(conn, 4096)
            if not chunk:
                return
            buffer += chunk
            while b"\x1c\r" in buffer:
                frame, buffer = buffer.split(b"\x1c\r", 1)
                stub.state.setdefault("frames", []).append(frame.lstrip(b"\x0b"))
                if answer:
                    control = frame.split(b"\r")[0].split(b"|")[9].decode()
                    ack = ACK_TEMPLATE.format(control=control).encode()
                    conn.sendall(b"\x0b" + ack + b"\x1c\r")

    return StubServer(handle)


def test_hl7_standard_policy_sends_nothing() -> None:
    with mllp_engine() as engine:
        found = run("hl7.mllp-exposed", engine.port, "hl7-mllp", identified_by="native")
        assert engine.settled_connections() == 1
    assert bytes(engine.received) == b""
    assert "frames" not in engine.state
    assert len(found) == 1
    assert found[0].confidence == "firm"
    assert found[0].severity == "medium"
    assert "no HL7 message was sent" in found[0].evidence


def test_hl7_deep_policy_one_harmless_message_acknowledged() -> None:
    with mllp_engine() as engine:
        found = run("hl7.mllp-exposed", engine.port, "hl7-mllp", policy="deep")
    assert len(found) == 1
    assert found[0].confidence == "confirmed"
    frames = engine.state["frames"]
    assert len(frames) == 1  # exactly one message
    segments = frames[0].rstrip(b"\r").split(b"\r")
    assert [s[:3] for s in segments] == [b"MSH"]  # no PID/PV1/ORC/OBR/OBX: nothing clinical
    msh = segments[0].split(b"|")
    assert msh[8] == b"NMD^N02^NMD_N02"  # application management, not ACK nor QRY^A19
    assert msh[10] == b"D"  # processing ID: debugging
    assert msh[14:16] == [b"AL", b"NE"]  # commit ACK always, application ACK never
    assert f"MSA|AA|{msh[9].decode()}" in found[0].evidence
    assert "INTERFACE-ENGINE/CHU-TEST" in found[0].evidence


def test_hl7_deep_policy_silent_listener_falls_back_to_firm() -> None:
    with mllp_engine(answer=False) as engine:
        found = run("hl7.mllp-exposed", engine.port, "hl7-mllp", policy="deep", timeout=0.5)
    assert len(found) == 1
    assert found[0].confidence == "firm"
    assert "no acknowledgement came back" in found[0].evidence
    assert len(engine.state["frames"]) == 1


def test_hl7_excluded_listener_not_contacted() -> None:
    with mllp_engine() as engine:
        for policy in ("standard", "deep"):
            assert run("hl7.mllp-exposed", engine.port, "hl7-mllp", policy, excluded=True) == []
        assert engine.settled_connections() == 0


def test_hl7_closed_port_reports_nothing() -> None:
    port = free_port()  # nothing listens there
    assert run("hl7.mllp-exposed", port, "hl7-mllp") == []


def test_hl7_check_category_and_framing() -> None:
    check = REGISTRY["hl7.mllp-exposed"]
    assert check.category == "safe"  # runs in standard; the active part is gated on "deep"
    assert check.applies(*target(2575, ""))
    assert check.applies(*target(6661, "hl7-mllp"))
    import datetime as dt

    message = probe_message("RMP1", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    assert message.startswith(b"\x0b")
    assert message.endswith(b"\r\x1c\r")
    assert b"|20260102030405||NMD^N02^NMD_N02|RMP1|D|2.5|||AL|NE" in message
    ack = parse_ack(b"\x0bMSH|^~\\&|ENG|FAC|||x||ACK|1|P|2.5\rMSA|AE|RMP1|bad type\r\x1c\r")
    assert ack == {"code": "AE", "control_id": "RMP1", "text": "bad type", "application": "ENG/FAC"}
    assert parse_ack(b"\x0bMSH|^~\\&|ENG\r\x1c\r") is None
