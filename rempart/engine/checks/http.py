"""HTTP: directory listings, administration consoles, default pages, TRACE, and
credentials asked for over plain HTTP.

The checks of one service share their requests (`_http.fetch`): `/` (following at most one
redirect that stays on the same endpoint), three common directories, six console paths
and one TRACE — eleven requests at most, one connection at a time.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import ClassVar

from rempart.engine.checks._http import HttpResponse, fetch, uses_tls
from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import Message, msg
from rempart.engine.targets import ScopeViolationError

LISTING_PATHS = ("/", "/uploads/", "/backup/")
TRACE_MARKER = b"rempart-trace-probe"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_HREF = re.compile(r"""href\s*=\s*["']([^"'?#]+)["']""", re.I)
LISTINGS = (
    ("Apache, nginx or lighttpd index", re.compile(rb"<title>\s*Index of /", re.I)),
    ("Python http.server index", re.compile(rb"<title>\s*Directory listing for /", re.I)),
    ("Tomcat directory listing", re.compile(rb"<title>\s*Directory Listing For \[", re.I)),
    ("IIS directory browsing", re.compile(rb"\[To Parent Directory\]", re.I)),
)
DEFAULT_PAGES = (
    (
        "apache",
        "Apache httpd",
        re.compile(
            rb"<title>\s*Apache2? (Debian|Ubuntu|CentOS)? ?Default Page|<h1>It works!</h1>"
            rb"|<title>\s*(Test Page for the (Apache|HTTP) Server|HTTP Server Test Page)",
            re.I,
        ),
    ),
    ("nginx", "nginx", re.compile(rb"<title>\s*Welcome to nginx!", re.I)),
    (
        "iis",
        "Microsoft IIS",
        re.compile(
            rb"<title>\s*(IIS Windows( Server)?|IIS\d+|Internet Information Services)"
            rb"\s*</title>|iisstart\.png",
            re.I,
        ),
    ),
    (
        "tomcat",
        "Apache Tomcat",
        re.compile(
            rb"you've successfully installed Tomcat|<title>\s*Apache Tomcat/[\d.]+\s*<", re.I
        ),
    ),
    (
        "lighttpd",
        "lighttpd",
        re.compile(rb"<title>[^<]*(lighttpd[^<]*placeholder|Placeholder page)", re.I),
    ),
)


@dataclass(frozen=True)
class Console:
    key: str
    name: str
    paths: tuple[str, ...]
    realm: re.Pattern[str] | None = None  # WWW-Authenticate of a 401
    body: re.Pattern[bytes] | None = None  # page of a 200
    header: str = ""  # a header that names the product, whatever the status


CONSOLES = (
    Console(
        "tomcat-manager",
        "Apache Tomcat Manager",
        ("/manager/html",),
        realm=re.compile(r"Tomcat Manager Application", re.I),
        body=re.compile(rb"<title>\s*/manager\s*</title>|Tomcat Web Application Manager", re.I),
    ),
    Console(
        "tomcat-host-manager",
        "Apache Tomcat Host Manager",
        ("/host-manager/html",),
        realm=re.compile(r"Tomcat Host Manager Application", re.I),
        body=re.compile(rb"<title>\s*/host-manager\s*</title>|Tomcat Virtual Host Manager", re.I),
    ),
    Console(
        "phpmyadmin",
        "phpMyAdmin",
        ("/phpmyadmin/", "/"),
        realm=re.compile(r"phpMyAdmin", re.I),
        body=re.compile(rb"<title>[^<]*phpMyAdmin", re.I),
    ),
    Console(
        "jboss-jmx-console",
        "JBoss JMX console",
        ("/jmx-console/",),
        realm=re.compile(r"JBoss JMX Console", re.I),
        body=re.compile(rb"JBoss JMX Management Console", re.I),
    ),
    Console(
        "wildfly-console",
        "WildFly / JBoss EAP management console",
        ("/console/",),
        realm=re.compile(r"ManagementRealm", re.I),
        body=re.compile(rb"<title>[^<]*(HAL )?Management (Console|Interface)", re.I),
    ),
    Console(
        "jenkins",
        "Jenkins",
        ("/",),
        body=re.compile(rb"<title>[^<]*Jenkins", re.I),
        header="x-jenkins",
    ),
    Console("glpi", "GLPI", ("/glpi/", "/"), body=re.compile(rb"<title>\s*GLPI", re.I)),
    Console("webmin", "Webmin", ("/",), body=re.compile(rb"<title>[^<]*Webmin", re.I)),
)
CONSOLE_PATHS = tuple(dict.fromkeys(p for c in CONSOLES for p in c.paths if p != "/"))


def title(response: HttpResponse) -> str:
    match = _TITLE.search(response.body)
    if not match:
        return ""
    text = html.unescape(match.group(1).decode("utf-8", "replace"))
    return " ".join(text.split())[:120]


def _get(context: CheckContext, host: Host, service: Service, path: str) -> HttpResponse | None:
    return fetch(context, host, service, path, follow=1 if path == "/" else 0)


def listing_kind(response: HttpResponse) -> str | None:
    if response.status != 200:  # noqa: PLR2004
        return None
    return next((kind for kind, pattern in LISTINGS if pattern.search(response.body)), None)


def listing_entries(response: HttpResponse) -> list[str]:
    entries = []
    for href in _HREF.findall(response.text):
        name = html.unescape(href)
        if name in ("../", "/", "./") or name.startswith(("/icons/", "http:", "https:")):
            continue
        entries.append(name)
    return list(dict.fromkeys(entries))


def console_match(console: Console, response: HttpResponse) -> Message | None:
    """Evidence that `response` is `console`'s login or page, or None."""
    line = f"{response.method} {response.path} → {response.status}"
    params: dict[str, str | int] = {"console": console.name, "request": line}
    if console.header and response.header(console.header):
        value = response.header(console.header)[:40]
        return Message("http.console_header", params | {"header": console.header, "value": value})
    authenticate = response.header("www-authenticate")
    if response.status == 401 and console.realm and console.realm.search(authenticate):  # noqa: PLR2004
        return Message("http.console_realm", params | {"value": authenticate[:120]})
    if response.status == 200 and console.body and console.body.search(response.body):  # noqa: PLR2004
        return Message("http.console_title", params | {"title": title(response)})
    return None


