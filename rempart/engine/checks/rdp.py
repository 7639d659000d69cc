"""RDP servers that do not enforce Network Level Authentication (NLA / CredSSP).

What matters is the protocol the server *selects*, not whether it answers: two X.224
connection requests are sent, one offering only standard RDP security (PROTOCOL_RDP = 0)
and one offering only TLS (PROTOCOL_SSL = 1). A server that enforces NLA refuses both with
HYBRID_REQUIRED_BY_SERVER; one that selects 0 or 1 lets anyone reach the Windows logon
screen (and its pre-authentication attack surface, BlueKeep class) without credentials.
nmap's rdp-enum-encryption reports CredSSP as soon as any negotiation response comes back,
which is wrong for servers such as xrdp that never select it.
"""

from __future__ import annotations

from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.identify import RDP_PORTS, rdp_negotiate
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import Message, msg

PROTOCOL_RDP, PROTOCOL_SSL = 0, 1
REQUESTS = {PROTOCOL_RDP: "standard RDP security", PROTOCOL_SSL: "TLS without NLA"}
FAILURES = {
    1: "SSL_REQUIRED_BY_SERVER",
    2: "SSL_NOT_ALLOWED_BY_SERVER",
    3: "SSL_CERT_NOT_ON_SERVER",
    4: "INCONSISTENT_FLAGS",
    5: "HYBRID_REQUIRED_BY_SERVER",
    6: "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
}


def describe(requested: int, answer: tuple[str, int] | None) -> Message:
    params: dict[str, str | int] = {"requested": requested, "requested_term": REQUESTS[requested]}
    if answer is None:
        return Message("rdp.no_answer", params)
    kind, value = answer
    if kind == "failure":
        return Message("rdp.refused", params | {"failure": FAILURES.get(value, str(value))})
    return Message("rdp.selected", params | {"selected": value})


def _without_nla(answer: tuple[str, int] | None) -> bool:
    """The server selected standard RDP security or TLS (not CredSSP)."""
    return answer is not None and answer[0] == "response" and answer[1] in REQUESTS


@register
class RdpNlaNotEnforced(Check):
    id = "rdp.nla-not-enforced"
    title = "RDP does not enforce Network Level Authentication"
    description = (
        "The RDP server accepts connections with standard RDP security or plain TLS instead "
        "of requiring NLA (CredSSP): anyone can open a session up to the logon screen without "
        "credentials, which exposes pre-authentication vulnerabilities (BlueKeep class), "
        "eases brute force and, with standard RDP security, man-in-the-middle attacks."
    )
    remediation = (
        "Require NLA (GPO 'Require user authentication for remote connections by using "
        "Network Level Authentication', SecurityLayer = 2) and restrict RDP to the "
        "administration network or a gateway."
    )
    severity = "medium"
    references = (
        "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/b2975bdc-6d56-49ee-9c57-f2ff3a0b6817",
        "https://msrc.microsoft.com/update-guide/vulnerability/CVE-2019-0708",
    )
    ports = RDP_PORTS
    services = ("ms-wbt-server", "rdp")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        answers = {}
        for requested in REQUESTS:
            if context.should_stop():
                return []
            answers[requested] = rdp_negotiate(
                context.allowed, host.address, service.port, requested, context.timeout
            )
        if not any(_without_nla(answer) for answer in answers.values()):
            return []
        evidence = [describe(value, answers[value]) for value in REQUESTS]
        return [self.finding(host, service, evidence=[msg("rdp.nla_not_enforced"), *evidence])]
