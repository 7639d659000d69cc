"""TLS scanning and analysis for the TLS checks (`tls.py`).

One scan per endpoint, shared by every check here. The `standard` policy runs the light
probe of `_tls_light` (about ten sequential handshakes, each socket opened through the
scope guard). The `deep` policy runs sslyze's full enumeration (every suite of every
protocol, ROBOT, renegotiation: about 550 connections): sslyze opens its own sockets, so
the address is checked against the scope guard first and sslyze is given that literal
address (never a name it could resolve elsewhere).

Certificate trust is judged here, not by sslyze (whose stores are bundled): the chain the
server sent must lead to the system store or to the `tls_ca_file` option; validity dates,
key sizes and signature hashes are read with `cryptography`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import ssl
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning
from sslyze.connection_helpers.opportunistic_tls_helpers import ProtocolWithOpportunisticTlsEnum
from sslyze.plugins.scan_commands import ScanCommand
from sslyze.scanner.models import ServerConnectivityStatusEnum, ServerScanRequest
from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum
from sslyze.scanner.scanner import Scanner
from sslyze.server_setting import ServerNetworkConfiguration, ServerNetworkLocation

from rempart.engine.checks._net import shared
from rempart.engine.checks._tls_light import light_scan
from rempart.engine.checks.base import CheckContext
from rempart.engine.model import Host, Service

CONNECTIONS_PER_ENDPOINT = 4  # sslyze's parallel connections to one endpoint
# sslyze waits this long, once per scan, for a post-handshake message from STARTTLS servers
# (FTP, SMTP… say nothing after the handshake): it bounds those scans to a few seconds.
NETWORK_TIMEOUT_S = 3
IMPLICIT_TLS_NAMES = frozenset(
    {"https", "https-alt", "imaps", "pop3s", "ldaps", "ftps", "smtps", "nntps", "ircs", "ssl"}
)
STARTTLS = {
    "smtp": ProtocolWithOpportunisticTlsEnum.SMTP,
    "submission": ProtocolWithOpportunisticTlsEnum.SMTP,
    "imap": ProtocolWithOpportunisticTlsEnum.IMAP,
    "pop3": ProtocolWithOpportunisticTlsEnum.POP3,
    "ftp": ProtocolWithOpportunisticTlsEnum.FTP,
    "ldap": ProtocolWithOpportunisticTlsEnum.LDAP,
    "xmpp-client": ProtocolWithOpportunisticTlsEnum.XMPP,
}
# (label, sslyze scan command, attribute of the scan result)
CIPHER_SCANS = (
    ("SSLv2", ScanCommand.SSL_2_0_CIPHER_SUITES, "ssl_2_0_cipher_suites"),
    ("SSLv3", ScanCommand.SSL_3_0_CIPHER_SUITES, "ssl_3_0_cipher_suites"),
    ("TLSv1.0", ScanCommand.TLS_1_0_CIPHER_SUITES, "tls_1_0_cipher_suites"),
    ("TLSv1.1", ScanCommand.TLS_1_1_CIPHER_SUITES, "tls_1_1_cipher_suites"),
    ("TLSv1.2", ScanCommand.TLS_1_2_CIPHER_SUITES, "tls_1_2_cipher_suites"),
)
SCAN_COMMANDS = set(
    {command for _, command, _ in CIPHER_SCANS}
    | {
        ScanCommand.CERTIFICATE_INFO,
        ScanCommand.HEARTBLEED,
        ScanCommand.OPENSSL_CCS_INJECTION,
        ScanCommand.ROBOT,
        ScanCommand.SESSION_RENEGOTIATION,
    }
)
LEGACY_PROTOCOLS = {"SSLv2": "high", "SSLv3": "high", "TLSv1.0": "medium", "TLSv1.1": "medium"}
# Cipher classes, most serious first: a suite belongs to the first class it matches.
CIPHER_CLASSES = (
    ("NULL", re.compile(r"_WITH_NULL_|^TLS_NULL_"), "high"),
    ("anon", re.compile(r"_anon_", re.I), "high"),
    ("EXPORT", re.compile(r"EXPORT"), "high"),
    ("DES", re.compile(r"(?<!3)DES(40)?_(64_)?CBC"), "high"),
    ("RC4", re.compile(r"RC4"), "medium"),
    ("3DES", re.compile(r"3DES|DES_192_EDE3|DES_EDE"), "medium"),
)
MIN_RSA_DSA_BITS, MIN_EC_BITS = 2048, 224
WEAK_HASHES = ("sha1", "md5", "md2", "md4")


@dataclass
class TlsReport:
    """What one scan of an endpoint saw (plain data, cached between checks)."""

    reachable: bool = False
    error: str = ""
    # protocol -> suites: every accepted suite (full scan), or the suites the light probe's
    # handshakes negotiated (`exhaustive` False)
    accepted: dict[str, list[str]] = field(default_factory=dict)
    chains: list[list[x509.Certificate]] = field(default_factory=list)  # leaf first
    heartbleed: bool | None = None
    ccs_injection: bool | None = None
    robot: str | None = None
    secure_renegotiation: bool | None = None
    client_renegotiation: bool | None = None
    seconds: float = 0.0
    exhaustive: bool = True  # False: light probe (ROBOT and renegotiation not tested)
    connections: int = 0  # TCP connections opened by the light probe (0: not counted)


def starttls_protocol(service: Service) -> ProtocolWithOpportunisticTlsEnum | None:
    if service.tunnel == "ssl":
        return None
    return STARTTLS.get(service.name.lower())


def speaks_tls(service: Service) -> bool:
    name = service.name.lower()
    return service.tunnel == "ssl" or name in IMPLICIT_TLS_NAMES or name.startswith("ssl/")


def _attempt_result(attempts: Any, attribute: str) -> Any:
    attempt = getattr(attempts, attribute)
    if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
        return None
    return attempt.result


def _read_attempts(report: TlsReport, attempts: Any) -> None:
    for label, _, attribute in CIPHER_SCANS:
        result = _attempt_result(attempts, attribute)
        if result is not None and result.accepted_cipher_suites:
            report.accepted[label] = [s.cipher_suite.name for s in result.accepted_cipher_suites]
    certificates = _attempt_result(attempts, "certificate_info")
    if certificates is not None:
        report.chains = [
            list(d.received_certificate_chain) for d in certificates.certificate_deployments
        ]
    if (heartbleed := _attempt_result(attempts, "heartbleed")) is not None:
        report.heartbleed = bool(heartbleed.is_vulnerable_to_heartbleed)
    if (ccs := _attempt_result(attempts, "openssl_ccs_injection")) is not None:
        report.ccs_injection = bool(ccs.is_vulnerable_to_ccs_injection)
    if (robot := _attempt_result(attempts, "robot")) is not None:
        report.robot = str(robot.robot_result.name)
    if (renegotiation := _attempt_result(attempts, "session_renegotiation")) is not None:
        report.secure_renegotiation = bool(renegotiation.supports_secure_renegotiation)
        report.client_renegotiation = bool(renegotiation.is_vulnerable_to_client_renegotiation_dos)


def _network_timeout(context: CheckContext) -> int:
    return max(1, min(NETWORK_TIMEOUT_S, round(context.timeout)))


def scan_endpoint(
    context: CheckContext, address: str, port: int, *, sni: str, starttls: Any = None
) -> TlsReport:
    """Run sslyze's full scan against `address` (already checked against the scope guard)."""
    started = time.monotonic()
    location = ServerNetworkLocation(hostname=address, port=port, ip_address=address)
    network = ServerNetworkConfiguration(
        tls_server_name_indication=sni,
        tls_opportunistic_encryption=starttls,
        network_timeout=_network_timeout(context),
        network_max_retries=1,
    )
    request = ServerScanRequest(
        server_location=location, network_configuration=network, scan_commands=set(SCAN_COMMANDS)
    )
    scanner = Scanner(
        per_server_concurrent_connections_limit=CONNECTIONS_PER_ENDPOINT,
        concurrent_server_scans_limit=1,
    )
    scanner.queue_scans([request])
    report = TlsReport()
    for result in scanner.get_results():
        if result.connectivity_status != ServerConnectivityStatusEnum.COMPLETED:
            report.error = str(result.connectivity_error_trace or "TLS handshake failed")[:300]
        elif result.scan_result is not None:
            report.reachable = True
            _read_attempts(report, result.scan_result)
    report.seconds = time.monotonic() - started
    return report


