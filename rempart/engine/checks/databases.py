"""Databases and caches reachable without (real) authentication.

- MongoDB, Elasticsearch/OpenSearch, memcached: one read-only request that only an
  unauthenticated server answers (listDatabases, GET / and /_cat/indices, stats).
- MySQL/MariaDB, PostgreSQL, MSSQL: one login attempt per account with an empty password
  (`root`, `postgres`, `sa`; MySQL also tries `admin` in the deep policy). PostgreSQL never
  accepts an empty password, so what is found there is `trust` authentication.
- `db.default-credentials` (intrusive, deep policy only): at most three well-known default
  passwords per account, stopping at the first answer that is not a plain "wrong password"
  (lockout, blocked host, unknown error).
"""

from __future__ import annotations

import http.client
import json
import secrets
import struct
from collections.abc import Callable
from typing import Any, ClassVar

from rempart.engine.checks import _bson
from rempart.engine.checks._dblogin import (
    ACCEPTED,
    REFUSED,
    LoginResult,
    mssql_login,
    mysql_login,
    postgres_login,
)
from rempart.engine.checks._stream import open_stream, recv_exact
from rempart.engine.checks.base import Check, CheckContext, recv_until, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg

CWE_AUTH = "https://cwe.mitre.org/data/definitions/306.html"
CWE_DEFAULT = "https://cwe.mitre.org/data/definitions/1392.html"

# ---------------------------------------------------------------------------- MongoDB

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
MAX_REPLY = 16 * 1024 * 1024


def _mongo_header(body: bytes, opcode: int) -> bytes:
    return struct.pack("<iiii", 16 + len(body), secrets.randbelow(1 << 30), 0, opcode) + body


def mongo_query(command: dict[str, str | bool | int | float]) -> bytes:
    """Legacy OP_QUERY on admin.$cmd (accepted by every version for the handshake)."""
    body = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1)
    return _mongo_header(body + _bson.encode(command), OP_QUERY)


def mongo_msg(command: dict[str, str | bool | int | float]) -> bytes:
    """OP_MSG (MongoDB 3.6+) with one body section."""
    return _mongo_header(struct.pack("<I", 0) + b"\x00" + _bson.encode(command), OP_MSG)


def mongo_reply(sock: Any) -> dict[str, Any]:
    """The first document of an OP_REPLY or OP_MSG answer; raises ValueError otherwise."""
    length, _, _, opcode = struct.unpack("<iiii", recv_exact(sock, 16))
    if not 16 < length <= MAX_REPLY:  # noqa: PLR2004
        raise ValueError("not a MongoDB reply")
    body = recv_exact(sock, length - 16)
    if opcode == OP_REPLY:
        return _bson.decode(body[20:])
    if opcode == OP_MSG and body[4] == 0:
        return _bson.decode(body[5:])
    raise ValueError("unexpected MongoDB opcode")


def mongo_list_databases(context: CheckContext, address: str, port: int) -> dict[str, Any]:
    with open_stream(context, address, port) as sock:
        sock.sendall(mongo_query({"isMaster": 1}))
        hello = mongo_reply(sock)
        command: dict[str, str | bool | int | float] = {"listDatabases": 1, "nameOnly": True}
        if int(hello.get("maxWireVersion", 0)) >= 6:  # noqa: PLR2004  (3.6+: OP_MSG)
            sock.sendall(mongo_msg({**command, "$db": "admin"}))
        else:
            sock.sendall(mongo_query(command))
        return mongo_reply(sock)


@register
class MongoNoAuth(Check):
    id = "mongodb.no-auth"
    title = "MongoDB lists databases without authentication"
    description = (
        "The MongoDB server answers listDatabases without any credentials: anyone on the "
        "network can read, change or delete (ransom) its data."
    )
    remediation = (
        "Enable access control (security.authorization: enabled), create administrative "
        "users, and bind MongoDB to the interfaces that need it."
    )
    severity = "high"
    references = (
        "https://www.mongodb.com/docs/manual/administration/security-checklist/",
        CWE_AUTH,
    )
    ports = (27017, 27018)
    services = ("mongodb", "mongod")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            reply = mongo_list_databases(context, host.address, service.port)
        except (OSError, ValueError):
            return []
        databases = reply.get("databases")
        if not reply.get("ok") or not isinstance(databases, list):
            return []
        names = [str(d.get("name", "?")) for d in databases if isinstance(d, dict)]
        shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")  # noqa: PLR2004
        evidence = msg("mongodb.databases_listed", count=len(names), names=shown)
        return [self.finding(host, service, evidence=evidence)]


