"""Clear-text remote administration: Telnet, and the BSD r-services (rexec, rlogin, rsh)."""

from __future__ import annotations

import re
import socket
import time

from rempart.engine.checks._net import printable
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
SILENCE_S = 2.0  # how long a silent Telnet port is listened to
_VERBS = {DO: "DO", DONT: "DONT", WILL: "WILL", WONT: "WONT"}
_OPTIONS = {
    0: "BINARY",
    1: "ECHO",
    3: "SUPPRESS-GO-AHEAD",
    5: "STATUS",
    24: "TERMINAL-TYPE",
    31: "NAWS",
    32: "TERMINAL-SPEED",
    33: "REMOTE-FLOW-CONTROL",
    34: "LINEMODE",
    35: "X-DISPLAY-LOCATION",
    36: "OLD-ENVIRON",
    37: "AUTHENTICATION",
    38: "ENCRYPT",
    39: "NEW-ENVIRON",
}
_PROMPT = re.compile(rb"(login|username|user name|password)\s*:|\bUser Access Verification", re.I)
_OTHER_PROTOCOL = re.compile(rb"^(SSH-|HTTP/|220[ -]|\* OK|\+OK|RFB \d)")


def parse_telnet(data: bytes) -> tuple[list[tuple[int, int]], bytes]:
    """Split Telnet bytes into (verb, option) negotiations and the printable text."""
    commands: list[tuple[int, int]] = []
    text = bytearray()
    index = 0
    while index < len(data):
        byte = data[index]
        if byte != IAC or index + 1 >= len(data):
            text.append(byte)
            index += 1
            continue
        verb = data[index + 1]
        if verb in _VERBS and index + 2 < len(data):
            commands.append((verb, data[index + 2]))
            index += 3
        elif verb == SB:
            end = data.find(bytes([IAC, SE]), index)
            index = len(data) if end < 0 else end + 2
        else:
            index += 2
    return commands, bytes(text)


def refusals(commands: list[tuple[int, int]]) -> bytes:
    """Answer every request with a refusal, so that the server goes on to its prompt."""
    reply = bytearray()
    for verb, option in commands:
        if verb == DO:
            reply += bytes([IAC, WONT, option])
        elif verb == WILL:
            reply += bytes([IAC, DONT, option])
    return bytes(reply)


def describe(commands: list[tuple[int, int]]) -> str:
    return ", ".join(f"{_VERBS[v]} {_OPTIONS.get(o, str(o))}" for v, o in commands[:12])


def _read_for(
    sock: socket.socket, seconds: float, *, quiet: float = 0.3, stop_at_prompt: bool = True
) -> bytes:
    """Read what arrives within `seconds`; once something came, stop after `quiet` seconds
    without more (or at a prompt, or when the peer closes)."""
    deadline = time.monotonic() + seconds
    data = b""
    while (left := deadline - time.monotonic()) > 0 and len(data) < 8192:  # noqa: PLR2004
        sock.settimeout(min(left, quiet) if data else left)
        try:
            chunk = sock.recv(4096)
        except (TimeoutError, OSError):
            break
        if not chunk:
            break
        data += chunk
        if stop_at_prompt and _PROMPT.search(parse_telnet(data)[1]):
            break
    return data


@register
class TelnetExposed(Check):
    id = "telnet.exposed"
    title = "Telnet service exposed"
    description = (
        "A Telnet service answers: remote administration without encryption, where logins, "
        "passwords and whole sessions can be read and altered by anyone on the path. On "
        "switches, printers and medical devices it often also keeps factory passwords."
    )
    remediation = (
        "Disable Telnet and administer the device over SSH; where the device offers nothing "
        "else, restrict port 23 to an administration network."
    )
    severity = "high"
    references = (
        "https://cwe.mitre.org/data/definitions/319.html",
        "https://datatracker.ietf.org/doc/html/rfc854",
    )
    ports = (23, 2323)
    services = ("telnet",)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            with context.allowed.tcp_connect(host.address, service.port, context.timeout) as sock:
                data = _read_for(sock, min(SILENCE_S, context.timeout))
                commands, _ = parse_telnet(data)
                if commands and not _PROMPT.search(parse_telnet(data)[1]):
                    sock.sendall(refusals(commands))
                    data += _read_for(sock, min(1.0, context.timeout))
        except OSError:
            return []
        return self._judge(host, service, data)

    def _judge(self, host: Host, service: Service, data: bytes) -> list[Finding]:
        commands, text = parse_telnet(data)
        prompt = _PROMPT.search(text)
        if not data:
            if service.port != 23 and service.name.lower() != "telnet":  # noqa: PLR2004
                return []
            evidence = msg("telnet.silent")
            return [self.finding(host, service, evidence=evidence, confidence="firm")]
        if not commands and not prompt:
            if _OTHER_PROTOCOL.match(data) or service.name.lower() != "telnet":
                return []  # another protocol on a Telnet port: not Telnet
            evidence = msg("telnet.banner", text=printable(text.strip()))
            return [self.finding(host, service, evidence=evidence, confidence="firm")]
        parts = []
        if commands:
            parts.append(msg("telnet.negotiation", options=describe(commands)))
        if text.strip():
            parts.append(msg("telnet.text", text=printable(text.strip())))
        return [self.finding(host, service, evidence=parts)]


R_SERVICES = {512: "rexec", 513: "rlogin", 514: "rsh"}
_R_NAMES = {"exec": "rexec", "login": "rlogin", "shell": "rsh", "rexec": "rexec"}
_R_NAMES |= {"rlogin": "rlogin", "rsh": "rsh", "kshell": "rsh", "klogin": "rlogin"}


@register
class RServices(Check):
    id = "cleartext.r-services"
    title = "BSD r-services (rexec, rlogin, rsh) exposed"
    description = (
        "A BSD r-service answers: rexec sends passwords in clear text, and rlogin and rsh trust "
        "the client's address and user name (.rhosts), which anyone on the network can forge."
    )
    remediation = (
        "Disable rexecd, rlogind and rshd (inetd/xinetd or systemd sockets) and use SSH instead."
    )
    severity = "high"
    references = (
        "https://cwe.mitre.org/data/definitions/319.html",
        "https://cwe.mitre.org/data/definitions/290.html",
    )
    ports = (512, 513, 514)
    services = ("exec", "login", "shell", "rexec", "rlogin", "rsh")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        """Connect and listen for a moment; nothing is sent (no user name, no command)."""
        try:
            with context.allowed.tcp_connect(host.address, service.port, context.timeout) as sock:
                data = _read_for(sock, min(1.0, context.timeout), stop_at_prompt=False)
        except OSError:
            return []
        if _OTHER_PROTOCOL.match(data):
            return []
        kind = _R_NAMES.get(service.name.lower()) or R_SERVICES.get(service.port, "rsh")
        evidence = msg("rservices.open", service=kind, port=service.port)
        confidence = "firm"
        if data[:1] == b"\x01":  # the r-services' error channel: "\1" + message
            text = printable(data[1:].strip())
            evidence = msg("rservices.answers", service=kind, port=service.port, text=text)
            confidence = "confirmed"
        elif data:
            text = printable(data.strip())
            evidence = msg("rservices.sent", service=kind, port=service.port, text=text)
        return [self.finding(host, service, evidence=evidence, key=kind, confidence=confidence)]
