"""MQTT brokers accepting anonymous clients.

One MQTT 3.1.1 CONNECT without user name or password (clean session, random client id),
then a DISCONNECT as soon as the CONNACK is read: no SUBSCRIBE, no PUBLISH. Port 8883 (or
a service nmap saw behind TLS) is MQTT over TLS; the certificate is not verified.
"""

from __future__ import annotations

import secrets
import struct

from rempart.engine.checks._stream import open_stream, recv_exact
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

MQTT_TLS_PORT = 8883
CONNACK, DISCONNECT = 0x20, b"\xe0\x00"
RETURN_CODES = {
    0: "connection accepted",
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


def connect_packet(client_id: str, keepalive: int = 10) -> bytes:
    """CONNECT (protocol level 4 = 3.1.1), clean session, no will, no credentials."""
    variable = b"\x00\x04MQTT" + bytes([4, 0x02]) + struct.pack(">H", keepalive)
    payload = struct.pack(">H", len(client_id)) + client_id.encode()
    body = variable + payload
    return bytes([0x10, len(body)]) + body  # body < 128 bytes: one-byte remaining length


def connack_code(reply: bytes) -> int | None:
    """The CONNACK return code, or None when the answer is not a CONNACK."""
    if len(reply) != 4 or reply[0] != CONNACK or reply[1] != 2:  # noqa: PLR2004
        return None
    return reply[3]


@register
class MqttAnonymous(Check):
    id = "mqtt.anonymous"
    title = "MQTT broker accepts anonymous clients"
    description = (
        "The MQTT broker accepts a connection without user name or password: anyone on the "
        "network can subscribe to every topic (telemetry, building management, connected "
        "medical devices) and publish commands."
    )
    remediation = (
        "Disable anonymous access (Mosquitto: allow_anonymous false with a password_file or "
        "certificates), restrict topics with ACLs and use TLS (8883)."
    )
    severity = "high"
    references = (
        "https://mosquitto.org/documentation/authentication-methods/",
        "https://cwe.mitre.org/data/definitions/306.html",
    )
    ports = (1883, MQTT_TLS_PORT)
    services = ("mqtt", "secure-mqtt")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        tls = service.tunnel == "ssl" or service.port == MQTT_TLS_PORT
        client_id = f"rempart-{secrets.token_hex(4)}"
        try:
            with open_stream(context, host.address, service.port, tls=tls) as sock:
                sock.sendall(connect_packet(client_id))
                code = connack_code(recv_exact(sock, 4))
                if code == 0:
                    sock.sendall(DISCONNECT)
        except OSError:
            return []
        if code != 0:
            return []
        evidence = msg("mqtt.anonymous_tls" if tls else "mqtt.anonymous", client_id=client_id)
        return [self.finding(host, service, evidence=evidence)]
