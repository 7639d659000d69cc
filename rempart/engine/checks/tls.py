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
    title_fr = "Version obsolète du protocole SSL/TLS acceptée"
    title_template = "Deprecated protocol %(protocol)s accepted"
    title_template_fr = "Protocole obsolète %(protocol)s accepté"
    description = (
        "The service accepts SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1. SSL versions are broken "
        "(DROWN, POODLE); TLS 1.0 and 1.1 were deprecated in 2021 (RFC 8996) and allow "
        "downgrades to weak cryptography."
    )
    description_fr = (
        "Le service accepte SSL 2.0, SSL 3.0, TLS 1.0 ou TLS 1.1. Les versions SSL sont cassées "
        "(DROWN, POODLE) ; TLS 1.0 et 1.1 sont obsolètes depuis 2021 (RFC 8996) et permettent "
        "un déclassement vers une cryptographie faible."
    )
    remediation = (
        "Accept TLS 1.2 and TLS 1.3 only (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: "
        "SSLProtocol -all +TLSv1.2 +TLSv1.3; Windows: disable the protocols in SCHANNEL)."
    )
    remediation_fr = (
        "N'accepter que TLS 1.2 et TLS 1.3 (nginx : ssl_protocols TLSv1.2 TLSv1.3 ; Apache : "
        "SSLProtocol -all +TLSv1.2 +TLSv1.3 ; Windows : désactiver les protocoles dans SCHANNEL)."
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
    title_fr = "Suites de chiffrement TLS faibles acceptées"
    title_template = "Weak TLS cipher suites accepted (%(kind)s)"
    title_template_fr = "Suites de chiffrement TLS faibles acceptées (%(kind)s)"
    description = (
        "The service accepts cipher suites without encryption (NULL), without server "
        "authentication (anonymous), export-grade, single DES, RC4 or 3DES: traffic can be "
        "read or altered by an attacker on the path."
    )
    description_fr = (
        "Le service accepte des suites sans chiffrement (NULL), sans authentification du "
        "serveur (anonymes), de force « export », DES simple, RC4 ou 3DES : les échanges "
        "peuvent être lus ou modifiés par un attaquant placé sur le chemin."
    )
    remediation = (
        "Restrict the cipher list to AEAD suites with forward secrecy (ECDHE with AES-GCM or "
        "ChaCha20-Poly1305), for example the Mozilla 'intermediate' configuration."
    )
    remediation_fr = (
        "Limiter la liste aux suites AEAD avec confidentialité persistante (ECDHE avec AES-GCM "
        "ou ChaCha20-Poly1305), par exemple la configuration « intermediate » de Mozilla."
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
    title_fr = "Certificat TLS expiré"
    description = (
        "The certificate presented is past its expiry date (notAfter): clients warn or refuse "
        "to connect, and users get used to clicking through certificate warnings."
    )
    description_fr = (
        "Le certificat présenté a dépassé sa date d'expiration (notAfter) : les clients "
        "avertissent ou refusent la connexion, et les utilisateurs s'habituent à ignorer les "
        "alertes de certificat."
    )
    remediation = "Renew the certificate and install it with its intermediate certificates."
    remediation_fr = "Renouveler le certificat et l'installer avec ses certificats intermédiaires."
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
    title_fr = "Certificat TLS pas encore valide"
    description = (
        "The certificate presented starts being valid in the future (notBefore): clients "
        "refuse it. It often reveals a wrong clock on the server or on the issuing system."
    )
    description_fr = (
        "Le certificat présenté ne devient valide que dans le futur (notBefore) : les clients "
        "le refusent. Cela révèle souvent une horloge erronée sur le serveur ou sur le système "
        "émetteur."
    )
    remediation = "Check the clocks (NTP) and issue the certificate again with a correct date."
    remediation_fr = (
        "Vérifier les horloges (NTP) et émettre à nouveau le certificat à la bonne date."
    )
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
    title_fr = "Certificat TLS auto-signé"
    description = (
        "The server presents a self-signed certificate that no trusted authority vouches for: "
        "clients cannot tell the real server from an impostor, and users learn to accept "
        "warnings. (A self-signed certificate explicitly trusted through the scan's CA file "
        "is not reported.)"
    )
    description_fr = (
        "Le serveur présente un certificat auto-signé qu'aucune autorité de confiance ne "
        "garantit : les clients ne peuvent distinguer le vrai serveur d'un imposteur et les "
        "utilisateurs apprennent à accepter les alertes. (Un certificat auto-signé déclaré de "
        "confiance via le fichier d'autorités du scan n'est pas signalé.)"
    )
    remediation = (
        "Install a certificate issued by the establishment's certification authority (or a "
        "public one) and deploy that authority to the clients."
    )
    remediation_fr = (
        "Installer un certificat émis par l'autorité de certification de l'établissement (ou "
        "une autorité publique) et déployer cette autorité sur les postes clients."
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
    title_fr = "Chaîne de certificats TLS non reconnue"
    description = (
        "The certificate chain the server sends does not lead to an authority of the system "
        "trust store (nor to the scan's CA file): the issuing authority is unknown, or the "
        "server omits its intermediate certificates."
    )
    description_fr = (
        "La chaîne de certificats envoyée par le serveur ne mène à aucune autorité du magasin "
        "de confiance du système (ni du fichier d'autorités du scan) : l'autorité émettrice est "
        "inconnue, ou le serveur omet ses certificats intermédiaires."
    )
    remediation = (
        "Install the intermediate certificates on the server; for an internal authority, add "
        "its root to the clients and to the scanner (tls_ca_file option)."
    )
    remediation_fr = (
        "Installer les certificats intermédiaires sur le serveur ; pour une autorité interne, "
        "ajouter sa racine aux postes clients et au scanner (option tls_ca_file)."
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
    title_fr = "Clé de certificat TLS faible"
    description = (
        "A certificate the server sends has an RSA or DSA key under 2048 bits or an elliptic "
        "curve key under 224 bits, below current recommendations and within reach of "
        "well-funded attackers."
    )
    description_fr = (
        "Un certificat envoyé par le serveur a une clé RSA ou DSA de moins de 2048 bits ou une "
        "clé à courbe elliptique de moins de 224 bits, en deçà des recommandations actuelles et "
        "à la portée d'attaquants dotés de moyens."
    )
    remediation = "Issue a new certificate with an RSA key of 3072 bits or an ECDSA P-256 key."
    remediation_fr = (
        "Émettre un nouveau certificat avec une clé RSA de 3072 bits ou une clé ECDSA P-256."
    )
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
    title_fr = "Certificat TLS signé avec SHA-1 ou MD5"
    description = (
        "A certificate the server sends (the server's own or an intermediate) is signed with "
        "SHA-1 or MD5, hash functions with practical collision attacks: such signatures can "
        "be forged and browsers reject them."
    )
    description_fr = (
        "Un certificat envoyé par le serveur (le sien ou un intermédiaire) est signé avec SHA-1 "
        "ou MD5, fonctions de hachage sujettes à des collisions pratiques : ces signatures "
        "peuvent être contrefaites et les navigateurs les refusent."
    )
    remediation = "Issue the certificate (and intermediates) again with SHA-256 signatures."
    remediation_fr = (
        "Émettre à nouveau le certificat (et les intermédiaires) avec des signatures SHA-256."
    )
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
    title_fr = "OpenSSL Heartbleed (CVE-2014-0160)"
    description = (
        "The TLS heartbeat extension returns server memory beyond the request: private keys, "
        "session cookies and passwords can be read remotely without authentication."
    )
    description_fr = (
        "L'extension heartbeat de TLS renvoie de la mémoire du serveur au-delà de la requête : "
        "clés privées, cookies de session et mots de passe peuvent être lus à distance sans "
        "authentification."
    )
    remediation = (
        "Update OpenSSL (1.0.1g or later, or a supported branch), restart the services, then "
        "replace the certificate and private key and revoke the old one."
    )
    remediation_fr = (
        "Mettre à jour OpenSSL (1.0.1g ou ultérieur, ou une branche maintenue), redémarrer les "
        "services, puis remplacer le certificat et la clé privée et révoquer l'ancien."
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
    title_fr = "Injection CCS OpenSSL (CVE-2014-0224)"
    description = (
        "The server accepts an early ChangeCipherSpec message: an attacker on the path can "
        "force weak keys and then decrypt and alter the session."
    )
    description_fr = (
        "Le serveur accepte un message ChangeCipherSpec prématuré : un attaquant placé sur le "
        "chemin peut imposer des clés faibles, puis déchiffrer et modifier la session."
    )
    remediation = "Update OpenSSL (1.0.1h, 1.0.0m, 0.9.8za or later) and restart the services."
    remediation_fr = (
        "Mettre à jour OpenSSL (1.0.1h, 1.0.0m, 0.9.8za ou ultérieur) et redémarrer les services."
    )
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
    title_fr = "ROBOT : oracle de remplissage RSA (Bleichenbacher)"
    description = (
        "The server's answers to malformed RSA key exchanges differ: recorded sessions using "
        "RSA key exchange can be decrypted and signatures forged with the server's key."
    )
    description_fr = (
        "Les réponses du serveur à des échanges de clés RSA malformés diffèrent : les sessions "
        "enregistrées utilisant l'échange de clés RSA peuvent être déchiffrées et des "
        "signatures forgées avec la clé du serveur."
    )
    remediation = (
        "Update the TLS stack or firmware, and disable cipher suites with RSA key exchange "
        "(TLS_RSA_*), keeping ECDHE suites."
    )
    remediation_fr = (
        "Mettre à jour la pile TLS ou le micrologiciel et désactiver les suites à échange de "
        "clés RSA (TLS_RSA_*), en conservant les suites ECDHE."
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
    title_fr = "Renégociation TLS non sécurisée ou initiée par le client"
    description = (
        "The server lacks secure renegotiation (RFC 5746, CVE-2009-3555: an attacker can "
        "inject data in front of a client's request) or honours renegotiations initiated by "
        "clients (an easy denial of service)."
    )
    description_fr = (
        "Le serveur ne prend pas en charge la renégociation sécurisée (RFC 5746, CVE-2009-3555 "
        ": un attaquant peut injecter des données avant la requête d'un client) ou accepte les "
        "renégociations initiées par les clients (déni de service facile)."
    )
    remediation = (
        "Update the TLS stack and disable client-initiated renegotiation (or use TLS 1.3, "
        "which has none)."
    )
    remediation_fr = (
        "Mettre à jour la pile TLS et désactiver la renégociation initiée par le client (ou "
        "utiliser TLS 1.3, qui n'en comporte pas)."
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
