"""SSH: protocol 1, and weak algorithms read from the server's KEXINIT.

One connection through the scope guard per SSH service: the identification string, the
server's KEXINIT, then (when the server offers an RSA host key) the start of a key
exchange, only far enough to receive the host key and measure it; nothing is
authenticated.

The list of weak algorithms is deliberately narrower than ssh-audit's, so that a finding
always means a configuration to change: what a stock, maintained OpenSSH offers (NIST
curves, umac-64, hmac-sha1, diffie-hellman-group14-sha1) is not reported. Reported:
- kex: diffie-hellman-group1-sha1, diffie-hellman-group-exchange-sha1, rsa1024-sha1 and
  their GSS-API variants (RFC 9142 "SHOULD NOT");
- key: ssh-dss, ssh-rsa (SHA-1 signatures; off by default since OpenSSH 8.8) and their
  certificates, RSA host keys under 2048 bits;
- enc: none, DES, 3DES, RC4 (arcfour*) and every CBC-mode cipher;
- mac: none, hmac-md5*, hmac-sha1-96*.
"""

from __future__ import annotations

import os
import re
import socket
import struct
from dataclasses import dataclass, field
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from rempart.engine.checks._net import printable, shared
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg
from rempart.engine.targets import ScopeViolationError

MIN_RSA_BITS = 2048

# --- SSH transport, only as far as the host key (RFC 4253, RFC 5656, RFC 8731) -----------

MSG_KEXINIT, MSG_KEX_INIT, MSG_KEX_REPLY = 20, 30, 31
CLIENT_BANNER = b"SSH-2.0-Rempart_Scanner\r\n"
MAX_PACKET = 256 * 1024
# Oakley group 2 (RFC 2409) and the 2048-bit MODP group 14 (RFC 3526), generator 2.
GROUP1_PRIME = int(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff",
    16,
)
GROUP14_PRIME = int(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff",
    16,
)
KEX_METHODS = (
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group1-sha1",
)

# Algorithm kind -> (exact names, name patterns), with the reason shown in the evidence.
# Key exchanges: RFC 9142's "SHOULD NOT" list (group14-sha1, a "MAY", is not reported).
WEAK_KEX = {
    "diffie-hellman-group1-sha1": "1024-bit group, SHA-1",
    "diffie-hellman-group-exchange-sha1": "SHA-1",
    "rsa1024-sha1": "1024-bit RSA, SHA-1",
}
WEAK_KEX_PATTERNS = ((re.compile(r"^gss-(group1|gex)-sha1-"), "GSS-API, SHA-1"),)
WEAK_KEY = {
    "ssh-dss": "DSA, 1024 bits",
    "ssh-dss-cert-v01@openssh.com": "DSA, 1024 bits",
    "ssh-rsa": "RSA signatures with SHA-1",
    "ssh-rsa-cert-v01@openssh.com": "RSA signatures with SHA-1",
    "x509v3-sign-dss": "DSA",
}
WEAK_ENC = {
    "none": "no encryption",
    "des": "DES",
    "3des": "3DES",
    "des-cbc@ssh.com": "DES",
}
WEAK_ENC_PATTERNS = (
    (re.compile(r"^arcfour"), "RC4"),
    (re.compile(r"^3des-"), "3DES, 64-bit block"),
    (re.compile(r"(^|-)cbc(@|$)"), "CBC mode"),
)
WEAK_MAC = {"none": "no integrity"}
WEAK_MAC_PATTERNS = (
    (re.compile(r"^hmac-md5"), "MD5"),
    (re.compile(r"^hmac-sha1-96"), "truncated SHA-1"),
)
KIND_LABELS = {"kex": "key exchange", "key": "host key", "enc": "cipher", "mac": "MAC"}