def light_endpoint(
    context: CheckContext, address: str, port: int, *, sni: str, starttls: Any = None
) -> TlsReport:
    """The light probe of `address` (already checked against the scope guard)."""
    started = time.monotonic()
    scan = light_scan(
        context,
        address,
        port,
        sni=sni,
        starttls=starttls,
        timeout=_network_timeout(context),
        classify=cipher_class,
    )
    chains: dict[tuple[bytes, ...], list[x509.Certificate]] = {}
    for shake in scan.first.values():
        if shake.chain:
            prints = tuple(c.fingerprint(hashes.SHA256()) for c in shake.chain)
            chains.setdefault(prints, list(shake.chain))
    return TlsReport(
        reachable=bool(scan.accepted),
        error=scan.error or ("" if scan.accepted else "no TLS handshake accepted"),
        accepted=scan.accepted,
        chains=list(chains.values()),
        heartbleed=scan.heartbleed,
        ccs_injection=scan.ccs_injection,
        seconds=time.monotonic() - started,
        exhaustive=False,
        connections=scan.connections,
    )


def tls_report(context: CheckContext, host: Host, service: Service) -> TlsReport:
    """The endpoint's shared TLS report (light probe, or sslyze's full scan in the `deep`
    policy); raises ScopeViolationError out of scope."""
    address = context.allowed.check(host.address)
    sni = next((name for name in host.hostnames if name), address)
    scan = scan_endpoint if context.policy == "deep" else light_endpoint
    return shared(
        context,
        "tls",
        address,
        service.port,
        lambda: scan(context, address, service.port, sni=sni, starttls=starttls_protocol(service)),
    )


