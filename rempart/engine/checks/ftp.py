"""FTP: anonymous login, and cleartext FTP without TLS."""

from __future__ import annotations

import ftplib
import socket

from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service
from rempart.engine.problems import msg


class _GuardedFTP(ftplib.FTP):
    """ftplib with its connections opened through the scope guard (data ports included)."""

    def __init__(self, context: CheckContext, address: str) -> None:
        super().__init__(timeout=context.timeout)
        self._context = context
        self._address = address

    def connect(
        self,
        host: str = "",
        port: int = 0,
        timeout: float = -999,
        source_address: tuple[str, int] | None = None,
    ) -> str:
        self.host, self.port = self._address, port or 21
        self.sock = self._context.allowed.tcp_connect(
            self._address, self.port, self._context.timeout
        )
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome

    def ntransfercmd(
        self, cmd: str, rest: int | str | None = None
    ) -> tuple[socket.socket, int | None]:
        """Passive data connection, opened through the guard to the control connection's
        address (the address a PASV reply names is never used)."""
        _, port = self.makepasv()
        conn = self._context.allowed.tcp_connect(self._address, port, self._context.timeout)
        try:
            if rest is not None:
                self.sendcmd(f"REST {rest}")
            response = self.sendcmd(cmd)
            if response[0] == "2":
                response = self.getresp()
            if response[0] != "1":
                raise ftplib.error_reply(response)  # noqa: S321
        except BaseException:
            conn.close()
            raise
        return conn, None

    def close_quietly(self) -> None:
        try:
            self.quit()
        except (ftplib.Error, OSError, EOFError):
            self.close()


def _is_implicit_tls(service: Service) -> bool:
    return service.tunnel == "ssl" or service.name.lower() in ("ftps", "ftps-data", "ssl/ftp")


@register
class AnonymousFtp(Check):
    id = "ftp.anonymous-login"
    title = "Anonymous FTP login allowed"
    description = (
        "The FTP server accepts the 'anonymous' account: anyone on the network can "
        "read (and possibly write) the files it exposes, such as patient exports."
    )
    remediation = "Disable anonymous access (vsftpd: anonymous_enable=NO) or remove the service."
    severity = "high"
    references = ("https://cwe.mitre.org/data/definitions/287.html",)
    ports = (21, 2121)
    services = ("ftp",)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        ftp = _GuardedFTP(context, host.address)
        try:
            ftp.connect(port=service.port)
            response = ftp.login("anonymous", "rempart@example.org")
        except (ftplib.error_perm, ftplib.error_temp, ftplib.error_proto, EOFError, OSError):
            return []
        try:
            listing = ftp.nlst()[:20]
        except (ftplib.Error, OSError, EOFError):
            listing = []
        finally:
            ftp.close_quietly()
        evidence = (
            msg("ftp.anonymous", response=response.strip(), files=", ".join(listing))
            if listing
            else msg("ftp.anonymous_empty", response=response.strip())
        )
        return [self.finding(host, service, evidence=evidence)]


@register
class CleartextFtp(Check):
    id = "ftp.cleartext"
    title = "FTP without TLS (credentials sent in clear text)"
    description = (
        "The FTP server does not offer AUTH TLS: user names, passwords and the files "
        "transferred cross the network unencrypted and can be captured by anyone on the path."
    )
    remediation = (
        "Enable explicit FTPS and require it for logins (vsftpd: ssl_enable=YES, "
        "force_local_logins_ssl=YES), or replace FTP with SFTP."
    )
    severity = "medium"
    references = (
        "https://cwe.mitre.org/data/definitions/319.html",
        "https://datatracker.ietf.org/doc/html/rfc4217",
    )
    ports = (21, 2121)
    services = ("ftp",)

    def applies(self, host: Host, service: Service) -> bool:
        return not _is_implicit_tls(service) and super().applies(host, service)

    def run(self, context: CheckContext, host: Host, service: Service) -> list[Finding]:
        ftp = _GuardedFTP(context, host.address)
        try:
            welcome = ftp.connect(port=service.port)
        except (ftplib.Error, EOFError, OSError):
            return []
        try:
            ftp.sendcmd("AUTH TLS")
        except ftplib.error_perm as exc:  # 5xx: the command is unknown or refused
            ftp.close_quietly()
            evidence = msg("ftp.no_tls", banner=welcome.strip()[:200], answer=str(exc)[:200])
            return [self.finding(host, service, evidence=evidence)]
        except (ftplib.Error, EOFError, OSError):
            ftp.close()
            return []
        ftp.close()  # 234 (RFC 4217): the server now waits for a TLS handshake
        return []