def _string(data: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", data, offset)
    end = offset + 4 + length
    if end > len(data):
        raise ValueError("truncated SSH string")
    return data[offset + 4 : end], end


def _put_string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _put_mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return _put_string(raw)


def _names(value: list[str]) -> bytes:
    return _put_string(",".join(value).encode())


def packet(payload: bytes) -> bytes:
    """An unencrypted binary packet (block size 8, at least 4 bytes of padding)."""
    padding = 8 - (5 + len(payload)) % 8
    padding += 8 if padding < 4 else 0  # noqa: PLR2004
    return struct.pack(">IB", 1 + len(payload) + padding, padding) + payload + bytes(padding)


class Reader:
    """Buffered reads of the identification string, then of unencrypted packets."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self, size: int) -> None:
        while len(self.buffer) < size:
            chunk = self.sock.recv(8192)
            if not chunk:
                raise ValueError("connection closed by the server")
            self.buffer += chunk

    def banner(self) -> str:
        """The `SSH-` line (RFC 4253 lets a server send other lines before it)."""
        for _ in range(20):
            while b"\n" not in self.buffer:
                if len(self.buffer) >= 1024:  # noqa: PLR2004
                    return ""
                chunk = self.sock.recv(1024)
                if not chunk:
                    return self.buffer.decode("latin-1").strip()
                self.buffer += chunk
            line, _, self.buffer = self.buffer.partition(b"\n")
            if line.startswith(b"SSH-"):
                return line.decode("latin-1").strip()
        return ""

    def packet(self) -> bytes:
        self._fill(5)
        length, padding = struct.unpack(">IB", self.buffer[:5])
        if not 5 <= length <= MAX_PACKET or padding >= length:  # noqa: PLR2004
            raise ValueError("not an SSH binary packet")
        self._fill(4 + length)
        payload = self.buffer[5 : 4 + length - padding]
        self.buffer = self.buffer[4 + length :]
        return payload


KEXINIT_FIELDS = ("kex", "key", "enc_cs", "enc_sc", "mac_cs", "mac_sc", "comp_cs", "comp_sc")


def parse_kexinit(payload: bytes) -> dict[str, list[str]]:
    """The server's name-lists; `enc` and `mac` merge both directions."""
    if payload[:1] != bytes([MSG_KEXINIT]):
        raise ValueError("the first packet is not a KEXINIT")
    offset, lists = 17, {}
    for name in KEXINIT_FIELDS:
        raw, offset = _string(payload, offset)
        lists[name] = [item for item in raw.decode("ascii", "replace").split(",") if item]
    for kind in ("enc", "mac"):
        lists[kind] = list(dict.fromkeys(lists[f"{kind}_cs"] + lists[f"{kind}_sc"]))
    return lists


def only_protocol_1(banner: str) -> bool:
    return banner.startswith("SSH-1.") and not banner.startswith("SSH-1.99-")


def offers_protocol_1(banner: str) -> bool:
    return banner.startswith("SSH-1.")


def pick_kex(offered: list[str]) -> str | None:
    return next((method for method in KEX_METHODS if method in offered), None)


def client_kexinit(method: str, host_keys: list[str], server: dict[str, list[str]]) -> bytes:
    """A KEXINIT that can only agree on `method` and an RSA host key (the server's own
    cipher, MAC and compression lists are echoed so that negotiation succeeds)."""
    lists = [[method], host_keys] + [server[name] for name in KEXINIT_FIELDS[2:]]
    body = b"".join(_names(names) for names in lists) + _names([]) + _names([])
    return bytes([MSG_KEXINIT]) + os.urandom(16) + body + b"\x00" + bytes(4)


def kex_init_message(method: str) -> bytes:
    """SSH_MSG_KEX_ECDH_INIT / SSH_MSG_KEXDH_INIT with a fresh ephemeral key."""
    if method.startswith("curve25519"):
        public = X25519PrivateKey.generate().public_key().public_bytes_raw()
        return bytes([MSG_KEX_INIT]) + _put_string(public)
    if method.startswith("ecdh-sha2-nistp"):
        curve = {"256": ec.SECP256R1(), "384": ec.SECP384R1(), "521": ec.SECP521R1()}[method[-3:]]
        point = (
            ec.generate_private_key(curve)
            .public_key()
            .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        )
        return bytes([MSG_KEX_INIT]) + _put_string(point)
    prime = GROUP1_PRIME if "group1-" in method else GROUP14_PRIME
    exponent = int.from_bytes(os.urandom(32), "big") | 1
    return bytes([MSG_KEX_INIT]) + _put_mpint(pow(2, exponent, prime))


def rsa_key_bits(blob: bytes) -> int | None:
    """Modulus size of an `ssh-rsa` public key blob (None for other key types)."""
    kind, offset = _string(blob, 0)
    if kind != b"ssh-rsa":
        return None
    _, offset = _string(blob, offset)  # public exponent
    modulus, _ = _string(blob, offset)
    return int.from_bytes(modulus, "big").bit_length()


@dataclass
class SshProbe:
    banner: str = ""
    kexinit: dict[str, list[str]] = field(default_factory=dict)
    rsa_bits: int | None = None
    error: str = ""


def _classify(
    names: list[str], exact: dict[str, str], patterns: tuple[tuple[re.Pattern[str], str], ...]
) -> list[str]:
    weak = []
    for name in names:
        reason = exact.get(name) or next((why for rx, why in patterns if rx.search(name)), None)
        if reason:
            weak.append(f"{name} ({reason})")
    return weak


def weak_algorithms(probe: SshProbe) -> dict[str, list[str]]:
    """Weak algorithms by kind (`kex`, `key`, `enc`, `mac`); empty kinds are left out."""
    lists = probe.kexinit
    found = {
        "kex": _classify(lists.get("kex", []), WEAK_KEX, WEAK_KEX_PATTERNS),
        "key": _classify(lists.get("key", []), WEAK_KEY, ()),
        "enc": _classify(lists.get("enc", []), WEAK_ENC, WEAK_ENC_PATTERNS),
        "mac": _classify(lists.get("mac", []), WEAK_MAC, WEAK_MAC_PATTERNS),
    }
    if probe.rsa_bits is not None and probe.rsa_bits < MIN_RSA_BITS:
        found["key"].append(f"RSA host key of {probe.rsa_bits} bits (< {MIN_RSA_BITS})")
    return {kind: names for kind, names in found.items() if names}


def _probe(context: CheckContext, address: str, port: int) -> SshProbe:
    probe = SshProbe()
    try:
        with context.allowed.tcp_connect(address, port, context.timeout) as sock:
            sock.settimeout(context.timeout)
            reader = Reader(sock)
            probe.banner = reader.banner()
            if not probe.banner.startswith("SSH-") or only_protocol_1(probe.banner):
                return probe
            sock.sendall(CLIENT_BANNER)
            probe.kexinit = parse_kexinit(reader.packet())
            probe.rsa_bits = _rsa_bits(sock, reader, probe.kexinit)
    except ScopeViolationError:
        raise
    except (OSError, ValueError, KeyError, struct.error) as exc:
        probe.error = f"{type(exc).__name__}: {exc}"[:200]
    return probe


def _rsa_bits(sock: socket.socket, reader: Reader, kexinit: dict[str, list[str]]) -> int | None:
    """Start a key exchange restricted to RSA host keys and measure the key received."""
    rsa: list[str] = [
        a for a in ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") if a in kexinit.get("key", [])
    ]
    method = pick_kex(kexinit.get("kex", []))
    if not rsa or method is None:
        return None
    sock.sendall(packet(client_kexinit(method, rsa, kexinit)))
    sock.sendall(packet(kex_init_message(method)))
    for _ in range(4):  # skip what a server may send before its reply (IGNORE, DEBUG)
        payload = reader.packet()
        if payload[:1] == bytes([MSG_KEX_REPLY]):
            return rsa_key_bits(_string(payload, 1)[0])
    return None


def ssh_probe(context: CheckContext, host: Host, service: Service) -> SshProbe:
    return shared(
        context,
        "ssh",
        host.address,
        service.port,
        lambda: _probe(context, host.address, service.port),
    )


class _SshCheck(Check):
    ports = (22, 2222)
    services = ("ssh",)
    references: ClassVar[tuple[str, ...]] = (
        "https://www.rfc-editor.org/rfc/rfc9142.html",
        "https://www.rfc-editor.org/rfc/rfc8758.html",
        "https://www.openssh.com/txt/release-8.8",
    )


@register
class SshProtocol1(_SshCheck):
    id = "ssh.protocol-1"
    title = "SSH protocol 1 offered"
    description = (
        "The server accepts SSH protocol 1, broken since 2001 (session hijacking, CRC-32 "
        "compensation attack, weak integrity): traffic and credentials can be recovered."
    )
    remediation = (
        "Allow protocol 2 only (OpenSSH: remove 'Protocol 1'; any release since 7.4 no longer "
        "supports it) or update the device's firmware."
    )
    severity = "high"
    references = (
        "https://www.kb.cert.org/vuls/id/945216",
        "https://www.openssh.com/txt/release-7.4",
    )

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            probe = ssh_probe(context, host, service)
        except ScopeViolationError:
            return []
        if not offers_protocol_1(probe.banner):
            return []
        evidence = msg("ssh.protocol1", banner=printable(probe.banner.encode()))
        return [self.finding(host, service, evidence=evidence)]


@register
class SshWeakAlgorithms(_SshCheck):
    id = "ssh.weak-algorithms"
    title = "Weak SSH algorithms offered"
    title_template = "Weak SSH %(kind_term)s algorithms offered"
    description = (
        "The SSH server offers obsolete algorithms: key exchanges with 1024-bit groups or "
        "SHA-1, DSA or SHA-1 RSA host key signatures, RSA host keys under 2048 bits, CBC, "
        "RC4 or 3DES ciphers, MD5 or truncated MACs. A client that negotiates them is open "
        "to downgrade, decryption or forgery attacks. Algorithms that a maintained OpenSSH "
        "enables by default (NIST curves, umac-64, hmac-sha1) are not reported."
    )
    remediation = (
        "Remove the listed algorithms from KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs "
        "(or go back to the distribution's defaults), replace DSA and short RSA host keys "
        "(ssh-keygen -t ed25519, or RSA of 3072 bits) and restart the service."
    )
    severity = "medium"

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            probe = ssh_probe(context, host, service)
        except ScopeViolationError:
            return []
        findings = []
        for kind, names in weak_algorithms(probe).items():
            label = KIND_LABELS[kind]
            findings.append(
                self.finding(
                    host,
                    service,
                    key=kind,
                    evidence=msg("ssh.weak_algorithms", kind_term=label, names=", ".join(names)),
                    title_params={"kind_term": label},
                )
            )
        return findings
