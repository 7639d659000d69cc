"""SMB: SMBv1 accepted, message signing not required, shares readable as guest/anonymous.

The SMBv1 and signing probes are raw NEGOTIATE exchanges over guarded sockets (impacket's
isSigningRequired() answers True for every SMB 3.1.1 connection: that is its own client
policy, not the server's SecurityMode). The share check uses impacket, which opens its own
socket: the address is checked with `context.allowed.check()` first and passed as a
literal address (no name resolution, no NetBIOS name query). Share contents are never
read: only the root listing is requested and only the number of entries is kept (file
names can hold patient names).
"""

from __future__ import annotations

import contextlib
import secrets
import struct
from typing import Any

from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

from rempart.engine.checks._stream import open_stream, recv_exact
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

SMB_PORTS = (445, 139)
SMB_SERVICES = ("microsoft-ds", "netbios-ssn", "smb")
SKIPPED_SHARES = frozenset({"IPC$", "PRINT$"})
STYPE_MASK = 0x0FFFFFFF  # share type without the special/temporary bits; 0 = disk


def smb1_negotiate_request() -> bytes:
    """SMB_COM_NEGOTIATE offering the single SMBv1 dialect `NT LM 0.12`."""
    header = (
        b"\xffSMB"
        + bytes([0x72])  # SMB_COM_NEGOTIATE
        + bytes(4)  # status
        + bytes([0x18])  # flags: canonicalized paths, case-insensitive
        + struct.pack("<H", 0xC843)  # flags2: unicode, NT status, ext. security, long names
        + bytes(12)  # PID high, signature, reserved
        + struct.pack("<HHHH", 0, 0xFEFF, 0, 0)  # TID, PID, UID, MID
    )
    dialects = b"\x02NT LM 0.12\x00"
    body = bytes([0]) + struct.pack("<H", len(dialects)) + dialects
    message = header + body
    return struct.pack(">I", len(message)) + message


def smb1_dialect_accepted(reply: bytes) -> bool:
    """True when an SMB1 NEGOTIATE answer selects dialect 0 (`NT LM 0.12`) with success."""
    if len(reply) < 35 or reply[:4] != b"\xffSMB" or reply[4] != 0x72:  # noqa: PLR2004
        return False
    status = struct.unpack("<I", reply[5:9])[0]
    word_count = reply[32]
    return status == 0 and word_count >= 1 and struct.unpack("<H", reply[33:35])[0] == 0


def smb2_negotiate_request() -> bytes:
    """SMB2 NEGOTIATE offering 2.0.2 to 3.1.1 (with the mandatory pre-auth context)."""
    dialects = (0x0202, 0x0210, 0x0300, 0x0302, 0x0311)
    header = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, b"")
    offset = 64 + 36 + 2 * len(dialects)
    padding = bytes(-offset % 8)
    body = struct.pack(
        "<HHHHI16sIHH",
        36,
        len(dialects),
        0x01,  # signing enabled (what every client says), not required
        0,
        0,
        secrets.token_bytes(16),
        offset + len(padding),
        1,
        0,
    ) + struct.pack(f"<{len(dialects)}H", *dialects)
    salt = secrets.token_bytes(32)
    preauth = struct.pack("<HHHH", 1, len(salt), 1, 0x0001) + salt  # SHA-512
    context = struct.pack("<HHI", 0x0001, len(preauth), 0) + preauth
    message = header + body + padding + context
    return struct.pack(">I", len(message)) + message


def smb2_security_mode(reply: bytes) -> tuple[int, int] | None:
    """(dialect, SecurityMode) of a successful SMB2 NEGOTIATE answer, else None."""
    if len(reply) < 70 or reply[:4] != b"\xfeSMB":  # noqa: PLR2004
        return None
    status, command = struct.unpack("<IH", reply[8:14])
    if status != 0 or command != 0:
        return None
    mode, dialect = struct.unpack("<HH", reply[66:70])
    return dialect, mode


def _negotiate(context: CheckContext, address: str, port: int, request: bytes) -> bytes:
    """One NEGOTIATE exchange on a fresh guarded connection; b"" when nothing came back."""
    try:
        with open_stream(context, address, port) as sock:
            sock.sendall(request)
            length = struct.unpack(">I", recv_exact(sock, 4))[0] & 0x00FFFFFF
            return recv_exact(sock, min(length, 4096))
    except OSError:
        return b""


SMB2_SIGNING_REQUIRED, SMB1_SIGNATURES_REQUIRED = 0x02, 0x08
SMB2_DIALECTS = {
    0x0202: "SMB 2.0.2",
    0x0210: "SMB 2.1",
    0x0300: "SMB 3.0",
    0x0302: "SMB 3.0.2",
    0x0311: "SMB 3.1.1",
}


def signing_mode(context: CheckContext, address: str, port: int) -> tuple[str, bool] | None:
    """(dialect name, signing required) from SMB2 negotiation, else from SMB1; None if
    the port answers neither."""
    smb2 = smb2_security_mode(_negotiate(context, address, port, smb2_negotiate_request()))
    if smb2 is not None:
        dialect, mode = smb2
        name = SMB2_DIALECTS.get(dialect, f"SMB2 dialect 0x{dialect:04x}")
        return name, bool(mode & SMB2_SIGNING_REQUIRED)
    reply = _negotiate(context, address, port, smb1_negotiate_request())
    if smb1_dialect_accepted(reply) and len(reply) > 35:  # noqa: PLR2004
        return "SMB 1 (NT LM 0.12)", bool(reply[35] & SMB1_SIGNATURES_REQUIRED)
    return None


