"""TLS: protocol versions, cipher classes, certificates and known implementation flaws.

Every check here reads one shared scan of the endpoint (`_tls.tls_report`): a light probe
of about ten sequential handshakes in the `standard` policy (`_tls_light.py`), sslyze's
full enumeration in the `deep` policy. ROBOT and renegotiation are only tested by the full
scan: those two checks are `intrusive`. See `_tls.py` for how the scope guard is applied
and how trust is judged.
"""

from __future__ import annotations

from typing import ClassVar

from cryptography import x509

from rempart.engine.checks._tls import (
    CIPHER_CLASSES,
    LEGACY_PROTOCOLS,
    WEAK_HASHES,
    TlsReport,
    TrustRoots,
    cert_params,
    chain_trusted,
    describe_name,
    key_weakness,
    now,
    self_signed,
    signature_hash,
    speaks_tls,
    starttls_protocol,
    tls_report,
    trust_roots,
    weak_ciphers,
)
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import Message, msg
from rempart.engine.targets import ScopeViolationError


class _TlsCheck(Check):
    references: ClassVar[tuple[str, ...]] = (
        "https://cyber.gouv.fr/publications/recommandations-de-securite-relatives-tls",
    )

    def applies(self, host: Host, service: Service) -> bool:
        return service.protocol == "tcp" and (
            speaks_tls(service) or starttls_protocol(service) is not None
        )

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            report = tls_report(context, host, service)
        except ScopeViolationError:
            return []
        if not report.reachable:
            return []
        return self.judge(context, host, service, report)

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        raise NotImplementedError  # pragma: no cover - every registered check overrides it


class _CertificateCheck(_TlsCheck):
    """One finding per port; evidence names every certificate (leaf) concerned."""

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        problems: list[Message] = []
        for chain in report.chains:
            found = self.problem(context, chain) if chain else None
            problems.extend([found] if isinstance(found, Message) else found or [])
        if not problems:
            return []
        unique = list({(m.code, tuple(m.params.items())): m for m in problems}.values())
        return [self.finding(host, service, evidence=unique)]

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        raise NotImplementedError  # pragma: no cover


@register
class LegacyProtocol(_TlsCheck):
    id = "tls.legacy-protocol"
    title = "Deprecated SSL/TLS protocol version accepted"
    title_template = "Deprecated protocol %(protocol)s accepted"
    description = (
        "The service accepts SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1. SSL versions are broken "
        "(DROWN, POODLE); TLS 1.0 and 1.1 were deprecated in 2021 (RFC 8996) and allow "
        "downgrades to weak cryptography."
    )
    remediation = (
        "Accept TLS 1.2 and TLS 1.3 only (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: "
        "SSLProtocol -all +TLSv1.2 +TLSv1.3; Windows: disable the protocols in SCHANNEL)."
    )
    severity = "medium"
    references = (
        "https://www.rfc-editor.org/rfc/rfc8996.html",
        "https://www.rfc-editor.org/rfc/rfc7568.html",
        "https://www.rfc-editor.org/rfc/rfc6176.html",
    )

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        findings = []
        for protocol, severity in LEGACY_PROTOCOLS.items():
            suites = report.accepted.get(protocol)
            if not suites:
                continue
            sample = ", ".join(suites[:5]) + (", …" if len(suites) > 5 else "")  # noqa: PLR2004
            evidence = (
                msg("tls.protocol_suites", protocol=protocol, count=len(suites), suites=sample)
                if report.exhaustive
                else msg("tls.protocol_light", protocol=protocol, suites=sample)
            )
            findings.append(
                self.finding(
                    host,
                    service,
                    key=protocol,
                    severity=severity,
                    evidence=evidence,
                    title_params={"protocol": protocol},
                )
            )
        return findings


@register
class WeakCipher(_TlsCheck):
    id = "tls.weak-cipher"
    title = "Weak TLS cipher suites accepted"
    title_template = "Weak TLS cipher suites accepted (%(kind)s)"
    description = (
        "The service accepts cipher suites without encryption (NULL), without server "
        "authentication (anonymous), export-grade, single DES, RC4 or 3DES: traffic can be "
        "read or altered by an attacker on the path."
    )
    remediation = (
        "Restrict the cipher list to AEAD suites with forward secrecy (ECDHE with AES-GCM or "
        "ChaCha20-Poly1305), for example the Mozilla 'intermediate' configuration."
    )
    severity = "medium"
    references = (
        "https://www.rfc-editor.org/rfc/rfc7465.html",
        "https://sweet32.info/",
        "https://ssl-config.mozilla.org/",
    )

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        found = weak_ciphers(report.accepted)
        findings = []
        for label, _, severity in CIPHER_CLASSES:
            suites = found.get(label)
            if not suites:
                continue
            sample = ", ".join(suites[:8]) + (", …" if len(suites) > 8 else "")  # noqa: PLR2004
            evidence = (
                msg("tls.weak_suites", count=len(suites), kind=label, suites=sample)
                if report.exhaustive
                else msg("tls.weak_suites_light", kind=label, suites=sample)
            )
            findings.append(
                self.finding(
                    host,
                    service,
                    key=label,
                    severity=severity,
                    evidence=evidence,
                    title_params={"kind": label},
                )
            )
        return findings