# --- pure analysis of a report ----------------------------------------------------------


def cipher_class(name: str) -> str | None:
    return next((label for label, pattern, _ in CIPHER_CLASSES if pattern.search(name)), None)


def weak_ciphers(accepted: dict[str, list[str]]) -> dict[str, list[str]]:
    """Accepted suites by weak class: {"RC4": ["TLSv1.2 TLS_RSA_WITH_RC4_128_SHA", …]}."""
    found: dict[str, list[str]] = {}
    for protocol, suites in accepted.items():
        for suite in suites:
            label = cipher_class(suite)
            if label:
                found.setdefault(label, []).append(f"{protocol} {suite}")
    return found


def describe_name(name: x509.Name) -> str:
    return name.rfc4514_string() or "(empty name)"


def key_weakness(certificate: x509.Certificate) -> str | None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey) and key.key_size < MIN_RSA_DSA_BITS:
        kind = "RSA" if isinstance(key, rsa.RSAPublicKey) else "DSA"
        return f"{kind} {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.key_size < MIN_EC_BITS:
        return f"EC {key.curve.name} {key.key_size} bits"
    return None


def signature_hash(certificate: x509.Certificate) -> str | None:
    try:
        algorithm = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return algorithm.name if algorithm is not None else None


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """`issuer` signed `certificate` (SHA-1 and MD5 signatures included, which
    cryptography's own check no longer accepts)."""
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return _legacy_signature_valid(certificate, issuer)
    return True


def _legacy_signature_valid(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    key, signature = issuer.public_key(), certificate.signature
    data = certificate.tbs_certificate_bytes
    try:
        algorithm = certificate.signature_hash_algorithm
        if algorithm is None:
            return False
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, algorithm)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def self_signed(certificate: x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer and issued_by(certificate, certificate)


@dataclass(frozen=True)
class TrustRoots:
    fingerprints: frozenset[bytes]
    by_subject: dict[bytes, tuple[x509.Certificate, ...]]
    sources: tuple[str, ...]

    @classmethod
    def build(
        cls, certificates: Iterable[x509.Certificate], sources: tuple[str, ...]
    ) -> TrustRoots:
        by_subject: dict[bytes, list[x509.Certificate]] = {}
        prints = set()
        for certificate in certificates:
            prints.add(certificate.fingerprint(hashes.SHA256()))
            by_subject.setdefault(certificate.subject.public_bytes(), []).append(certificate)
        return cls(frozenset(prints), {k: tuple(v) for k, v in by_subject.items()}, sources)

    def anchors(self, certificate: x509.Certificate) -> bool:
        if certificate.fingerprint(hashes.SHA256()) in self.fingerprints:
            return True
        candidates = self.by_subject.get(certificate.issuer.public_bytes(), ())
        return any(issued_by(certificate, root) for root in candidates)


def _load_pem_file(path: Path) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    try:
        with warnings.catch_warnings():  # a few store roots have negative serial numbers
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return x509.load_pem_x509_certificates(data)
    except ValueError:  # one bad block: load the others one by one
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.S)
        loaded = []
        for block in blocks:
            try:
                loaded.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
        return loaded


def system_store_files() -> list[Path]:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return [Path(candidate)]
    directory = Path(paths.capath or paths.openssl_capath or "/etc/ssl/certs")
    return sorted(p for p in directory.glob("*.pem") if p.is_file()) if directory.is_dir() else []


@functools.lru_cache(maxsize=8)
def trust_roots(extra_ca_file: str = "") -> TrustRoots:
    files = system_store_files() + ([Path(extra_ca_file)] if extra_ca_file else [])
    certificates = [c for path in files for c in _load_pem_file(path)]
    return TrustRoots.build(certificates, tuple(str(p) for p in files))


def chain_trusted(chain: list[x509.Certificate], roots: TrustRoots) -> bool:
    """The chain the server sent leads, by names and signatures, to a trusted root
    (dates, key usages and host names are judged elsewhere, or not at all)."""
    current, pool = chain[0], chain[1:]
    for _ in range(len(chain) + 1):
        if roots.anchors(current):
            return True
        parent = next(
            (
                c
                for c in pool
                if c is not current and c.subject == current.issuer and issued_by(current, c)
            ),
            None,
        )
        if parent is None:
            return False
        current = parent
    return False


def cert_label(certificate: x509.Certificate) -> str:
    params = cert_params(certificate)
    return f"subject {params['subject']} (SHA-256 {params['sha256']}…)"


def cert_params(certificate: x509.Certificate) -> dict[str, str | int]:
    """The parameters that name a certificate in evidence messages: subject, short digest."""
    digest = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()[:16]
    return {"subject": describe_name(certificate.subject), "sha256": digest}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
