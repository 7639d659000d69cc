"""HL7 v2 MLLP interfaces reachable from the scanned network.

- standard policy: the listener (identified natively by its port and its silence) is
  reported from a TCP connection that is closed at once: **no byte is sent**, because any
  HL7 message may be consumed by a production interface engine. Confidence `firm`.
- deep policy only: one message that asks for a commit acknowledgement and carries nothing
  clinical, framed in MLLP (0x0b … 0x1c 0x0d); an MSA segment in the answer confirms an
  interface engine that accepts unauthenticated messages from anyone.

Choice of the deep-policy message. An `ACK` sent unsolicited is an acknowledgement of a
message the engine never sent: engines may match it to a pending exchange, log an orphan
ACK or, worse, mark a real message as delivered. A `QRY^A19` is a patient query: it makes
the engine (or the application behind it) look up demographics and return them. Rempart
sends instead an `NMD^N02` (application management data): a network-management message
type that interface engines do not route to clinical applications, with only an `MSH`
segment (no PID, PV1, ORC, OBR or OBX: no patient, visit or order), processing ID `D`
(debugging: never processed as production data by engines that check MSH-11), accept
acknowledgement `AL` (always send the commit ACK) and application acknowledgement `NE`
(never: no application processing is requested). Whatever the engine answers — AA/CA,
AE/CE or AR/CR — its MSA proves that it parses HL7 from an unauthenticated peer.
"""

from __future__ import annotations

import datetime as dt
import secrets

from rempart.engine.checks._stream import open_stream
from rempart.engine.checks.base import Check, CheckContext, recv_until, register
from rempart.engine.identify import HL7_PORTS
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

START, END = b"\x0b", b"\x1c\x0d"


def probe_message(control_id: str, now: dt.datetime) -> bytes:
    """The single MLLP-framed NMD^N02 message of the deep policy (see the module docstring)."""
    stamp = now.strftime("%Y%m%d%H%M%S")
    msh = f"MSH|^~\\&|REMPART|REMPART-SCAN|||{stamp}||NMD^N02^NMD_N02|{control_id}|D|2.5|||AL|NE"
    return START + msh.encode("ascii") + b"\r" + END


def parse_ack(reply: bytes) -> dict[str, str] | None:
    """MSA-1, MSA-2, MSA-3 and the answering application from an MLLP frame, or None."""
    text = reply.strip(b"\x0b\x1c\r\n").decode("latin-1")
    segments = {line.split("|", 1)[0]: line.split("|") for line in text.split("\r") if line}
    msa = segments.get("MSA")
    if msa is None or len(msa) < 2:  # noqa: PLR2004
        return None
    msh = segments.get("MSH", [])
    return {
        "code": msa[1],
        "control_id": msa[2] if len(msa) > 2 else "",  # noqa: PLR2004
        "text": msa[3] if len(msa) > 3 else "",  # noqa: PLR2004
        "application": "/".join(part for part in msh[2:4] if part),
    }


@register
class Hl7MllpExposed(Check):
    id = "hl7.mllp-exposed"
    title = "HL7 MLLP interface reachable"
    description = (
        "An HL7 v2 listener (MLLP) is reachable from the scanned network. MLLP has neither "
        "authentication nor encryption: anyone who can connect can inject admissions, results "
        "or orders into the hospital information flows, and read the patient data sent in "
        "clear on the same link."
    )
    remediation = (
        "Restrict the interface port to the partner systems' addresses (firewall, engine "
        "allow-list), carry MLLP over TLS or a VPN, and isolate interface engines in a "
        "dedicated network zone."
    )
    severity = "medium"
    confidence = "firm"
    category = "safe"  # the active part runs only when context.policy == "deep"
    references = (
        "https://www.hl7.org/implement/standards/product_brief.cfm?product_id=185",
        "https://cwe.mitre.org/data/definitions/306.html",
    )
    ports = HL7_PORTS
    services = ("hl7", "hl7-mllp")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        if context.policy == "deep":
            confirmed = self._acknowledged(context, host, service)
            if confirmed is not None:
                return [confirmed]
        try:
            with open_stream(context, host.address, service.port):
                pass  # connected, and closed without sending a single byte
        except OSError:
            return []
        evidence = msg(
            "hl7.connection_no_ack" if context.policy == "deep" else "hl7.connection",
            port=service.port,
            identified_by=service.identified_by or "port",
        )
        return [self.finding(host, service, evidence=evidence)]

    def _acknowledged(self, context: CheckContext, host: Host, service: Service) -> Finding | None:
        control_id = "RMP" + secrets.token_hex(6).upper()
        try:
            with open_stream(context, host.address, service.port) as sock:
                sock.sendall(probe_message(control_id, dt.datetime.now(dt.UTC)))
                reply = recv_until(sock, limit=65536, marker=END)
        except OSError:
            return None
        ack = parse_ack(reply)
        if ack is None:
            return None
        evidence = [
            msg(
                "hl7.acknowledged",
                control_id=control_id,
                ack_code=ack["code"],
                ack_id=ack["control_id"],
            )
        ]
        if ack["text"]:
            evidence.append(msg("hl7.ack_text", text=ack["text"]))
        if ack["application"]:
            evidence.append(msg("hl7.ack_application", application=ack["application"]))
        return self.finding(host, service, evidence=evidence, confidence="confirmed")