# ---------------------------------------------------------------------- Elasticsearch

MAX_BODY = 1 << 20


class _GuardedHTTPConnection(http.client.HTTPConnection):
    """http.client over a socket opened by the scope guard (TLS optional, unverified)."""

    def __init__(self, context: CheckContext, address: str, port: int, tls: bool) -> None:
        super().__init__(address, port, timeout=context.timeout)
        self._context, self._address, self._tls = context, address, tls

    def connect(self) -> None:
        self.sock = open_stream(self._context, self._address, self.port, tls=self._tls)


def http_get_json(
    context: CheckContext, address: str, port: int, path: str, tls: bool
) -> tuple[int, Any]:
    """(status, decoded JSON or None) of GET `path`; raises OSError/HTTPException."""
    connection = _GuardedHTTPConnection(context, address, port, tls)
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read(MAX_BODY)
    finally:
        connection.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, None


def _es_root(context: CheckContext, address: str, port: int, tls_first: bool) -> tuple[bool, Any]:
    """(TLS used, root document) answered with 200 by GET /, trying plain HTTP and TLS."""
    for tls in (tls_first, not tls_first):
        try:
            status, document = http_get_json(context, address, port, "/", tls)
        except (OSError, http.client.HTTPException):
            continue
        return tls, document if status == 200 else None  # noqa: PLR2004
    return tls_first, None


@register
class ElasticsearchNoAuth(Check):
    id = "elasticsearch.no-auth"
    title = "Elasticsearch/OpenSearch answers without authentication"
    description = (
        "The Elasticsearch or OpenSearch REST API answers without credentials: anyone on the "
        "network can search, export, change or delete every index (often logs or documents "
        "with patient data)."
    )
    remediation = (
        "Enable the security features (Elasticsearch: xpack.security.enabled: true; "
        "OpenSearch: security plugin) with TLS and users, and restrict network access."
    )
    severity = "high"
    references = (
        "https://www.elastic.co/guide/en/elasticsearch/reference/current/configuring-stack-security.html",
        CWE_AUTH,
    )
    ports = (9200, 9201)
    services = ("elasticsearch", "opensearch")

    def applies(self, host: Host, service: Service) -> bool:
        product = service.product.lower()
        if service.protocol == "tcp" and ("elasticsearch" in product or "opensearch" in product):
            return True
        if service.port in self.ports and service.name in ("http", "https", "wap-wsp"):
            return service.protocol == "tcp"
        return super().applies(host, service)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        tls, root = _es_root(context, host.address, service.port, service.tunnel == "ssl")
        if not isinstance(root, dict) or "cluster_name" not in root:
            return []
        raw_version = root.get("version")
        version: dict[str, Any] = raw_version if isinstance(raw_version, dict) else {}
        product = "OpenSearch" if version.get("distribution") == "opensearch" else "Elasticsearch"
        evidence = [
            msg(
                "elasticsearch.root",
                product=product,
                version=str(version.get("number", "?")),
                cluster=str(root.get("cluster_name")),
            )
        ]
        try:
            status, indices = http_get_json(
                context, host.address, service.port, "/_cat/indices?format=json", tls
            )
        except (OSError, http.client.HTTPException):
            status, indices = 0, None
        if status == 200 and isinstance(indices, list):  # noqa: PLR2004
            evidence.append(msg("elasticsearch.indices", count=len(indices)))
        return [self.finding(host, service, evidence=evidence)]


# ---------------------------------------------------------------------------- memcached