@register
class CertificateExpired(_CertificateCheck):
    id = "tls.cert-expired"
    title = "TLS certificate expired"
    description = (
        "The certificate presented is past its expiry date (notAfter): clients warn or refuse "
        "to connect, and users get used to clicking through certificate warnings."
    )
    remediation = "Renew the certificate and install it with its intermediate certificates."
    severity = "medium"
    references = ("https://www.rfc-editor.org/rfc/rfc5280.html#section-4.1.2.5",)

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        leaf = chain[0]
        if leaf.not_valid_after_utc >= now():
            return None
        days = (now() - leaf.not_valid_after_utc).days
        return Message(
            "tls.cert_expired",
            cert_params(leaf)
            | {"not_after": f"{leaf.not_valid_after_utc:%Y-%m-%d %H:%M:%S}", "count": days},
        )


@register
class CertificateNotYetValid(_CertificateCheck):
    id = "tls.cert-not-yet-valid"
    title = "TLS certificate not yet valid"
    description = (
        "The certificate presented starts being valid in the future (notBefore): clients "
        "refuse it. It often reveals a wrong clock on the server or on the issuing system."
    )
    remediation = "Check the clocks (NTP) and issue the certificate again with a correct date."
    severity = "medium"
    references = ("https://www.rfc-editor.org/rfc/rfc5280.html#section-4.1.2.5",)

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        leaf = chain[0]
        if leaf.not_valid_before_utc <= now():
            return None
        return Message(
            "tls.cert_not_yet_valid",
            cert_params(leaf) | {"not_before": f"{leaf.not_valid_before_utc:%Y-%m-%d %H:%M:%S}"},
        )


def _trust(context: CheckContext) -> TrustRoots:
    extra = context.options.get("tls_ca_file")
    return trust_roots(str(extra) if extra else "")


@register
class CertificateSelfSigned(_CertificateCheck):
    id = "tls.cert-self-signed"
    title = "Self-signed TLS certificate"
    description = (
        "The server presents a self-signed certificate that no trusted authority vouches for: "
        "clients cannot tell the real server from an impostor, and users learn to accept "
        "warnings. (A self-signed certificate explicitly trusted through the scan's CA file "
        "is not reported.)"
    )
    remediation = (
        "Install a certificate issued by the establishment's certification authority (or a "
        "public one) and deploy that authority to the clients."
    )
    severity = "low"
    references = ("https://cwe.mitre.org/data/definitions/295.html",)

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        leaf = chain[0]
        if not self_signed(leaf) or chain_trusted(chain, _trust(context)):
            return None
        return Message("tls.cert_self_signed", cert_params(leaf))


@register
class CertificateUntrusted(_CertificateCheck):
    id = "tls.cert-untrusted"
    title = "TLS certificate chain not trusted"
    description = (
        "The certificate chain the server sends does not lead to an authority of the system "
        "trust store (nor to the scan's CA file): the issuing authority is unknown, or the "
        "server omits its intermediate certificates."
    )
    remediation = (
        "Install the intermediate certificates on the server; for an internal authority, add "
        "its root to the clients and to the scanner (tls_ca_file option)."
    )
    severity = "low"
    references = ("https://cwe.mitre.org/data/definitions/295.html",)

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        leaf, roots = chain[0], _trust(context)
        if self_signed(leaf) or chain_trusted(chain, roots):
            return None  # a self-signed leaf is tls.cert-self-signed's finding
        params = cert_params(leaf) | {"issuer": describe_name(leaf.issuer), "count": len(chain)}
        if not roots.sources:
            return Message("tls.cert_untrusted_no_store", params)
        return Message("tls.cert_untrusted", params | {"stores": ", ".join(roots.sources)})


@register
class CertificateWeakKey(_CertificateCheck):
    id = "tls.cert-weak-key"
    title = "Weak TLS certificate key"
    description = (
        "A certificate the server sends has an RSA or DSA key under 2048 bits or an elliptic "
        "curve key under 224 bits, below current recommendations and within reach of "
        "well-funded attackers."
    )
    remediation = "Issue a new certificate with an RSA key of 3072 bits or an ECDSA P-256 key."
    severity = "medium"
    references = ("https://cyber.gouv.fr/publications/mecanismes-cryptographiques",)

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        return [
            Message("tls.cert_weak_key", cert_params(c) | {"key": w})
            for c in chain
            if (w := key_weakness(c)) is not None
        ]


