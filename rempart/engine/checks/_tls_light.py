"""Light TLS probe for the `standard` policy: a few sequential handshakes per endpoint.

sslyze's full scan (`deep` policy) opens about 550 connections per endpoint: one handshake
per cipher suite of every protocol, plus ROBOT and renegotiation. Fragile devices (infusion
pumps, imaging modalities) must not take that in a routine scan. This probe opens one
connection at a time, each through the scope guard (`AllowedSet.tcp_connect`):

1. one handshake per protocol version (TLS 1.2, 1.3, 1.1, 1.0, SSL 3, SSL 2), offering
   every suite nassl's OpenSSL builds know, anonymous and NULL ones last (the legacy
   OpenSSL for SSL 2/3 and TLS 1.0/1.1);
2. weak cipher classes by elimination: for each accepted protocol (TLS 1.2 always, as the
   modern OpenSSL of its first handshake may not negotiate weak suites), one handshake offering
   only the suites of the weak classes not found yet; the suite the server picks names a
   class, which leaves the list, and the handshake is repeated until the server refuses.
   Each class is found once (on the highest protocol that accepts it), at most six times
   in all, plus one refusal per protocol;
3. Heartbleed and CCS injection: sslyze's own probe, once each, on the highest protocol
   when it is below TLS 1.3 (sslyze does not test them otherwise either).

The certificate chains are those of the protocol handshakes (no extra connection). A
handshake the server interrupts to ask for a client certificate counts as accepted.
The probe stops at once when the endpoint refuses a connection or its STARTTLS exchange,
after a few handshake timeouts, when the scan is stopped, or at `MAX_CONNECTIONS`.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from nassl._nassl import OpenSSLError
from nassl.legacy_ssl_client import LegacySslClient
from nassl.ssl_client import (
    BaseSslClient,
    ClientCertificateRequested,
    OpenSslVerifyEnum,
    OpenSslVersionEnum,
    SslClient,
)
from sslyze.connection_helpers.opportunistic_tls_helpers import (
    OpportunisticTlsError,
    ProtocolWithOpportunisticTlsEnum,
    get_opportunistic_tls_helper,
)
from sslyze.plugins.heartbleed_plugin import (
    _do_handshake_with_heartbleed,
    _NotVulnerableToHeartbleed,
    _VulnerableToHeartbleed,
)
from sslyze.plugins.openssl_ccs_injection_plugin import (
    _do_handshake_with_ccs_injection,
    _NotVulnerableToCcsInjection,
    _VulnerableToCcsInjection,
)
from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository
from sslyze.server_connectivity import TlsVersionEnum

from rempart.engine.checks.base import CheckContext

MAX_CONNECTIONS = 30  # hard cap per endpoint (a fully weak SSL 2 to TLS 1.2 server needs 19)
MAX_TIMEOUTS = 3  # handshakes left unanswered before the probe gives up on the endpoint
SMTP_EHLO_NAME = "sslyze.scan"  # what sslyze's full scan says, so that logs look alike
LEGACY_ALL = "ALL:COMPLEMENTOFALL:-PSK:-SRP"
# Protocol handshakes offer every suite, those without authentication or encryption last
# (a server that follows the client's order then shows its certificate).
PROTOCOL_ALL = LEGACY_ALL + ":+aNULL:+eNULL"
MODERN_ALL = PROTOCOL_ALL + ":@SECLEVEL=0"


@dataclass(frozen=True)
class Version:
    label: str
    nassl: OpenSslVersionEnum
    sslyze: TlsVersionEnum
    legacy: bool  # the first handshake uses nassl's legacy OpenSSL (1.0.2)
    ciphers: str


# Probe order: the likeliest first, so that an endpoint that is not TLS at all costs one
# connection; SSL 2 last (its hello is another record format).
VERSIONS = (
    Version("TLSv1.2", OpenSslVersionEnum.TLSV1_2, TlsVersionEnum.TLS_1_2, False, MODERN_ALL),
    Version("TLSv1.3", OpenSslVersionEnum.TLSV1_3, TlsVersionEnum.TLS_1_3, False, ""),
    Version("TLSv1.1", OpenSslVersionEnum.TLSV1_1, TlsVersionEnum.TLS_1_1, True, PROTOCOL_ALL),
    Version("TLSv1.0", OpenSslVersionEnum.TLSV1, TlsVersionEnum.TLS_1_0, True, PROTOCOL_ALL),
    Version("SSLv3", OpenSslVersionEnum.SSLV3, TlsVersionEnum.SSL_3_0, True, PROTOCOL_ALL),
    Version("SSLv2", OpenSslVersionEnum.SSLV2, TlsVersionEnum.SSL_2_0, True, "ALL:COMPLEMENTOFALL"),
)
# Weak classes are probed from the highest protocol down (TLS 1.3 has no weak suite).
WEAK_ORDER = ("TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2")
UNKNOWN_SUITE = "suite not told (client certificate requested)"
# OpenSSL errors of our client that follow the server's choice of suite: accepted.
ACCEPTED_ERRORS = ("dh key too small", "tls client cert req with anon cipher")


class EndpointUnreachableError(Exception):
    """The endpoint refused a connection or STARTTLS, or stopped answering: stop probing."""


@dataclass(frozen=True)
class Handshake:
    """One accepted handshake: the suite (OpenSSL and RFC names) and the chain sent."""

    openssl_name: str
    suite: str
    chain: tuple[x509.Certificate, ...]
    legacy: bool


@dataclass
class LightScan:
    """What the light probe saw (converted to a `TlsReport` by `_tls`)."""

    accepted: dict[str, list[str]] = field(default_factory=dict)  # protocol -> suites seen
    first: dict[str, Handshake] = field(default_factory=dict)  # protocol -> first handshake
    weak_found: set[str] = field(default_factory=set)
    heartbleed: bool | None = None
    ccs_injection: bool | None = None
    connections: int = 0
    error: str = ""


def suite_name(version: TlsVersionEnum, openssl_name: str) -> str:
    """The RFC name sslyze reports for an OpenSSL suite name (the OpenSSL one if unknown)."""
    try:
        return CipherSuitesRepository.get_cipher_suite_with_openssl_name(version, openssl_name).name
    except ValueError:
        return openssl_name


@functools.cache
def weak_suites(version: TlsVersionEnum, classify: Callable[[str], str | None]) -> dict[str, str]:
    """The weak suites nassl's legacy OpenSSL can offer for `version`: OpenSSL name -> class."""
    client = LegacySslClient(
        ssl_version=OpenSslVersionEnum(version.value), ssl_verify=OpenSslVerifyEnum.NONE
    )
    client.set_cipher_list(LEGACY_ALL if version != TlsVersionEnum.SSL_2_0 else "ALL")
    offered = client.get_cipher_list()
    names = {s.openssl_name: s.name for s in CipherSuitesRepository.get_all_cipher_suites(version)}
    found = {name: classify(names[name]) for name in offered if name in names}
    return {name: label for name, label in found.items() if label is not None}


