"""The engine's check titles, descriptions and remediations in the user's language.

The engine names its checks in English (`rempart.engine.checks`); this mapping by check id
makes those texts translatable (French in locale/fr). A title that names something (a
protocol, a product) is `title_with` filled with the finding's `title_params`. A test keeps
the English here equal to the engine's (rempart/scanning/tests/test_message_codes.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rempart.engine.checks import load_all
from rempart.scanning.problems import render_params


@dataclass(frozen=True)
class CheckTexts:
    """What the interface says about one check."""

    title: Promise
    description: Promise
    remediation: Promise
    title_with: Promise | None = None


CHECKS: dict[str, CheckTexts] = {
    "cleartext.r-services": CheckTexts(
        title=_("BSD r-services (rexec, rlogin, rsh) exposed"),
        description=_(
            "A BSD r-service answers: rexec sends passwords in clear text, and rlogin and "
            "rsh trust the client's address and user name (.rhosts), which anyone on the "
            "network can forge."
        ),
        remediation=_(
            "Disable rexecd, rlogind and rshd (inetd/xinetd or systemd sockets) and use SSH "
            "instead."
        ),
    ),
    "db.default-credentials": CheckTexts(
        title=_("Database account with a default password"),
        description=_(
            "A database administrative account accepts a well-known default password. Tried "
            "only in the deep policy, at most three passwords per account, and never again "
            "on an account after an answer that could mean a lockout."
        ),
        remediation=_(
            "Change the password to a strong, unique one stored in the establishment's "
            "vault, and restrict network access to the database port."
        ),
    ),
    "dicom.any-aet-accepted": CheckTexts(
        title=_("DICOM service accepts any called AE title"),
        description=_(
            "The DICOM SCP accepted an association addressed to a random AE title it cannot "
            "be configured with: it does not check who it is talking to, so any machine on "
            "the network can query, retrieve or push images and patient data (C-FIND, "
            "C-MOVE, C-STORE) once it knows the port."
        ),
        remediation=_(
            "Configure the PACS/modality to accept only its own called AE title and a list "
            "of known calling AE titles bound to their IP addresses, and filter the DICOM "
            "port to the imaging network (prefer DICOM TLS where supported)."
        ),
    ),
    "elasticsearch.no-auth": CheckTexts(
        title=_("Elasticsearch/OpenSearch answers without authentication"),
        description=_(
            "The Elasticsearch or OpenSearch REST API answers without credentials: anyone on "
            "the network can search, export, change or delete every index (often logs or "
            "documents with patient data)."
        ),
        remediation=_(
            "Enable the security features (Elasticsearch: xpack.security.enabled: true; "
            "OpenSearch: security plugin) with TLS and users, and restrict network access."
        ),
    ),
    "eol.product": CheckTexts(
        title=_("End-of-life product version"),
        description=_(
            "Version detection identifies a product version that its publisher no longer "
            "supports: vulnerabilities found since its end of life are not fixed, and some "
            "are publicly exploited. Distribution builds (Debian, Ubuntu, Red Hat…) may "
            "still receive backported fixes from the distribution: such findings are marked "
            "tentative."
        ),
        remediation=_(
            "Upgrade to a supported version (or a supported release of the distribution); "
            "when the equipment cannot be upgraded, isolate it and document the residual "
            "risk."
        ),
        title_with=_("End-of-life product: %(product)s"),
    ),
    "ftp.anonymous-login": CheckTexts(
        title=_("Anonymous FTP login allowed"),
        description=_(
            "The FTP server accepts the 'anonymous' account: anyone on the network can read "
            "(and possibly write) the files it exposes, such as patient exports."
        ),
        remediation=_(
            "Disable anonymous access (vsftpd: anonymous_enable=NO) or remove the service."
        ),
    ),
    "ftp.cleartext": CheckTexts(
        title=_("FTP without TLS (credentials sent in clear text)"),
        description=_(
            "The FTP server does not offer AUTH TLS: user names, passwords and the files "
            "transferred cross the network unencrypted and can be captured by anyone on the "
            "path."
        ),
        remediation=_(
            "Enable explicit FTPS and require it for logins (vsftpd: ssl_enable=YES, "
            "force_local_logins_ssl=YES), or replace FTP with SFTP."
        ),
    ),
    "hl7.mllp-exposed": CheckTexts(
        title=_("HL7 MLLP interface reachable"),
        description=_(
            "An HL7 v2 listener (MLLP) is reachable from the scanned network. MLLP has "
            "neither authentication nor encryption: anyone who can connect can inject "
            "admissions, results or orders into the hospital information flows, and read the "
            "patient data sent in clear on the same link."
        ),
        remediation=_(
            "Restrict the interface port to the partner systems' addresses (firewall, engine "
            "allow-list), carry MLLP over TLS or a VPN, and isolate interface engines in a "
            "dedicated network zone."
        ),
    ),
    "http.admin-console": CheckTexts(
        title=_("Administration console exposed"),
        description=_(
            "A web administration console (Tomcat Manager, phpMyAdmin, JBoss/WildFly, "
            "Jenkins, GLPI, Webmin…) is reachable: its login is a target for password "
            "guessing and default credentials, and it often gives full control of the "
            "application or the server."
        ),
        remediation=_(
            "Restrict the console to an administration network or to localhost (Tomcat: keep "
            "the RemoteAddrValve), remove it when unused, and check that no default account "
            "remains."
        ),
        title_with=_("Administration console exposed: %(console)s"),
    ),
    "http.cleartext-auth": CheckTexts(
        title=_("Credentials requested over plain HTTP"),
        description=_(
            "The service asks for credentials (HTTP Basic or Digest authentication, or a "
            "login form with a password field) without TLS: passwords cross the network in "
            "clear text (Basic, forms) or in a form open to offline cracking (Digest)."
        ),
        remediation=_(
            "Serve the application over HTTPS only and redirect plain HTTP to it (with HSTS)."
        ),
    ),
    "http.default-page": CheckTexts(
        title=_("Default web server page"),
        description=_(
            "The server shows its installation page: a forgotten or unconfigured service "
            "that nobody maintains, and a precise fingerprint of the product for an attacker."
        ),
        remediation=_("Remove the service if it is unused, otherwise replace the default content."),
    ),
    "http.directory-listing": CheckTexts(
        title=_("Directory listing enabled"),
        description=_(
            "The web server generates an index of a directory's files: anyone can browse and "
            "download what it holds (exports, backups, configuration files), including files "
            "nobody meant to publish."
        ),
        remediation=_(
            "Disable automatic indexes (Apache: Options -Indexes; nginx: autoindex off; IIS: "
            "disable Directory Browsing) and remove files that must not be published."
        ),
    ),
    "http.trace-enabled": CheckTexts(
        title=_("HTTP TRACE method enabled"),
        description=_(
            "The server answers TRACE by echoing the request, headers included: combined "
            "with a script injection it can expose cookies and authorisation headers "
            "(cross-site tracing), and it reveals what proxies add to requests."
        ),
        remediation=_(
            "Disable TRACE (Apache: TraceEnable Off; IIS: request filtering of the TRACE "
            'verb; Tomcat: allowTrace="false").'
        ),
    ),
    "memcached.no-auth": CheckTexts(
        title=_("memcached answers without authentication"),
        description=_(
            "The memcached server answers the `stats` command without authentication: anyone "
            "on the network can read and overwrite cached data (sessions, query results), "
            "and an exposed UDP port can be abused for traffic amplification."
        ),
        remediation=_(
            "Bind memcached to localhost or a private interface (-l), disable UDP (-U 0) and "
            "enable SASL authentication if remote clients need it."
        ),
    ),
    "mongodb.no-auth": CheckTexts(
        title=_("MongoDB lists databases without authentication"),
        description=_(
            "The MongoDB server answers listDatabases without any credentials: anyone on the "
            "network can read, change or delete (ransom) its data."
        ),
        remediation=_(
            "Enable access control (security.authorization: enabled), create administrative "
            "users, and bind MongoDB to the interfaces that need it."
        ),
    ),
    "mqtt.anonymous": CheckTexts(
        title=_("MQTT broker accepts anonymous clients"),
        description=_(
            "The MQTT broker accepts a connection without user name or password: anyone on "
            "the network can subscribe to every topic (telemetry, building management, "
            "connected medical devices) and publish commands."
        ),
        remediation=_(
            "Disable anonymous access (Mosquitto: allow_anonymous false with a password_file "
            "or certificates), restrict topics with ACLs and use TLS (8883)."
        ),
    ),
    "mssql.empty-password": CheckTexts(
        title=_("MSSQL `sa` account with an empty password"),
        description=_(
            "The SQL Server `sa` login accepts an empty password: anyone on the network has "
            "full control of the instance and, through xp_cmdshell, of the Windows host."
        ),
        remediation=_(
            "Set a strong password on `sa` or disable it (ALTER LOGIN sa DISABLE), prefer "
            "Windows authentication and enforce the password policy (CHECK_POLICY = ON)."
        ),
    ),
    "mysql.empty-password": CheckTexts(
        title=_("MySQL/MariaDB account with an empty password"),
        description=_(
            "A MySQL or MariaDB administrative account accepts an empty password over the "
            "network: anyone can read and change every database and often run code on the "
            "host."
        ),
        remediation=_(
            "Set a strong password (ALTER USER 'root'@'%' IDENTIFIED BY …), drop remote root "
            "accounts (mariadb-secure-installation) and restrict bind-address."
        ),
    ),
    "postgresql.empty-password": CheckTexts(
        title=_("PostgreSQL account reachable without a password"),
        description=_(
            "The PostgreSQL superuser logs in over the network without any password "
            "(pg_hba.conf `trust` or an equivalent rule): anyone can read and change every "
            "database and run programs on the server (COPY … PROGRAM)."
        ),
        remediation=_(
            "Replace `trust` by `scram-sha-256` for every host rule in pg_hba.conf, set a "
            "password on the postgres role and restrict listen_addresses."
        ),
    ),
    "rdp.nla-not-enforced": CheckTexts(
        title=_("RDP does not enforce Network Level Authentication"),
        description=_(
            "The RDP server accepts connections with standard RDP security or plain TLS "
            "instead of requiring NLA (CredSSP): anyone can open a session up to the logon "
            "screen without credentials, which exposes pre-authentication vulnerabilities "
            "(BlueKeep class), eases brute force and, with standard RDP security, "
            "man-in-the-middle attacks."
        ),
        remediation=_(
            "Require NLA (GPO 'Require user authentication for remote connections by using "
            "Network Level Authentication', SecurityLayer = 2) and restrict RDP to the "
            "administration network or a gateway."
        ),
    ),
    "redis.no-auth": CheckTexts(
        title=_("Redis accepts commands without authentication"),
        description=_(
            "The Redis server answers INFO without a password: anyone on the network can "
            "read and change its data and, through CONFIG, often take over the host."
        ),
        remediation=_(
            "Set a password (requirepass or ACL users), keep protected-mode on and bind "
            "Redis to the interfaces that need it."
        ),
    ),
    "smb.guest-share-access": CheckTexts(
        title=_("SMB share readable without credentials"),
        description=_(
            "An anonymous (null) or guest session can list this share's content: anyone on "
            "the network can read the files it holds, often exports, scans or backups with "
            "patient data."
        ),
        remediation=_(
            "Remove guest access from the share (Samba: guest ok = no, map to guest = never; "
            "Windows: remove Everyone/Guest/ANONYMOUS LOGON from share and NTFS permissions) "
            "and restrict it to the groups that need it."
        ),
    ),
    "smb.signing-not-required": CheckTexts(
        title=_("SMB message signing not required"),
        description=_(
            "The SMB server does not require message signing: an attacker on the network can "
            "relay NTLM authentications to it (SMB relay) or tamper with the traffic."
        ),
        remediation=_(
            "Require signing (Windows GPO 'Microsoft network server: Digitally sign "
            "communications (always)'; Samba: server signing = mandatory)."
        ),
    ),
    "smb.v1-enabled": CheckTexts(
        title=_("SMBv1 protocol accepted"),
        description=_(
            "The server still accepts the SMB version 1 dialect (NT LM 0.12), the protocol "
            "exploited by EternalBlue/WannaCry and NotPetya. SMBv1 has no protection against "
            "downgrade and relay attacks and is deprecated by Microsoft and ANSSI."
        ),
        remediation=_(
            "Disable SMBv1 (Windows: Set-SmbServerConfiguration -EnableSMB1Protocol $false; "
            "Samba: server min protocol = SMB2_10 or higher) after checking that no old "
            "device (scanner, modality, NAS) still depends on it."
        ),
    ),
    "snmp.default-community": CheckTexts(
        title=_("SNMP answers a default community"),
        description=_(
            "The SNMP agent answers read requests with a well-known community string (SNMP "
            "v1/v2c send it in clear text). Anyone on the network can read the device's "
            "configuration, interfaces, routes, processes or installed software."
        ),
        remediation=_(
            "Replace default communities with long random ones restricted to the management "
            "stations' addresses, or move to SNMPv3 (authPriv) and disable v1/v2c."
        ),
    ),
    "snmp.write-community": CheckTexts(
        title=_("SNMP community likely writable"),
        description=_(
            "The agent answers a community conventionally configured with write access "
            "(private, write, secret, admin, manager). If it is writable, anyone on the "
            "network can reconfigure the device (interfaces, routes, VLANs) or, on some "
            "devices, upload firmware. Rempart does not try a SET: the write access is "
            "inferred, not proven."
        ),
        remediation=_(
            "Remove read-write communities (use SNMPv3 with authPriv for the few tools that "
            "need to write) and restrict SNMP to the management stations' addresses."
        ),
    ),
    "ssh.protocol-1": CheckTexts(
        title=_("SSH protocol 1 offered"),
        description=_(
            "The server accepts SSH protocol 1, broken since 2001 (session hijacking, CRC-32 "
            "compensation attack, weak integrity): traffic and credentials can be recovered."
        ),
        remediation=_(
            "Allow protocol 2 only (OpenSSH: remove 'Protocol 1'; any release since 7.4 no "
            "longer supports it) or update the device's firmware."
        ),
    ),
    "ssh.weak-algorithms": CheckTexts(
        title=_("Weak SSH algorithms offered"),
        description=_(
            "The SSH server offers obsolete algorithms: key exchanges with 1024-bit groups "
            "or SHA-1, DSA or SHA-1 RSA host key signatures, RSA host keys under 2048 bits, "
            "CBC, RC4 or 3DES ciphers, MD5 or truncated MACs. A client that negotiates them "
            "is open to downgrade, decryption or forgery attacks. Algorithms that a "
            "maintained OpenSSH enables by default (NIST curves, umac-64, hmac-sha1) are not "
            "reported."
        ),
        remediation=_(
            "Remove the listed algorithms from KexAlgorithms, HostKeyAlgorithms, Ciphers and "
            "MACs (or go back to the distribution's defaults), replace DSA and short RSA "
            "host keys (ssh-keygen -t ed25519, or RSA of 3072 bits) and restart the service."
        ),
        title_with=_("Weak SSH %(kind_term)s algorithms offered"),
    ),
    "telnet.exposed": CheckTexts(
        title=_("Telnet service exposed"),
        description=_(
            "A Telnet service answers: remote administration without encryption, where "
            "logins, passwords and whole sessions can be read and altered by anyone on the "
            "path. On switches, printers and medical devices it often also keeps factory "
            "passwords."
        ),
        remediation=_(
            "Disable Telnet and administer the device over SSH; where the device offers "
            "nothing else, restrict port 23 to an administration network."
        ),
    ),
    "tls.ccs-injection": CheckTexts(
        title=_("OpenSSL CCS injection (CVE-2014-0224)"),
        description=_(
            "The server accepts an early ChangeCipherSpec message: an attacker on the path "
            "can force weak keys and then decrypt and alter the session."
        ),
        remediation=_(
            "Update OpenSSL (1.0.1h, 1.0.0m, 0.9.8za or later) and restart the services."
        ),
    ),
    "tls.cert-expired": CheckTexts(
        title=_("TLS certificate expired"),
        description=_(
            "The certificate presented is past its expiry date (notAfter): clients warn or "
            "refuse to connect, and users get used to clicking through certificate warnings."
        ),
        remediation=_("Renew the certificate and install it with its intermediate certificates."),
    ),
    "tls.cert-not-yet-valid": CheckTexts(
        title=_("TLS certificate not yet valid"),
        description=_(
            "The certificate presented starts being valid in the future (notBefore): clients "
            "refuse it. It often reveals a wrong clock on the server or on the issuing "
            "system."
        ),
        remediation=_(
            "Check the clocks (NTP) and issue the certificate again with a correct date."
        ),
    ),
    "tls.cert-self-signed": CheckTexts(
        title=_("Self-signed TLS certificate"),
        description=_(
            "The server presents a self-signed certificate that no trusted authority vouches "
            "for: clients cannot tell the real server from an impostor, and users learn to "
            "accept warnings. (A self-signed certificate explicitly trusted through the "
            "scan's CA file is not reported.)"
        ),
        remediation=_(
            "Install a certificate issued by the establishment's certification authority (or "
            "a public one) and deploy that authority to the clients."
        ),
    ),
    "tls.cert-sha1-signature": CheckTexts(
        title=_("TLS certificate signed with SHA-1 or MD5"),
        description=_(
            "A certificate the server sends (the server's own or an intermediate) is signed "
            "with SHA-1 or MD5, hash functions with practical collision attacks: such "
            "signatures can be forged and browsers reject them."
        ),
        remediation=_("Issue the certificate (and intermediates) again with SHA-256 signatures."),
    ),
    "tls.cert-untrusted": CheckTexts(
        title=_("TLS certificate chain not trusted"),
        description=_(
            "The certificate chain the server sends does not lead to an authority of the "
            "system trust store (nor to the scan's CA file): the issuing authority is "
            "unknown, or the server omits its intermediate certificates."
        ),
        remediation=_(
            "Install the intermediate certificates on the server; for an internal authority, "
            "add its root to the clients and to the scanner (tls_ca_file option)."
        ),
    ),
    "tls.cert-weak-key": CheckTexts(
        title=_("Weak TLS certificate key"),
        description=_(
            "A certificate the server sends has an RSA or DSA key under 2048 bits or an "
            "elliptic curve key under 224 bits, below current recommendations and within "
            "reach of well-funded attackers."
        ),
        remediation=_(
            "Issue a new certificate with an RSA key of 3072 bits or an ECDSA P-256 key."
        ),
    ),
    "tls.heartbleed": CheckTexts(
        title=_("OpenSSL Heartbleed (CVE-2014-0160)"),
        description=_(
            "The TLS heartbeat extension returns server memory beyond the request: private "
            "keys, session cookies and passwords can be read remotely without authentication."
        ),
        remediation=_(
            "Update OpenSSL (1.0.1g or later, or a supported branch), restart the services, "
            "then replace the certificate and private key and revoke the old one."
        ),
    ),
    "tls.insecure-renegotiation": CheckTexts(
        title=_("Insecure or client-initiated TLS renegotiation"),
        description=_(
            "The server lacks secure renegotiation (RFC 5746, CVE-2009-3555: an attacker can "
            "inject data in front of a client's request) or honours renegotiations initiated "
            "by clients (an easy denial of service)."
        ),
        remediation=_(
            "Update the TLS stack and disable client-initiated renegotiation (or use TLS "
            "1.3, which has none)."
        ),
    ),
    "tls.legacy-protocol": CheckTexts(
        title=_("Deprecated SSL/TLS protocol version accepted"),
        description=_(
            "The service accepts SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1. SSL versions are "
            "broken (DROWN, POODLE); TLS 1.0 and 1.1 were deprecated in 2021 (RFC 8996) and "
            "allow downgrades to weak cryptography."
        ),
        remediation=_(
            "Accept TLS 1.2 and TLS 1.3 only (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: "
            "SSLProtocol -all +TLSv1.2 +TLSv1.3; Windows: disable the protocols in SCHANNEL)."
        ),
        title_with=_("Deprecated protocol %(protocol)s accepted"),
    ),
    "tls.robot": CheckTexts(
        title=_("ROBOT: RSA padding oracle (Bleichenbacher)"),
        description=_(
            "The server's answers to malformed RSA key exchanges differ: recorded sessions "
            "using RSA key exchange can be decrypted and signatures forged with the server's "
            "key."
        ),
        remediation=_(
            "Update the TLS stack or firmware, and disable cipher suites with RSA key "
            "exchange (TLS_RSA_*), keeping ECDHE suites."
        ),
    ),
    "tls.weak-cipher": CheckTexts(
        title=_("Weak TLS cipher suites accepted"),
        description=_(
            "The service accepts cipher suites without encryption (NULL), without server "
            "authentication (anonymous), export-grade, single DES, RC4 or 3DES: traffic can "
            "be read or altered by an attacker on the path."
        ),
        remediation=_(
            "Restrict the cipher list to AEAD suites with forward secrecy (ECDHE with "
            "AES-GCM or ChaCha20-Poly1305), for example the Mozilla 'intermediate' "
            "configuration."
        ),
        title_with=_("Weak TLS cipher suites accepted (%(kind)s)"),
    ),
    "vnc.no-auth": CheckTexts(
        title=_("VNC server without authentication"),
        description=_(
            "The VNC server offers the 'None' security type: anyone on the network can see "
            "and control the screen, keyboard and mouse of the machine (often a modality "
            "console or a nursing workstation)."
        ),
        remediation=_(
            "Require authentication (a strong VNC password at least, preferably VeNCrypt/TLS "
            "with user accounts), restrict the port to the administration network or tunnel "
            "it over SSH."
        ),
    ),
}


def check_texts(check_id: str) -> dict[str, str] | None:
    """The check's title, description and remediation in the active language, or None."""
    texts = CHECKS.get(check_id)
    if texts is None:
        return None
    return {
        "title": str(texts.title),
        "description": str(texts.description),
        "remediation": str(texts.remediation),
    }


def check_info(check_id: str) -> dict[str, Any] | None:
    """The engine's catalogue entry of a check (references, severity…) with its texts in
    the active language; None for a check the engine does not have."""
    check = load_all().get(check_id)
    if check is None:
        return None
    return check.describe() | (check_texts(check_id) or {})


def finding_title(check_id: str, params: Mapping[str, Any] | None, *, fallback: str) -> str:
    """A finding's title in the active language; `fallback` (the stored title) for checks
    the platform does not know (imports, older engines) or parameters that do not fit."""
    texts = CHECKS.get(check_id)
    if texts is None:
        return fallback
    if not params:  # a named title stored before title parameters existed: keep it
        return fallback if texts.title_with is not None else str(texts.title)
    if texts.title_with is None:
        return fallback
    try:
        return str(texts.title_with) % render_params(params)
    except (KeyError, TypeError, ValueError):
        return fallback