@register
class MemcachedNoAuth(Check):
    id = "memcached.no-auth"
    title = "memcached answers without authentication"
    description = (
        "The memcached server answers the `stats` command without authentication: anyone on "
        "the network can read and overwrite cached data (sessions, query results), and an "
        "exposed UDP port can be abused for traffic amplification."
    )
    remediation = (
        "Bind memcached to localhost or a private interface (-l), disable UDP (-U 0) and "
        "enable SASL authentication if remote clients need it."
    )
    severity = "medium"
    references = ("https://github.com/memcached/memcached/wiki/SASLHowto", CWE_AUTH)
    ports = (11211,)
    services = ("memcache", "memcached")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        try:
            with open_stream(context, host.address, service.port) as sock:
                sock.sendall(b"stats\r\n")
                reply = sock.recv(4096)
                if not reply.startswith(b"STAT "):  # CLIENT_ERROR unauthenticated, or else
                    return []
                if b"END\r\n" not in reply:
                    reply += recv_until(sock, limit=65536, marker=b"END\r\n")
        except OSError:
            return []
        stats = dict(
            line.split(" ", 2)[1:3]
            for line in reply.decode(errors="replace").splitlines()
            if line.startswith("STAT ") and line.count(" ") >= 2  # noqa: PLR2004
        )
        version = stats.get("version", "?")
        service.product = service.product or "memcached"
        service.version = service.version or version
        evidence = msg("memcached.stats", version=version, items=stats.get("curr_items", "?"))
        return [self.finding(host, service, evidence=evidence)]


# ----------------------------------------------------------- empty database passwords

Login = Callable[[CheckContext, str, int, str, str], LoginResult]


class _EmptyPasswordCheck(Check):
    """One login attempt with an empty password per account."""

    accounts: ClassVar[tuple[str, ...]] = ()
    deep_accounts: ClassVar[tuple[str, ...]] = ()
    evidence_code: ClassVar[str] = "db.empty_password"
    severity = "critical"

    def login(self, context: CheckContext, address: str, port: int, user: str) -> LoginResult:
        raise NotImplementedError  # pragma: no cover

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        accounts = self.accounts + (self.deep_accounts if context.policy == "deep" else ())
        findings = []
        for account in accounts:
            if context.should_stop():
                break
            outcome = self.login(context, host.address, service.port, account)
            if outcome.accepted:
                evidence = msg(self.evidence_code, account=account, detail=outcome.detail)
                findings.append(self.finding(host, service, evidence=evidence, key=account))
            elif outcome.status != REFUSED:
                break  # not a plain "wrong password": do not insist on this server
        return findings


@register
class MysqlEmptyPassword(_EmptyPasswordCheck):
    id = "mysql.empty-password"
    title = "MySQL/MariaDB account with an empty password"
    description = (
        "A MySQL or MariaDB administrative account accepts an empty password over the "
        "network: anyone can read and change every database and often run code on the host."
    )
    remediation = (
        "Set a strong password (ALTER USER 'root'@'%' IDENTIFIED BY …), drop remote root "
        "accounts (mariadb-secure-installation) and restrict bind-address."
    )
    references = ("https://mariadb.com/kb/en/mariadb-secure-installation/", CWE_DEFAULT)
    ports = (3306,)
    services = ("mysql", "mariadb")
    accounts = ("root",)
    deep_accounts = ("admin",)

    def login(self, context: CheckContext, address: str, port: int, user: str) -> LoginResult:
        return mysql_login(context, address, port, user, "")


@register
class PostgresEmptyPassword(_EmptyPasswordCheck):
    id = "postgresql.empty-password"
    title = "PostgreSQL account reachable without a password"
    description = (
        "The PostgreSQL superuser logs in over the network without any password (pg_hba.conf "
        "`trust` or an equivalent rule): anyone can read and change every database and run "
        "programs on the server (COPY … PROGRAM)."
    )
    remediation = (
        "Replace `trust` by `scram-sha-256` for every host rule in pg_hba.conf, set a "
        "password on the postgres role and restrict listen_addresses."
    )
    references = (
        "https://www.postgresql.org/docs/current/auth-trust.html",
        CWE_DEFAULT,
    )
    ports = (5432,)
    services = ("postgresql", "postgres")
    accounts = ("postgres",)
    evidence_code = "db.no_password"

    def login(self, context: CheckContext, address: str, port: int, user: str) -> LoginResult:
        return postgres_login(context, address, port, user, "")


