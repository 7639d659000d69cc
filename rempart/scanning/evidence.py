"""The evidence of the engine's checks (`rempart.engine.evidence`) in the user's language.

A finding keeps its evidence as messages ({"code", "params"}) next to the English text the
engine wrote; `rempart.scanning.problems.render_evidence` shows the messages in the active
language and falls back to the stored text for findings without codes (imports, older
scans, unknown codes). Codes with a `count` parameter have real plurals.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

EVIDENCE: dict[str, Promise] = {
    "mongodb.databases_listed": ngettext_lazy(
        "listDatabases answered without authentication: %(count)s database (%(names)s)",
        "listDatabases answered without authentication: %(count)s databases (%(names)s)",
        "count",
    ),
    "elasticsearch.root": _(
        "GET / answered without authentication: %(product)s %(version)s, cluster '%(cluster)s'"
    ),
    "elasticsearch.indices": ngettext_lazy(
        "GET /_cat/indices listed %(count)s index",
        "GET /_cat/indices listed %(count)s indices",
        "count",
    ),
    "memcached.stats": _(
        "`stats` answered without authentication: memcached %(version)s, %(items)s items cached"
    ),
    "db.empty_password": _("Account '%(account)s' logged in with an empty password: %(detail)s"),
    "db.no_password": _(
        "Account '%(account)s' logged in over TCP without any password: %(detail)s"
    ),
    "db.default_password": _(
        "%(product)s account '%(account)s' accepted a well-known default password "
        "(password not stored): %(detail)s"
    ),
    "redis.info": _("INFO answered: redis_version:%(version)s"),
    "dicom.association": _(
        "A-ASSOCIATE-RQ to the random called AE title '%(called)s' (calling "
        "'%(calling)s', Verification SOP class only) was accepted (A-ASSOCIATE-AC)"
    ),
    "dicom.echo_not_tried": _("C-ECHO: not tried (presentation context refused)"),
    "dicom.echo_status": _("C-ECHO: status %(status)s"),
    "dicom.echo_success": _("C-ECHO: status %(status)s (success)"),
    "dicom.released": _("association released."),
    "dicom.closed": _("association closed (no A-RELEASE-RP)."),
    "hl7.connection": _(
        "MLLP listener on port %(port)s accepted a TCP connection (identified by "
        "%(identified_by)s); no HL7 message was sent."
    ),
    "hl7.connection_no_ack": _(
        "MLLP listener on port %(port)s accepted a TCP connection (identified by "
        "%(identified_by)s); no HL7 message was sent and no acknowledgement came "
        "back."
    ),
    "hl7.acknowledged": _(
        "Deep policy: one NMD^N02 application-management message (control id "
        "%(control_id)s, processing ID D, no patient segment) was answered with "
        "MSA|%(ack_code)s|%(ack_id)s"
    ),
    "hl7.ack_text": _("acknowledgement text: %(text)s"),
    "hl7.ack_application": _("answered by %(application)s"),
    "ftp.anonymous": _("%(response)s; files: %(files)s"),
    "ftp.anonymous_empty": _("%(response)s; files: (none listed)"),
    "ftp.no_tls": _("banner: %(banner)s; AUTH TLS answered: %(answer)s"),
    "telnet.silent": _("the port accepts connections and says nothing within 2 s"),
    "telnet.banner": _("banner: %(text)s"),
    "telnet.negotiation": _("Telnet option negotiation: %(options)s"),
    "telnet.text": _("text: %(text)s"),
    "rservices.open": _("%(service)s port %(port)s/tcp accepts connections"),
    "rservices.answers": _(
        "%(service)s port %(port)s/tcp accepts connections and answers: %(text)s"
    ),
    "rservices.sent": _("%(service)s port %(port)s/tcp accepts connections and sent: %(text)s"),
    "ssh.protocol1": _("identification string: %(banner)s"),
    "ssh.weak_algorithms": _("weak %(kind_term)s algorithms offered: %(names)s"),
    "rdp.nla_not_enforced": _("NLA not enforced"),
    "rdp.selected": _(
        "requestedProtocols=%(requested)s (%(requested_term)s): selected protocol %(selected)s"
    ),
    "rdp.refused": _(
        "requestedProtocols=%(requested)s (%(requested_term)s): refused (%(failure)s)"
    ),
    "rdp.no_answer": _("requestedProtocols=%(requested)s (%(requested_term)s): no RDP answer"),
    "vnc.no_auth": _("%(banner)s; security types offered: %(types)s"),
    "mqtt.anonymous": _(
        "MQTT 3.1.1 CONNECT without user name or password (client id %(client_id)s) "
        "answered CONNACK return code 0 (connection accepted); disconnected at once."
    ),
    "mqtt.anonymous_tls": _(
        "MQTT over TLS 3.1.1 CONNECT without user name or password (client id "
        "%(client_id)s) answered CONNACK return code 0 (connection accepted); "
        "disconnected at once."
    ),
    "smb.smb1": _("SMB1 NEGOTIATE offering only 'NT LM 0.12' was accepted (dialect index 0)."),
    "smb.signing_not_required": _(
        "NEGOTIATE answered with %(dialect)s; the server's SecurityMode does not set "
        "'signing required'."
    ),
    "smb.share_readable": ngettext_lazy(
        "%(session_term)s: listed the root of share '%(share)s' (%(count)s entry).",
        "%(session_term)s: listed the root of share '%(share)s' (%(count)s entries).",
        "count",
    ),
    "snmp.community": _(
        "%(version)s community '%(community)s' answered GET sysDescr.0: %(description)s"
    ),
    "snmp.write_community": _(
        "%(version)s community '%(community)s' answers read requests (sysDescr.0: "
        "%(description)s); '%(community)s' is a conventional read-write community "
        "name, so write access is likely. Not verified: no SET request was sent."
    ),
    "http.listing": ngettext_lazy(
        "GET %(path)s → 200: %(kind_term)s '%(title)s' (%(count)s entry: %(entries)s)",
        "GET %(path)s → 200: %(kind_term)s '%(title)s' (%(count)s entries: %(entries)s)",
        "count",
    ),
    "http.console_header": _("%(console)s: %(request)s, %(header)s: %(value)s"),
    "http.console_realm": _("%(console)s: %(request)s, WWW-Authenticate: %(value)s"),
    "http.console_title": _("%(console)s: %(request)s, title '%(title)s'"),
    "http.default_page": _("GET %(path)s → 200: %(product)s default page '%(title)s'"),
    "http.default_page_server": _(
        "GET %(path)s → 200: %(product)s default page '%(title)s' (Server: %(server)s)"
    ),
    "http.trace": _("TRACE / → 200 (%(content_type)s): the request and its headers were echoed"),
    "http.trace_untyped": _(
        "TRACE / → 200 (no content type): the request and its headers were echoed"
    ),
    "http.cleartext_header": _("%(request)s, WWW-Authenticate: %(value)s"),
    "http.cleartext_form": _("%(request)s, login form with a password field ('%(title)s')"),
    "tls.protocol_suites": ngettext_lazy(
        "%(protocol)s handshake accepted with %(count)s cipher suite: %(suites)s",
        "%(protocol)s handshake accepted with %(count)s cipher suites: %(suites)s",
        "count",
    ),
    "tls.protocol_light": _(
        "%(protocol)s handshake accepted (light probe, suites negotiated: %(suites)s)"
    ),
    "tls.weak_suites": ngettext_lazy(
        "%(count)s %(kind)s cipher suite accepted: %(suites)s",
        "%(count)s %(kind)s cipher suites accepted: %(suites)s",
        "count",
    ),
    "tls.weak_suites_light": _(
        "%(kind)s cipher suites accepted (light probe, suites negotiated: %(suites)s)"
    ),
    "tls.cert_expired": ngettext_lazy(
        "subject %(subject)s (SHA-256 %(sha256)s…): notAfter %(not_after)s UTC, "
        "expired %(count)s day ago",
        "subject %(subject)s (SHA-256 %(sha256)s…): notAfter %(not_after)s UTC, "
        "expired %(count)s days ago",
        "count",
    ),
    "tls.cert_not_yet_valid": _(
        "subject %(subject)s (SHA-256 %(sha256)s…): notBefore %(not_before)s UTC"
    ),
    "tls.cert_self_signed": _("subject %(subject)s (SHA-256 %(sha256)s…) is its own issuer"),
    "tls.cert_untrusted": ngettext_lazy(
        "subject %(subject)s (SHA-256 %(sha256)s…), issuer %(issuer)s, %(count)s "
        "certificate sent: no path to a trusted root (%(stores)s)",
        "subject %(subject)s (SHA-256 %(sha256)s…), issuer %(issuer)s, %(count)s "
        "certificates sent: no path to a trusted root (%(stores)s)",
        "count",
    ),
    "tls.cert_untrusted_no_store": ngettext_lazy(
        "subject %(subject)s (SHA-256 %(sha256)s…), issuer %(issuer)s, %(count)s "
        "certificate sent: no path to a trusted root (no system store found)",
        "subject %(subject)s (SHA-256 %(sha256)s…), issuer %(issuer)s, %(count)s "
        "certificates sent: no path to a trusted root (no system store found)",
        "count",
    ),
    "tls.cert_weak_key": _("subject %(subject)s (SHA-256 %(sha256)s…): %(key)s"),
    "tls.cert_weak_signature": _("subject %(subject)s (SHA-256 %(sha256)s…): signed with %(hash)s"),
    "tls.heartbleed": _("sslyze: the heartbeat request leaked memory"),
    "tls.ccs_injection": _("sslyze: an early ChangeCipherSpec was accepted"),
    "tls.robot_strong": _("sslyze: strong Bleichenbacher oracle (%(verdict)s)"),
    "tls.robot_weak": _("sslyze: weak Bleichenbacher oracle (%(verdict)s)"),
    "tls.no_secure_renegotiation": _("sslyze: secure renegotiation (RFC 5746) not supported"),
    "tls.client_renegotiation": _("sslyze: client-initiated renegotiations accepted repeatedly"),
    "eol.version": _("%(product)s: end of life since %(date)s (%(source)s)"),
    "eol.debian": _(
        "Debian %(version)s (package built for it: +deb%(version)suN): end of life "
        "since %(date)s (%(source)s)"
    ),
    "eol.ranged": _("version detection gave a range of versions"),
    "eol.caveat.samba": _(
        "nmap reads Samba versions from an SMB fingerprint that often reports an "
        "older 4.x than the one installed"
    ),
    "eol.distribution": _(
        "distribution build (%(distribution)s): the distribution may still backport "
        "security fixes, check its support status"
    ),
}

# The words the engine puts in `*_term` parameters.
TERMS: dict[str, Promise] = {
    "key exchange": _("key exchange"),
    "host key": _("host key"),
    "cipher": _("cipher"),
    "MAC": _("MAC"),
    "standard RDP security": _("standard RDP security"),
    "TLS without NLA": _("TLS without NLA"),
    "anonymous (null session)": _("anonymous (null session)"),
    "guest account": _("guest account"),
    "Apache, nginx or lighttpd index": _("Apache, nginx or lighttpd index"),
    "Python http.server index": _("Python http.server index"),
    "Tomcat directory listing": _("Tomcat directory listing"),
    "IIS directory browsing": _("IIS directory browsing"),
}