def default_page(response: HttpResponse) -> tuple[str, str] | None:
    if response.status != 200:  # noqa: PLR2004
        return None
    return next(
        ((key, name) for key, name, pattern in DEFAULT_PAGES if pattern.search(response.body)),
        None,
    )


_PASSWORD_INPUT = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)


def cleartext_auth(response: HttpResponse) -> Message | None:
    line = f"{response.method} {response.path} → {response.status}"
    authenticate = response.header("www-authenticate")
    if re.search(r"\b(Basic|Digest)\b", authenticate, re.I):
        return msg("http.cleartext_header", request=line, value=authenticate[:120])
    if response.status == 200 and _PASSWORD_INPUT.search(response.body):  # noqa: PLR2004
        return msg("http.cleartext_form", request=line, title=title(response))
    return None


class _HttpCheck(Check):
    ports = (80, 443, 8000, 8008, 8080, 8081, 8443, 8888, 9090, 9990, 10000)
    services = ("http", "https", "http-alt", "https-alt", "http-proxy", "http-mgmt")
    references: ClassVar[tuple[str, ...]] = ()

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            return self.inspect(context, host, service)
        except ScopeViolationError:
            return []

    def inspect(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        raise NotImplementedError  # pragma: no cover - every registered check overrides it


@register
class DirectoryListing(_HttpCheck):
    id = "http.directory-listing"
    title = "Directory listing enabled"
    description = (
        "The web server generates an index of a directory's files: anyone can browse and "
        "download what it holds (exports, backups, configuration files), including files "
        "nobody meant to publish."
    )
    remediation = (
        "Disable automatic indexes (Apache: Options -Indexes; nginx: autoindex off; IIS: "
        "disable Directory Browsing) and remove files that must not be published."
    )
    severity = "medium"
    references = ("https://cwe.mitre.org/data/definitions/548.html",)

    def inspect(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        findings = []
        for path in LISTING_PATHS:
            response = _get(context, host, service, path)
            kind = listing_kind(response) if response else None
            if response is None or kind is None:
                continue
            entries = listing_entries(response)
            shown = ", ".join(entries[:10]) + (", …" if len(entries) > 10 else "")  # noqa: PLR2004
            evidence = msg(
                "http.listing",
                path=response.path,
                kind_term=kind,
                title=title(response),
                count=len(entries),
                entries=shown or "none",
            )
            findings.append(self.finding(host, service, evidence=evidence, key=response.path))
        return findings


@register
class AdminConsole(_HttpCheck):
    id = "http.admin-console"
    title = "Administration console exposed"
    title_template = "Administration console exposed: %(console)s"
    description = (
        "A web administration console (Tomcat Manager, phpMyAdmin, JBoss/WildFly, Jenkins, "
        "GLPI, Webmin…) is reachable: its login is a target for password guessing and default "
        "credentials, and it often gives full control of the application or the server."
    )
    remediation = (
        "Restrict the console to an administration network or to localhost (Tomcat: keep the "
        "RemoteAddrValve), remove it when unused, and check that no default account remains."
    )
    severity = "medium"
    references = (
        "https://cwe.mitre.org/data/definitions/1188.html",
        "https://tomcat.apache.org/tomcat-10.1-doc/manager-howto.html",
    )

    def inspect(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        findings = []
        for console in CONSOLES:
            for path in console.paths:
                response = _get(context, host, service, path)
                evidence = console_match(console, response) if response else None
                if evidence:
                    findings.append(
                        self.finding(
                            host,
                            service,
                            key=console.key,
                            evidence=evidence,
                            title_params={"console": console.name},
                        )
                    )
                    break
        return findings


@register
class DefaultPage(_HttpCheck):
    id = "http.default-page"
    title = "Default web server page"
    description = (
        "The server shows its installation page: a forgotten or unconfigured service that "
        "nobody maintains, and a precise fingerprint of the product for an attacker."
    )
    remediation = "Remove the service if it is unused, otherwise replace the default content."
    severity = "low"
    references = ("https://cwe.mitre.org/data/definitions/1188.html",)

    def inspect(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        response = _get(context, host, service, "/")
        found = default_page(response) if response else None
        if response is None or found is None:
            return []
        key, name = found
        params = {"path": response.path, "product": name, "title": title(response)}
        server = response.header("server")
        evidence = (
            Message("http.default_page_server", params | {"server": server[:80]})
            if server
            else Message("http.default_page", params)
        )
        return [self.finding(host, service, evidence=evidence, key=key)]


@register
class TraceEnabled(_HttpCheck):
    id = "http.trace-enabled"
    title = "HTTP TRACE method enabled"
    description = (
        "The server answers TRACE by echoing the request, headers included: combined with a "
        "script injection it can expose cookies and authorisation headers (cross-site "
        "tracing), and it reveals what proxies add to requests."
    )
    remediation = (
        "Disable TRACE (Apache: TraceEnable Off; IIS: request filtering of the TRACE verb; "
        'Tomcat: allowTrace="false").'
    )
    severity = "low"
    references = (
        "https://owasp.org/www-community/attacks/Cross_Site_Tracing",
        "https://cwe.mitre.org/data/definitions/693.html",
    )

    def inspect(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        response = fetch(context, host, service, "/", method="TRACE")
        if response is None or response.status != 200 or TRACE_MARKER not in response.body:  # noqa: PLR2004
            return []
        kind = response.header("content-type")
        evidence = msg("http.trace", content_type=kind[:60]) if kind else msg("http.trace_untyped")
        return [self.finding(host, service, evidence=evidence)]


@register
class CleartextAuth(_HttpCheck):
    id = "http.cleartext-auth"
    title = "Credentials requested over plain HTTP"
    description = (
        "The service asks for credentials (HTTP Basic or Digest authentication, or a login "
        "form with a password field) without TLS: passwords cross the network in clear text "
        "(Basic, forms) or in a form open to offline cracking (Digest)."
    )
    remediation = "Serve the application over HTTPS only and redirect plain HTTP to it (with HSTS)."
    severity = "medium"
    references = (
        "https://cwe.mitre.org/data/definitions/319.html",
        "https://cwe.mitre.org/data/definitions/523.html",
    )

    def applies(self, host: Host, service: Service) -> bool:
        return not uses_tls(service) and super().applies(host, service)

    def inspect(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        seen = []
        for path in ("/", *CONSOLE_PATHS):
            response = _get(context, host, service, path)
            if response is not None and (evidence := cleartext_auth(response)):
                seen.append(evidence)
        if not seen:
            return []
        return [self.finding(host, service, evidence=seen[:5])]
