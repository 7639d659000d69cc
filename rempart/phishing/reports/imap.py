"""Polling report mailboxes over IMAP.

Each poll reads the UNSEEN messages with `BODY.PEEK[]` (reading does not mark them seen),
records each one with `report_ingest`, and sets `\\Seen` only once the report is stored: a
message whose recording failed stays unseen and is read again at the next poll (GoPhish
marks messages read on fetch and has to undo it, research §1.9). A bad message never stops
the poll; a connection or login failure is recorded on the mailbox as a clear message.
"""

from __future__ import annotations

import datetime
import imaplib
import logging
import socket
import ssl
import time
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.phishing.choices import MailSecurity, ReportKind
from rempart.phishing.models import ReportMailbox
from rempart.phishing.reports.services import report_ingest

logger = logging.getLogger(__name__)
TIMEOUT = 30.0
MAX_PER_POLL = 200  # the rest waits for the next poll (a minute later)


class MailboxError(Exception):
    """The mailbox cannot be read; the message is shown to the team as the last error."""


@dataclass
class PollResult:
    """What one poll did."""

    fetched: int = 0
    simulations: int = 0
    suspicious: int = 0
    duplicates: int = 0
    failed: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def mailbox_poll(*, mailbox: ReportMailbox, timeout: float = TIMEOUT) -> PollResult:
    """Read and record the unseen messages of `mailbox`; never raises for a mailbox or
    message failure (the error is recorded on the mailbox and returned)."""
    result = PollResult()
    try:
        client = mailbox_connect(mailbox, timeout=timeout)
    except MailboxError as exc:
        result.error = str(exc)
    else:
        try:
            _poll_folder(client, mailbox, result)
        except MailboxError as exc:
            result.error = str(exc)
        except (imaplib.IMAP4.error, OSError) as exc:
            result.error = _("The connection to the server was lost: %(reason)s") % {
                "reason": _reason(exc)
            }
        finally:
            _logout(client)
    _record_poll(mailbox, result)
    return result


def mailboxes_poll_all() -> list[PollResult]:
    """Poll every enabled mailbox (the periodic task; system context, all establishments)."""
    return [
        mailbox_poll(mailbox=mailbox)
        for mailbox in ReportMailbox.objects.filter(enabled=True).select_related("establishment")
    ]


def mailbox_connect(mailbox: ReportMailbox, *, timeout: float = TIMEOUT) -> imaplib.IMAP4:
    """A logged-in IMAP connection (implicit TLS, STARTTLS or plain as configured)."""
    where = {"host": mailbox.host, "port": mailbox.port}
    try:
        client = _open(mailbox, timeout)
    except socket.gaierror as exc:
        raise MailboxError(_("Host %(host)s not found.") % where) from exc
    except ConnectionRefusedError as exc:
        raise MailboxError(_("Connection refused by %(host)s:%(port)s.") % where) from exc
    except TimeoutError as exc:
        raise MailboxError(_("No answer from %(host)s:%(port)s (timeout).") % where) from exc
    except ssl.SSLError as exc:
        raise MailboxError(
            _("TLS failure with %(host)s: %(reason)s") % {**where, "reason": exc.reason or exc}
        ) from exc
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailboxError(
            _("Host %(host)s:%(port)s unreachable: %(reason)s") % {**where, "reason": _reason(exc)}
        ) from exc
    try:
        client.login(mailbox.username, mailbox.password or "")
    except (imaplib.IMAP4.error, OSError) as exc:
        _logout(client)
        raise MailboxError(
            _("Authentication refused for %(user)s: %(reason)s")
            % {"user": mailbox.username, "reason": _reason(exc)}
        ) from exc
    return client


def _open(mailbox: ReportMailbox, timeout: float) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if mailbox.security == MailSecurity.TLS:
        return imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=timeout)
    client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    if mailbox.security == MailSecurity.STARTTLS:
        try:
            client.starttls(ssl_context=context)
        except BaseException:
            _logout(client)
            raise
    return client


def _poll_folder(client: imaplib.IMAP4, mailbox: ReportMailbox, result: PollResult) -> None:
    status, data = client.select(_quoted(mailbox.folder))
    if status != "OK":
        raise MailboxError(
            _("The folder %(folder)s cannot be opened: %(reason)s")
            % {"folder": mailbox.folder, "reason": _reason(data)}
        )
    status, data = client.uid("SEARCH", "UNSEEN")
    if status != "OK":
        raise MailboxError(
            _("The server refused the search: %(reason)s") % {"reason": _reason(data)}
        )
    for uid in (data[0] or b"").split()[:MAX_PER_POLL]:
        _poll_message(client, mailbox, uid.decode(), result)


def _poll_message(
    client: imaplib.IMAP4, mailbox: ReportMailbox, uid: str, result: PollResult
) -> None:
    """Record one message, then mark it seen; a failure leaves it unseen for next time."""
    status, data = client.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
    raw, received_at = _fetched(data) if status == "OK" else (None, None)
    if raw is None:
        result.failed += 1
        return
    result.fetched += 1
    try:
        report = report_ingest(mailbox=mailbox, raw=raw, received_at=received_at)
    except Exception:  # one message must not stop the poll; it stays unseen
        logger.exception("report mailbox %s: message UID %s not recorded", mailbox.pk, uid)
        result.failed += 1
        return
    if report is None:
        result.duplicates += 1
    elif report.kind == ReportKind.SIMULATION:
        result.simulations += 1
    else:
        result.suspicious += 1
    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def _fetched(data: list[object]) -> tuple[bytes | None, datetime.datetime | None]:
    """The message and the server's arrival date from a FETCH answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):  # noqa: PLR2004
            return item[1], _internaldate(item[0])
    return None, None


def _internaldate(envelope: object) -> datetime.datetime | None:
    if not isinstance(envelope, bytes):
        return None
    parsed = imaplib.Internaldate2tuple(envelope)
    if parsed is None:
        return None
    return datetime.datetime.fromtimestamp(time.mktime(parsed), tz=datetime.UTC)


def _record_poll(mailbox: ReportMailbox, result: PollResult) -> None:
    mailbox.last_polled_at, mailbox.last_error = timezone.now(), result.error[:500]
    ReportMailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=mailbox.last_polled_at, last_error=mailbox.last_error
    )
    if result.error:
        logger.warning("report mailbox %s: %s", mailbox.pk, result.error)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(value: object) -> str:
    """A server's answer or an exception as one short line."""
    if isinstance(value, list):
        value = b" ".join(item for item in value if isinstance(item, bytes))
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, BaseException) and value.args:
        value = value.args[0]
        return _reason(value)
    return " ".join(str(value).split())[:300]


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        logger.debug("IMAP logout failed", exc_info=True)
