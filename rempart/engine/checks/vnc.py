"""VNC servers offering the "None" security type (no password at all).

The RFB handshake is read up to the list of security types; the client never selects one,
so no session is opened and nothing is shown or typed on the remote screen.
"""

from __future__ import annotations

import re
import socket
import struct

from rempart.engine.checks._stream import open_stream, recv_exact
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

RFB_VERSION = re.compile(rb"^RFB (\d{3})\.(\d{3})\n$")
SECURITY_NONE = 1
SECURITY_NAMES = {
    1: "None",
    2: "VNC Authentication",
    5: "RA2",
    6: "RA2ne",
    16: "Tight",
    18: "TLS",
    19: "VeNCrypt",
    30: "Apple Remote Desktop",
}


def client_version(server: tuple[int, int]) -> bytes:
    """The version the client answers: 3.8, or the server's own when it is older."""
    chosen = min(server, (3, 8))
    return b"RFB %03d.%03d\n" % chosen


def read_security_types(sock: socket.socket, version: tuple[int, int]) -> list[int]:
    """Security types the server offers (RFB 3.3: the single type it imposes)."""
    if version < (3, 7):
        return [struct.unpack(">I", recv_exact(sock, 4))[0]]
    count = recv_exact(sock, 1)[0]
    return list(recv_exact(sock, count)) if count else []


@register
class VncNoAuth(Check):
    id = "vnc.no-auth"
    title = "VNC server without authentication"
    description = (
        "The VNC server offers the 'None' security type: anyone on the network can see and "
        "control the screen, keyboard and mouse of the machine (often a modality console or "
        "a nursing workstation)."
    )
    remediation = (
        "Require authentication (a strong VNC password at least, preferably VeNCrypt/TLS with "
        "user accounts), restrict the port to the administration network or tunnel it over SSH."
    )
    severity = "critical"
    references = (
        "https://datatracker.ietf.org/doc/html/rfc6143#section-7.2",
        "https://cwe.mitre.org/data/definitions/306.html",
    )
    ports = (5900, 5901, 5902, 5800)
    services = ("vnc",)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            with open_stream(context, host.address, service.port) as sock:
                banner = recv_exact(sock, 12)
                match = RFB_VERSION.match(banner)
                if match is None:
                    return []
                version = (int(match.group(1)), int(match.group(2)))
                sock.sendall(client_version(version))
                offered = read_security_types(sock, version)
        except OSError:
            return []
        if SECURITY_NONE not in offered:
            return []
        names = ", ".join(f"{SECURITY_NAMES.get(t, 'type')} ({t})" for t in offered)
        evidence = msg("vnc.no_auth", banner=banner.decode().strip(), types=names)
        return [self.finding(host, service, evidence=evidence)]
