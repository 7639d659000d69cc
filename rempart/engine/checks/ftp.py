"""FTP: anonymous login, and cleartext FTP without TLS."""

from __future__ import annotations

import ftplib
import socket

from rempart.engine.checks.base import Check, CheckContext, register
from rempart.engine.model import Finding, Host, Service


class _GuardedFTP(ftplib.FTP):
    """ftplib with its connections opened through the scope guard (data ports included)."""

    def __init__(self, context: CheckContext, address: str) -> None:
        super().__init__(timeout=context.timeout)
        self._context = context
        self._address = address

    def connect(self, host: str = "", port: int = 0, timeout: float = -999,
                source_address: tuple[str, int] | None = None) -> str:
        self.host, self.port = self._address, port or 21
        self.sock = self._context.allowed.tcp_connect(self._address, self.port,
                                                       self._context.timeout)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome

    def ntransfercmd(self, cmd: str, rest: int | str | None = None) -> tuple[socket.socket, int | None]:
        self.sendcmd("PASV")  # passive data connection back to the same, in-scope host
        return super().ntransfercmd(cmd, rest)


@register
class AnonymousFtp(Check):
    id = "ftp.anonymous-login"
    title = "Anonymous FTP login allowed"
    title_fr = "Connexion FTP anonyme autorisée"
    description = ("The FTP server accepts the 'anonymous' account: anyone on the network can "
                   "read (and possibly write) the files it exposes, such as patient exports.")
    description_fr = ("Le serveur FTP accepte le compte « anonymous » : toute personne sur le "
                      "réseau peut lire (voire écrire) les fichiers exposés, par exemple des "
                      "exports de données patients.")
    remediation = "Disable anonymous access (vsftpd: anonymous_enable=NO) or remove the service."
    remediation_fr = ("Désactiver l'accès anonyme (vsftpd : anonymous_enable=NO) ou retirer le "
                      "service.")
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
            try:
                ftp.quit()
            except (ftplib.Error, OSError, EOFError):
                ftp.close()
        evidence = f"{response.strip()}; files: {', '.join(listing) or '(none listed)'}"
        return [self.finding(host, service, evidence=evidence)]