def _smb_connection(context: CheckContext, address: str, port: int) -> Any:
    """An impacket connection to the already-checked literal `address` (raises on failure)."""
    checked = context.allowed.check(address)
    return SMBConnection(checked, checked, sess_port=port, timeout=context.timeout)


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):  # closing a dead impacket connection can raise anything
        connection.close()


class _SmbCheck(Check):
    ports = SMB_PORTS
    services = SMB_SERVICES


@register
class SmbV1Enabled(_SmbCheck):
    id = "smb.v1-enabled"
    title = "SMBv1 protocol accepted"
    description = (
        "The server still accepts the SMB version 1 dialect (NT LM 0.12), the protocol "
        "exploited by EternalBlue/WannaCry and NotPetya. SMBv1 has no protection against "
        "downgrade and relay attacks and is deprecated by Microsoft and ANSSI."
    )
    remediation = (
        "Disable SMBv1 (Windows: Set-SmbServerConfiguration -EnableSMB1Protocol $false; "
        "Samba: server min protocol = SMB2_10 or higher) after checking that no old device "
        "(scanner, modality, NAS) still depends on it."
    )
    severity = "high"
    references = (
        "https://learn.microsoft.com/en-us/windows-server/storage/file-server/troubleshoot/detect-enable-and-disable-smbv1-v2-v3",
        "https://msrc.microsoft.com/update-guide/vulnerability/CVE-2017-0144",
    )

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            with open_stream(context, host.address, service.port) as sock:
                sock.sendall(smb1_negotiate_request())
                length = struct.unpack(">I", recv_exact(sock, 4))[0] & 0x00FFFFFF
                reply = recv_exact(sock, min(length, 4096))
        except OSError:
            return []
        if not smb1_dialect_accepted(reply):
            return []
        evidence = msg("smb.smb1")
        return [self.finding(host, service, evidence=evidence)]


@register
class SmbSigningNotRequired(_SmbCheck):
    id = "smb.signing-not-required"
    title = "SMB message signing not required"
    description = (
        "The SMB server does not require message signing: an attacker on the network can "
        "relay NTLM authentications to it (SMB relay) or tamper with the traffic."
    )
    remediation = (
        "Require signing (Windows GPO 'Microsoft network server: Digitally sign communications "
        "(always)'; Samba: server signing = mandatory)."
    )
    severity = "medium"
    references = (
        "https://learn.microsoft.com/en-us/windows-server/storage/file-server/smb-signing-overview",
    )

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        mode = signing_mode(context, host.address, service.port)
        if mode is None or mode[1]:
            return []
        evidence = msg("smb.signing_not_required", dialect=mode[0])
        return [self.finding(host, service, evidence=evidence)]


def _guest_session(context: CheckContext, address: str, port: int) -> tuple[Any, str] | None:
    """A logged-in anonymous (null) or guest session, with its label; None when refused."""
    for user, label in (("", "anonymous (null session)"), ("guest", "guest account")):
        try:
            connection = _smb_connection(context, address, port)
        except Exception:
            return None
        try:
            connection.login(user, "")
        except Exception:
            _close(connection)
            continue
        return connection, label
    return None


def _disk_shares(connection: Any) -> list[str]:
    names = []
    for share in connection.listShares():
        name = str(share["shi1_netname"]).rstrip("\x00")
        if name.upper() not in SKIPPED_SHARES and int(share["shi1_type"]) & STYPE_MASK == 0:
            names.append(name)
    return names


def _root_entries(connection: Any, share: str) -> int | None:
    """Number of entries in the share's root listing, or None when listing is refused."""
    try:
        entries = connection.listPath(share, "*")
    except Exception:
        return None
    return sum(1 for entry in entries if entry.get_longname() not in (".", ".."))


@register
class SmbGuestShareAccess(_SmbCheck):
    id = "smb.guest-share-access"
    title = "SMB share readable without credentials"
    description = (
        "An anonymous (null) or guest session can list this share's content: anyone on the "
        "network can read the files it holds, often exports, scans or backups with patient data."
    )
    remediation = (
        "Remove guest access from the share (Samba: guest ok = no, map to guest = never; "
        "Windows: remove Everyone/Guest/ANONYMOUS LOGON from share and NTFS permissions) and "
        "restrict it to the groups that need it."
    )
    severity = "high"
    references = ("https://cwe.mitre.org/data/definitions/284.html",)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        session = _guest_session(context, host.address, service.port)
        if session is None:
            return []
        connection, label = session
        findings = []
        try:
            for share in _disk_shares(connection):
                if context.should_stop():
                    break
                count = _root_entries(connection, share)
                if count is None:
                    continue
                evidence = msg("smb.share_readable", session_term=label, share=share, count=count)
                findings.append(self.finding(host, service, evidence=evidence, key=share))
        except Exception:  # (share enumeration refused: nothing to report)
            return findings
        finally:
            _close(connection)
        return findings
