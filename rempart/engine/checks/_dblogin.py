"""One database login attempt per call, classified for lockout-aware callers.

`refused` means a plain wrong password (the caller may try another one); `stop` means
anything else — a lockout or blocked host, an unknown error, a network failure — after
which the caller must not try again on that account. Every socket is opened through
`context.allowed`; PostgreSQL goes through libpq (psycopg) with `hostaddr` set to the
checked literal address, so no name is resolved, and with every side channel of libpq
(password file, GSSAPI, SSL retry) switched off so that one call is one attempt.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql  # type: ignore[import-untyped]

from rempart.engine.checks._stream import open_stream
from rempart.engine.checks._tds import tds_login
from rempart.engine.checks.base import CheckContext

ACCEPTED, REFUSED, STOP = "accepted", "refused", "stop"
MYSQL_BAD_PASSWORD = frozenset({1045, 1698})  # access denied (with/without password)
MSSQL_BAD_PASSWORD = frozenset({18456})  # login failed (18486 = locked out: stop)
NO_PASSFILE = "/proc/rempart-no-pgpass"  # cannot exist: libpq reads no password file
PG_BAD_PASSWORD = ("password authentication failed", "no password supplied")


@dataclass(frozen=True)
class LoginResult:
    status: str  # accepted | refused | stop
    detail: str  # server version when accepted, the server's answer otherwise

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


def mysql_login(
    context: CheckContext, address: str, port: int, user: str, password: str
) -> LoginResult:
    connection = pymysql.connections.Connection(
        host=address,
        port=port,
        user=user,
        password=password,
        connect_timeout=context.timeout,
        read_timeout=context.timeout,
        write_timeout=context.timeout,
        defer_connect=True,
    )
    try:
        sock = open_stream(context, address, port)
    except OSError as exc:
        return LoginResult(STOP, str(exc))
    try:
        connection.connect(sock)
    except pymysql.err.OperationalError as exc:
        sock.close()
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        return LoginResult(REFUSED if code in MYSQL_BAD_PASSWORD else STOP, _text(exc))
    except (pymysql.err.MySQLError, OSError, ValueError) as exc:
        sock.close()
        return LoginResult(STOP, _text(exc))
    version = str(connection.get_server_info() or "").removeprefix("5.5.5-")
    _quiet_close(connection)
    sock.close()
    return LoginResult(ACCEPTED, version)


def _postgres_connect(
    context: CheckContext, address: str, port: int, user: str, password: str, *, sslmode: str
) -> psycopg.Connection[Any]:
    checked = context.allowed.check(address)
    return psycopg.connect(
        host=checked,
        hostaddr=checked,
        port=port,
        user=user,
        password=password,
        dbname="postgres",
        connect_timeout=max(2, int(context.timeout)),
        sslmode=sslmode,
        gssencmode="disable",
        passfile=NO_PASSFILE,
        application_name="rempart-scan",
    )


def postgres_login(
    context: CheckContext, address: str, port: int, user: str, password: str
) -> LoginResult:
    """One attempt without TLS; a server that only has `hostssl` rules refuses it before
    authentication, and only then is the attempt made over TLS."""
    outcome = _postgres_attempt(context, address, port, user, password, sslmode="disable")
    if outcome.status == STOP and "no pg_hba.conf entry" in outcome.detail:
        return _postgres_attempt(context, address, port, user, password, sslmode="require")
    return outcome


def _postgres_attempt(
    context: CheckContext, address: str, port: int, user: str, password: str, *, sslmode: str
) -> LoginResult:
    try:
        connection = _postgres_connect(context, address, port, user, password, sslmode=sslmode)
    except psycopg.OperationalError as exc:
        text = _text(exc)
        if "does not exist" in text and "database" in text:  # authenticated, no such db
            return LoginResult(ACCEPTED, "authenticated (database 'postgres' missing)")
        bad = any(marker in text for marker in PG_BAD_PASSWORD)
        return LoginResult(REFUSED if bad else STOP, text)
    except (psycopg.Error, OSError) as exc:
        return LoginResult(STOP, _text(exc))
    with connection:
        version = connection.info.server_version
        used_password = connection.pgconn.used_password
    method = "password" if used_password else "no password asked (trust)"
    return LoginResult(ACCEPTED, f"PostgreSQL {version // 10000}.{version % 10000}; {method}")


def mssql_login(
    context: CheckContext, address: str, port: int, user: str, password: str
) -> LoginResult:
    try:
        with open_stream(context, address, port) as sock:
            outcome = tds_login(sock, address, user, password)
    except (OSError, ValueError, IndexError) as exc:
        return LoginResult(STOP, _text(exc))
    if outcome.accepted:
        return LoginResult(ACCEPTED, outcome.server_version)
    status = REFUSED if outcome.error in MSSQL_BAD_PASSWORD else STOP
    return LoginResult(status, f"error {outcome.error}: {outcome.message}")


def _text(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def _quiet_close(connection: Any) -> None:
    with contextlib.suppress(Exception):  # the session is over either way
        connection.close()