@register
class CertificateSha1(_CertificateCheck):
    id = "tls.cert-sha1-signature"
    title = "TLS certificate signed with SHA-1 or MD5"
    description = (
        "A certificate the server sends (the server's own or an intermediate) is signed with "
        "SHA-1 or MD5, hash functions with practical collision attacks: such signatures can "
        "be forged and browsers reject them."
    )
    remediation = "Issue the certificate (and intermediates) again with SHA-256 signatures."
    severity = "medium"
    references = ("https://shattered.io/", "https://www.rfc-editor.org/rfc/rfc6194.html")

    def problem(
        self, context: CheckContext, chain: list[x509.Certificate]
    ) -> Message | list[Message] | None:
        weak = []
        for index, certificate in enumerate(chain):
            if index and self_signed(certificate):
                continue  # a root's own signature is never checked by clients
            algorithm = signature_hash(certificate)
            if algorithm in WEAK_HASHES:
                params = cert_params(certificate) | {"hash": algorithm.upper()}
                weak.append(Message("tls.cert_weak_signature", params))
        return weak


class _FlagCheck(_TlsCheck):
    """A check that reports one sslyze verdict."""

    verdict: ClassVar[str]

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        evidence = self.evidence(report)
        return [self.finding(host, service, evidence=evidence)] if evidence else []

    def evidence(self, report: TlsReport) -> list[Message]:
        raise NotImplementedError  # pragma: no cover


@register
class Heartbleed(_FlagCheck):
    id = "tls.heartbleed"
    title = "OpenSSL Heartbleed (CVE-2014-0160)"
    description = (
        "The TLS heartbeat extension returns server memory beyond the request: private keys, "
        "session cookies and passwords can be read remotely without authentication."
    )
    remediation = (
        "Update OpenSSL (1.0.1g or later, or a supported branch), restart the services, then "
        "replace the certificate and private key and revoke the old one."
    )
    severity = "critical"
    references = ("https://nvd.nist.gov/vuln/detail/CVE-2014-0160", "https://heartbleed.com/")

    def evidence(self, report: TlsReport) -> list[Message]:
        return [msg("tls.heartbleed")] if report.heartbleed else []

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        found = super().judge(context, host, service, report)
        for finding in found:
            finding.cves = ["CVE-2014-0160"]
        return found


@register
class CcsInjection(_FlagCheck):
    id = "tls.ccs-injection"
    title = "OpenSSL CCS injection (CVE-2014-0224)"
    description = (
        "The server accepts an early ChangeCipherSpec message: an attacker on the path can "
        "force weak keys and then decrypt and alter the session."
    )
    remediation = "Update OpenSSL (1.0.1h, 1.0.0m, 0.9.8za or later) and restart the services."
    severity = "high"
    references = ("https://nvd.nist.gov/vuln/detail/CVE-2014-0224",)

    def evidence(self, report: TlsReport) -> list[Message]:
        return [msg("tls.ccs_injection")] if report.ccs_injection else []

    def judge(
        self, context: CheckContext, host: Host, service: Service, report: TlsReport
    ) -> list[Finding]:
        found = super().judge(context, host, service, report)
        for finding in found:
            finding.cves = ["CVE-2014-0224"]
        return found


@register
class Robot(_FlagCheck):
    id = "tls.robot"
    title = "ROBOT: RSA padding oracle (Bleichenbacher)"
    description = (
        "The server's answers to malformed RSA key exchanges differ: recorded sessions using "
        "RSA key exchange can be decrypted and signatures forged with the server's key."
    )
    remediation = (
        "Update the TLS stack or firmware, and disable cipher suites with RSA key exchange "
        "(TLS_RSA_*), keeping ECDHE suites."
    )
    severity = "high"
    category = "intrusive"  # dozens of malformed key exchanges: the deep policy's full scan
    references = ("https://robotattack.org/",)

    def evidence(self, report: TlsReport) -> list[Message]:
        if report.robot not in ("VULNERABLE_WEAK_ORACLE", "VULNERABLE_STRONG_ORACLE"):
            return []
        strong = report.robot == "VULNERABLE_STRONG_ORACLE"
        return [msg("tls.robot_strong" if strong else "tls.robot_weak", verdict=report.robot)]


@register
class InsecureRenegotiation(_FlagCheck):
    id = "tls.insecure-renegotiation"
    title = "Insecure or client-initiated TLS renegotiation"
    description = (
        "The server lacks secure renegotiation (RFC 5746, CVE-2009-3555: an attacker can "
        "inject data in front of a client's request) or honours renegotiations initiated by "
        "clients (an easy denial of service)."
    )
    remediation = (
        "Update the TLS stack and disable client-initiated renegotiation (or use TLS 1.3, "
        "which has none)."
    )
    severity = "medium"
    category = "intrusive"  # renegotiates repeatedly (a load test): the deep policy's full scan
    references = (
        "https://www.rfc-editor.org/rfc/rfc5746.html",
        "https://nvd.nist.gov/vuln/detail/CVE-2009-3555",
    )

    def evidence(self, report: TlsReport) -> list[Message]:
        parts = []
        if report.secure_renegotiation is False:
            parts.append(msg("tls.no_secure_renegotiation"))
        if report.client_renegotiation:
            parts.append(msg("tls.client_renegotiation"))
        return parts