@register
class MssqlEmptyPassword(_EmptyPasswordCheck):
    id = "mssql.empty-password"
    title = "MSSQL `sa` account with an empty password"
    description = (
        "The SQL Server `sa` login accepts an empty password: anyone on the network has full "
        "control of the instance and, through xp_cmdshell, of the Windows host."
    )
    remediation = (
        "Set a strong password on `sa` or disable it (ALTER LOGIN sa DISABLE), prefer Windows "
        "authentication and enforce the password policy (CHECK_POLICY = ON)."
    )
    references = (
        "https://learn.microsoft.com/en-us/sql/relational-databases/security/choose-an-authentication-mode",
        CWE_DEFAULT,
    )
    ports = (1433,)
    services = ("ms-sql-s", "mssql")
    accounts = ("sa",)

    def login(self, context: CheckContext, address: str, port: int, user: str) -> LoginResult:
        return mssql_login(context, address, port, user, "")


# --------------------------------------------------------------- default credentials

DEFAULT_CREDENTIALS: dict[str, dict[str, tuple[str, ...]]] = {
    "mysql": {"root": ("root", "mysql", "password")},
    "postgresql": {"postgres": ("postgres", "password", "admin")},
    "mssql": {"sa": ("sa", "password", "Password123")},
}
MAX_ATTEMPTS_PER_ACCOUNT = 3
LOGINS: dict[str, Login] = {
    "mysql": mysql_login,
    "postgresql": postgres_login,
    "mssql": mssql_login,
}


def database_product(host: Host, service: Service) -> str | None:
    """mysql, postgresql or mssql: the product whose empty-password check applies."""
    checks: tuple[tuple[str, type[Check]], ...] = (
        ("mysql", MysqlEmptyPassword),
        ("postgresql", PostgresEmptyPassword),
        ("mssql", MssqlEmptyPassword),
    )
    return next((name for name, check in checks if check().applies(host, service)), None)


@register
class DatabaseDefaultCredentials(Check):
    id = "db.default-credentials"
    title = "Database account with a default password"
    description = (
        "A database administrative account accepts a well-known default password. Tried only "
        "in the deep policy, at most three passwords per account, and never again on an "
        "account after an answer that could mean a lockout."
    )
    remediation = (
        "Change the password to a strong, unique one stored in the establishment's vault, "
        "and restrict network access to the database port."
    )
    severity = "critical"
    category = "intrusive"
    references = (CWE_DEFAULT, "https://cwe.mitre.org/data/definitions/521.html")
    ports = (3306, 5432, 1433)
    services = ("mysql", "mariadb", "postgresql", "postgres", "ms-sql-s", "mssql")

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        product = database_product(host, service)
        if product is None:
            return []
        findings = []
        for account, passwords in DEFAULT_CREDENTIALS[product].items():
            found = self._try_account(
                context, host, service, product=product, account=account, passwords=passwords
            )
            findings.extend([found] if found else [])
        return findings

    def _try_account(
        self,
        context: CheckContext,
        host: Host,
        service: Service,
        *,
        product: str,
        account: str,
        passwords: tuple[str, ...],
    ) -> Finding | None:
        for password in passwords[:MAX_ATTEMPTS_PER_ACCOUNT]:
            if context.should_stop():
                return None
            outcome = LOGINS[product](context, host.address, service.port, account, password)
            if outcome.status == ACCEPTED:
                evidence = msg(
                    "db.default_password", product=product, account=account, detail=outcome.detail
                )
                return self.finding(host, service, evidence=evidence, key=f"{product}:{account}")
            if outcome.status != REFUSED:
                return None  # possible lockout or blocked host: stop on this account
        return None
