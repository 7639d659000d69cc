"""The evidence of the native checks as message codes: English texts for logs and result files.

A check's finding carries its evidence as messages (`Message(code, params)`); the platform
renders each in the user's language (`rempart.scanning.problems.EVIDENCE`). Parameters hold
what the host answered (banners, versions, names), never English sentences; a parameter
whose name ends in `_term` holds one of the `TERMS` below, which the platform translates too.
Codes are stable: probes send them. How to add one: docs/scanning.md.
"""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    # databases and caches
    "mongodb.databases_listed": (
        "listDatabases answered without authentication: %(count)s databases (%(names)s)"
    ),
    "elasticsearch.root": (
        "GET / answered without authentication: %(product)s %(version)s, cluster '%(cluster)s'"
    ),
    "elasticsearch.indices": "GET /_cat/indices listed %(count)s indices",
    "memcached.stats": (
        "`stats` answered without authentication: memcached %(version)s, %(items)s items cached"
    ),
    "db.empty_password": "Account '%(account)s' logged in with an empty password: %(detail)s",
    "db.no_password": ("Account '%(account)s' logged in over TCP without any password: %(detail)s"),
    "db.default_password": (
        "%(product)s account '%(account)s' accepted a well-known default password "
        "(password not stored): %(detail)s"
    ),
    "redis.info": "INFO answered: redis_version:%(version)s",
    # medical protocols
    "dicom.association": (
        "A-ASSOCIATE-RQ to the random called AE title '%(called)s' (calling '%(calling)s', "
        "Verification SOP class only) was accepted (A-ASSOCIATE-AC)"
    ),
    "dicom.echo_not_tried": "C-ECHO: not tried (presentation context refused)",
    "dicom.echo_status": "C-ECHO: status %(status)s",
    "dicom.echo_success": "C-ECHO: status %(status)s (success)",
    "dicom.released": "association released.",
    "dicom.closed": "association closed (no A-RELEASE-RP).",
    "hl7.connection": (
        "MLLP listener on port %(port)s accepted a TCP connection (identified by "
        "%(identified_by)s); no HL7 message was sent."
    ),
    "hl7.connection_no_ack": (
        "MLLP listener on port %(port)s accepted a TCP connection (identified by "
        "%(identified_by)s); no HL7 message was sent and no acknowledgement came back."
    ),
    "hl7.acknowledged": (
        "Deep policy: one NMD^N02 application-management message (control id %(control_id)s, "
        "processing ID D, no patient segment) was answered with MSA|%(ack_code)s|%(ack_id)s"
    ),
    "hl7.ack_text": "acknowledgement text: %(text)s",
    "hl7.ack_application": "answered by %(application)s",
    # file transfer, remote access, clear-text protocols
    "ftp.anonymous": "%(response)s; files: %(files)s",
    "ftp.anonymous_empty": "%(response)s; files: (none listed)",
    "ftp.no_tls": "banner: %(banner)s; AUTH TLS answered: %(answer)s",
    "telnet.silent": "the port accepts connections and says nothing within 2 s",
    "telnet.banner": "banner: %(text)s",
    "telnet.negotiation": "Telnet option negotiation: %(options)s",
    "telnet.text": "text: %(text)s",
    "rservices.open": "%(service)s port %(port)s/tcp accepts connections",
    "rservices.answers": "%(service)s port %(port)s/tcp accepts connections and answers: %(text)s",
    "rservices.sent": "%(service)s port %(port)s/tcp accepts connections and sent: %(text)s",
    "ssh.protocol1": "identification string: %(banner)s",
    "ssh.weak_algorithms": "weak %(kind_term)s algorithms offered: %(names)s",
    "rdp.nla_not_enforced": "NLA not enforced",
    "rdp.selected": (
        "requestedProtocols=%(requested)s (%(requested_term)s): selected protocol %(selected)s"
    ),
    "rdp.refused": "requestedProtocols=%(requested)s (%(requested_term)s): refused (%(failure)s)",
    "rdp.no_answer": "requestedProtocols=%(requested)s (%(requested_term)s): no RDP answer",
    "vnc.no_auth": "%(banner)s; security types offered: %(types)s",
    "mqtt.anonymous": (
        "MQTT 3.1.1 CONNECT without user name or password (client id %(client_id)s) "
        "answered CONNACK return code 0 (connection accepted); disconnected at once."
    ),
    "mqtt.anonymous_tls": (
        "MQTT over TLS 3.1.1 CONNECT without user name or password (client id %(client_id)s) "
        "answered CONNACK return code 0 (connection accepted); disconnected at once."
    ),
    # SMB, SNMP
    "smb.smb1": "SMB1 NEGOTIATE offering only 'NT LM 0.12' was accepted (dialect index 0).",
    "smb.signing_not_required": (
        "NEGOTIATE answered with %(dialect)s; the server's SecurityMode does not set "
        "'signing required'."
    ),
    "smb.share_readable": (
        "%(session_term)s: listed the root of share '%(share)s' (%(count)s entries)."
    ),
    "snmp.community": (
        "%(version)s community '%(community)s' answered GET sysDescr.0: %(description)s"
    ),
    "snmp.write_community": (
        "%(version)s community '%(community)s' answers read requests (sysDescr.0: "
        "%(description)s); '%(community)s' is a conventional read-write community name, so "
        "write access is likely. Not verified: no SET request was sent."
    ),
    # web
    "http.listing": (
        "GET %(path)s → 200: %(kind_term)s '%(title)s' (%(count)s entries: %(entries)s)"
    ),
    "http.console_header": "%(console)s: %(request)s, %(header)s: %(value)s",
    "http.console_realm": "%(console)s: %(request)s, WWW-Authenticate: %(value)s",
    "http.console_title": "%(console)s: %(request)s, title '%(title)s'",
    "http.default_page": "GET %(path)s → 200: %(product)s default page '%(title)s'",
    "http.default_page_server": (
        "GET %(path)s → 200: %(product)s default page '%(title)s' (Server: %(server)s)"
    ),
    "http.trace": "TRACE / → 200 (%(content_type)s): the request and its headers were echoed",
    "http.trace_untyped": (
        "TRACE / → 200 (no content type): the request and its headers were echoed"
    ),
    "http.cleartext_header": "%(request)s, WWW-Authenticate: %(value)s",
    "http.cleartext_form": "%(request)s, login form with a password field ('%(title)s')",
    # TLS
    "tls.protocol_suites": (
        "%(protocol)s handshake accepted with %(count)s cipher suites: %(suites)s"
    ),
    "tls.protocol_light": (
        "%(protocol)s handshake accepted (light probe, suites negotiated: %(suites)s)"
    ),
    "tls.weak_suites": "%(count)s %(kind)s cipher suites accepted: %(suites)s",
    "tls.weak_suites_light": (
        "%(kind)s cipher suites accepted (light probe, suites negotiated: %(suites)s)"
    ),
    "tls.cert_expired": (
        "subject %(subject)s (SHA-256 %(sha256)s…): notAfter %(not_after)s UTC, "
        "expired %(count)s days ago"
    ),
    "tls.cert_not_yet_valid": (
        "subject %(subject)s (SHA-256 %(sha256)s…): notBefore %(not_before)s UTC"
    ),
    "tls.cert_self_signed": "subject %(subject)s (SHA-256 %(sha256)s…) is its own issuer",
    "tls.cert_untrusted": (
        "subject %(subject)s (SHA-256 %(sha256)s…), issuer %(issuer)s, %(count)s "
        "certificate(s) sent: no path to a trusted root (%(stores)s)"
    ),
    "tls.cert_untrusted_no_store": (
        "subject %(subject)s (SHA-256 %(sha256)s…), issuer %(issuer)s, %(count)s "
        "certificate(s) sent: no path to a trusted root (no system store found)"
    ),
    "tls.cert_weak_key": "subject %(subject)s (SHA-256 %(sha256)s…): %(key)s",
    "tls.cert_weak_signature": "subject %(subject)s (SHA-256 %(sha256)s…): signed with %(hash)s",
    "tls.heartbleed": "sslyze: the heartbeat request leaked memory",
    "tls.ccs_injection": "sslyze: an early ChangeCipherSpec was accepted",
    "tls.robot_strong": "sslyze: strong Bleichenbacher oracle (%(verdict)s)",
    "tls.robot_weak": "sslyze: weak Bleichenbacher oracle (%(verdict)s)",
    "tls.no_secure_renegotiation": "sslyze: secure renegotiation (RFC 5746) not supported",
    "tls.client_renegotiation": "sslyze: client-initiated renegotiations accepted repeatedly",
    # end-of-life products
    "eol.version": "%(product)s: end of life since %(date)s (%(source)s)",
    "eol.debian": (
        "Debian %(version)s (package built for it: +deb%(version)suN): end of life since "
        "%(date)s (%(source)s)"
    ),
    "eol.ranged": "version detection gave a range of versions",
    "eol.caveat.samba": (
        "nmap reads Samba versions from an SMB fingerprint that often reports an older "
        "4.x than the one installed"
    ),
    "eol.distribution": (
        "distribution build (%(distribution)s): the distribution may still backport security "
        "fixes, check its support status"
    ),
}

# Words the checks put in `*_term` parameters (English); the platform translates each.
TERMS: tuple[str, ...] = (
    "key exchange",
    "host key",
    "cipher",
    "MAC",
    "standard RDP security",
    "TLS without NLA",
    "anonymous (null session)",
    "guest account",
    "Apache, nginx or lighttpd index",
    "Python http.server index",
    "Tomcat directory listing",
    "IIS directory browsing",
)