def _load_chain(pems: list[str]) -> tuple[x509.Certificate, ...]:
    chain = []
    for pem in pems:
        with contextlib.suppress(ValueError):
            chain.append(x509.load_pem_x509_certificate(pem.encode()))
    return tuple(chain)


class LightProbe:
    """Sequential handshakes against one endpoint whose address the guard accepted."""

    def __init__(
        self,
        context: CheckContext,
        address: str,
        port: int,
        *,
        sni: str,
        starttls: ProtocolWithOpportunisticTlsEnum | None,
        timeout: float,
    ) -> None:
        self.context, self.address, self.port = context, address, port
        self.sni, self.starttls, self.timeout = sni, starttls, timeout
        self.scan = LightScan()
        self.timeouts = 0

    # --- connections ------------------------------------------------------------------

    def _open(self) -> socket.socket:
        if self.context.should_stop():
            raise EndpointUnreachableError("scan stopped")
        if self.scan.connections >= MAX_CONNECTIONS:
            raise EndpointUnreachableError(f"connection budget ({MAX_CONNECTIONS}) spent")
        self.scan.connections += 1
        try:
            sock = self.context.allowed.tcp_connect(self.address, self.port, self.timeout)
        except OSError as exc:
            raise EndpointUnreachableError(f"TCP connection failed: {exc}") from exc
        if self.starttls is not None:
            helper = get_opportunistic_tls_helper(self.starttls, self.sni, SMTP_EHLO_NAME)
            try:
                helper.prepare_socket_for_tls_handshake(sock)
            except (OpportunisticTlsError, OSError) as exc:
                sock.close()
                raise EndpointUnreachableError(f"STARTTLS refused: {exc}") from exc
        return sock

    @contextlib.contextmanager
    def _client(
        self, version: OpenSslVersionEnum, *, legacy: bool, ciphers: str, sni: bool
    ) -> Iterator[BaseSslClient]:
        kind = LegacySslClient if legacy else SslClient
        client = kind(ssl_version=version, ssl_verify=OpenSslVerifyEnum.NONE)
        if version == OpenSslVersionEnum.TLSV1_3:
            client.set_cipher_list("DEFAULT:@SECLEVEL=0")  # any certificate key size
        elif ciphers:
            client.set_cipher_list(ciphers)
        if sni and version != OpenSslVersionEnum.SSLV2:
            client.set_tlsext_host_name(self.sni)
        client.set_underlying_socket(self._open())
        try:
            yield client
        finally:
            with contextlib.suppress(OSError, OpenSSLError):
                client.shutdown()
            sock = client.get_underlying_socket()
            if sock is not None:
                sock.close()

    def handshake(self, version: Version, *, legacy: bool, ciphers: str) -> Handshake | None:
        """One handshake; None when the server refuses it."""
        with self._client(version.nassl, legacy=legacy, ciphers=ciphers, sni=True) as client:
            try:
                client.do_handshake()
            except ClientCertificateRequested:
                # accepted, then a client certificate was asked for (the modern OpenSSL
                # does not tell the suite at that point)
                return self._accepted(version, client, legacy, UNKNOWN_SUITE)
            except TimeoutError:
                self.timeouts += 1
                if self.timeouts >= MAX_TIMEOUTS:
                    raise EndpointUnreachableError("handshakes time out") from None
                return None
            except OpenSSLError as exc:
                if not any(error in str(exc) for error in ACCEPTED_ERRORS):
                    return None
            except OSError:
                return None  # closed or reset during the handshake: refused
            return self._accepted(version, client, legacy, None)

    @staticmethod
    def _accepted(
        version: Version, client: BaseSslClient, legacy: bool, fallback: str | None
    ) -> Handshake | None:
        try:
            openssl_name = client.get_current_cipher_name() or ""
        except OpenSSLError:
            openssl_name = ""
        if openssl_name in ("", "(NONE)"):
            if fallback is None:
                return None
            openssl_name, suite = "", fallback
        else:
            suite = suite_name(version.sslyze, openssl_name)
        try:
            chain = _load_chain(client.get_received_chain())
        except (ValueError, OpenSSLError):  # anonymous suites: no certificate
            chain = ()
        return Handshake(openssl_name, suite, chain, legacy)

    # --- the three stages -------------------------------------------------------------

    def _record(self, version: Version, shake: Handshake, label: str | None) -> None:
        self.scan.first.setdefault(version.label, shake)
        suites = self.scan.accepted.setdefault(version.label, [])
        if shake.suite not in suites:
            suites.append(shake.suite)
        if label is not None:
            self.scan.weak_found.add(label)

    def protocols(self, classify: Callable[[str], str | None]) -> None:
        for version in VERSIONS:
            shake = self.handshake(version, legacy=version.legacy, ciphers=version.ciphers)
            if shake is not None:
                self._record(version, shake, classify(shake.suite))

    def weak_classes(self, classify: Callable[[str], str | None]) -> None:
        versions = {v.label: v for v in VERSIONS}
        for label in WEAK_ORDER:
            version = versions[label]
            if label not in self.scan.accepted and label != "TLSv1.2":
                continue
            table = weak_suites(version.sslyze, classify)
            while offered := [n for n, c in table.items() if c not in self.scan.weak_found]:
                shake = self.handshake(version, legacy=True, ciphers=":".join(offered))
                found = classify(shake.suite) if shake is not None else None
                if shake is None or found is None or found in self.scan.weak_found:
                    break  # refused (or a suite we did not offer: never loop)
                self._record(version, shake, found)

    def _flaw(
        self, hijack: Callable[..., Any], vulnerable: type[Exception], safe: type[Exception]
    ) -> bool | None:
        """sslyze's Heartbleed or CCS-injection handshake, once, on the highest protocol;
        None when the server answers neither way (as sslyze's scan command error)."""
        version = next(v for v in VERSIONS if v.label == self.highest())
        shake = self.scan.first[version.label]
        ciphers = (shake.openssl_name or version.ciphers) + ("" if shake.legacy else ":@SECLEVEL=0")
        with self._client(version.nassl, legacy=shake.legacy, ciphers=ciphers, sni=False) as client:
            try:
                types.MethodType(hijack, client)()
            except vulnerable:
                return True
            except safe:
                return False
            except Exception:  # an answer sslyze's parser does not expect
                return None
        return None  # pragma: no cover - sslyze's probes always end with an exception

    def highest(self) -> str | None:
        accepted = [v for v in VERSIONS if v.label in self.scan.accepted]
        return max(accepted, key=lambda v: v.nassl.value).label if accepted else None

    def flaws(self) -> None:
        highest = self.highest()
        if highest is None:
            return
        if highest == "TLSv1.3":  # like sslyze: neither flaw exists in TLS 1.3 stacks
            self.scan.heartbleed = self.scan.ccs_injection = False
            return
        self.scan.heartbleed = self._flaw(
            _do_handshake_with_heartbleed, _VulnerableToHeartbleed, _NotVulnerableToHeartbleed
        )
        self.scan.ccs_injection = self._flaw(
            _do_handshake_with_ccs_injection,
            _VulnerableToCcsInjection,
            _NotVulnerableToCcsInjection,
        )


def light_scan(
    context: CheckContext,
    address: str,
    port: int,
    *,
    sni: str,
    starttls: ProtocolWithOpportunisticTlsEnum | None,
    timeout: float,
    classify: Callable[[str], str | None],
) -> LightScan:
    """Probe `address` (already checked against the scope guard); never raises for
    network failures (the reason is in `error`)."""
    probe = LightProbe(context, address, port, sni=sni, starttls=starttls, timeout=timeout)
    try:
        probe.protocols(classify)
        probe.weak_classes(classify)
        probe.flaws()
    except EndpointUnreachableError as exc:
        probe.scan.error = str(exc)
    return probe.scan
