"""Reports by staff: what arrives in a report mailbox, recognised and recorded.

A message staff forward (inline, as an attachment, through a "Report phishing" button)
is searched for simulation tokens: the `X-Rempart-Simulation` header and the tracked links
`/p/<token>/`, after MIME decoding, inside attached messages, unwrapped from Safe Links and
other percent-encodings, and in the raw text where quoted-printable soft breaks split a
token (GoPhish only matches `rid=` with a regex, research §1.9). The first token of a
target *of the mailbox's establishment* makes it a simulation report: the target is marked
reported (first time only) and no reporter is kept. Anything else is a suspicious message
for the triage queue, with what the team needs to look at it. Ingestion is idempotent per
(mailbox, Message-ID) and never loses a message it cannot parse.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import hashlib
import html
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError
from rempart.phishing.choices import ReportKind, TriageState
from rempart.phishing.models import PhishReport, ReportMailbox, Target
from rempart.phishing.sending.headers import TOKEN_HEADER
from rempart.phishing.tracking.hits import record_report

MAX_URLS = 50
MAX_PARTS = 200  # MIME parts walked per message (nested forwards included)
MAX_DEPTH = 5  # attached messages inside attached messages
TOKEN_CHARS = r"A-Za-z0-9_\-"  # noqa: S105  (a character class, not a secret)
TOKEN_RE = re.compile(rf"(?<![{TOKEN_CHARS}])[{TOKEN_CHARS}]{{16,64}}(?![{TOKEN_CHARS}])")
LINK_TOKEN_RE = re.compile(rf"/p/([{TOKEN_CHARS}]{{16,64}})(?:[/?#\"'<>\s]|$)")
URL_RE = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
SOFT_BREAK_RE = re.compile(rb"=\r?\n")
SAFE_LINK_HOSTS = ("safelinks.protection.outlook.com",)
UNWRAP_PARAMS = ("url", "u", "target", "redirect", "q")
T = TypeVar("T")


@dataclass
class ParsedReport:
    """What could be read of a reported message (every field may be empty)."""

    message_id: str = ""
    subject: str = ""
    reporter: str = ""
    original_from: str = ""
    tokens: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


# --- reading a message -------------------------------------------------------------------


def extract_tokens(raw: bytes) -> list[str]:
    """Simulation tokens found in a raw message, in order of confidence, without repeats:
    the header, the decoded text and HTML parts (attached messages included), then the raw
    text with quoted-printable soft breaks removed."""
    return _tokens(_parse(raw), raw)


def parse_report(raw: bytes) -> ParsedReport:
    """Tokens, sender, reporter, subject and links of `raw`; never raises."""
    message = _parse(raw)
    parsed = ParsedReport(tokens=_tokens(message, raw))
    if message is None:
        parsed.urls = _urls([_raw_text(raw)])
        return parsed
    parsed.message_id = _header(message, "Message-ID")[:998]
    parsed.subject = _header(message, "Subject")[:300]
    parsed.reporter = parseaddr(_header(message, "From"))[1][:254]
    attached = _first(_messages(message, include_root=False))
    parsed.original_from = _header(attached or message, "From")[:300]
    parsed.urls = _urls(_safe_list(_texts(message)) or [_raw_text(raw)])
    return parsed


def _parse(raw: bytes) -> Message | None:
    try:
        return message_from_bytes(raw)
    except Exception:  # an unreadable message is still searched as raw text
        return None


def _tokens(message: Message | None, raw: bytes) -> list[str]:
    tokens: list[str] = []
    if message is not None:
        for part in _safe_list(_messages(message)):
            _add(tokens, _header_tokens(part))
        for text in _safe_list(_texts(message)):
            _add(tokens, _link_tokens(text))
    _add(tokens, _link_tokens(_raw_text(raw)))
    return tokens


def _safe_list(items: Iterator[T]) -> list[T]:
    """The items a walk over a damaged MIME tree yields before it breaks."""
    found: list[T] = []
    with contextlib.suppress(Exception):  # keep what was read; the raw text is searched too
        found.extend(items)
    return found


def _first(items: Iterator[Message]) -> Message | None:
    found = _safe_list(items)
    return found[0] if found else None


def _messages(message: Message, *, include_root: bool = True) -> Iterator[Message]:
    """The message and the messages attached to it (message/rfc822 or `.eml` files), each
    once (`walk()` already descends into message/rfc822 parts, not into `.eml` files)."""
    seen: set[int] = set()
    for found in _attached(message, depth=0):
        if id(found) not in seen:
            seen.add(id(found))
            if include_root or found is not message:
                yield found


def _attached(message: Message, *, depth: int) -> Iterator[Message]:
    yield message
    if depth >= MAX_DEPTH:
        return
    for count, part in enumerate(message.walk()):
        if count > MAX_PARTS:
            return
        inner = _as_message(part) if part is not message else None
        if inner is not None:
            yield from _attached(inner, depth=depth + 1)


def _as_message(part: Message) -> Message | None:
    """The message carried by `part` when it is a forwarded message, else None."""
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return _reencoded(part, payload[0]) or payload[0]
        return None
    filename = (part.get_filename() or "").lower()
    if filename.endswith(".eml") and not part.is_multipart():
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            return message_from_bytes(data)
    return None


def _reencoded(part: Message, inner: Message) -> Message | None:
    """A message/rfc822 part sent base64- or quoted-printable-encoded (not allowed by RFC
    2046, but some tools and Python's `add_attachment(bytes)` do it): the parser read the
    encoded text as the body of an empty message; decode it and parse the real one."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    body = inner.get_payload()
    if encoding not in ("base64", "quoted-printable") or not isinstance(body, str):
        return None
    try:
        data = base64.b64decode(body) if encoding == "base64" else quopri.decodestring(body)
    except (binascii.Error, ValueError):
        return None
    return message_from_bytes(data) if data else None


def _texts(message: Message) -> Iterator[str]:
    """Decoded text/plain and text/html parts, those of attached messages included."""
    seen: set[int] = set()
    for inner in _messages(message):
        for count, part in enumerate(inner.walk()):
            if count > MAX_PARTS:
                break
            if id(part) in seen:
                continue
            seen.add(id(part))
            if part.get_content_maintype() == "text" and not part.is_multipart():
                yield _decoded(part)


def _decoded(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # unknown charset name
        return data.decode("utf-8", errors="replace")


def _raw_text(raw: bytes) -> str:
    """The raw message with quoted-printable soft line breaks joined back."""
    return SOFT_BREAK_RE.sub(b"", raw).decode("latin-1")


def _variants(text: str) -> list[str]:
    """`text` as written, HTML-unescaped, and percent-decoded up to three times (Safe
    Links and redirectors encode the wrapped address once or twice)."""
    variants = [text, html.unescape(text).replace("=3D", "=")]
    current = variants[-1]
    for _round in range(3):
        decoded = unquote(current)
        if decoded == current:
            break
        variants.append(decoded)
        current = decoded
    return variants


def _link_tokens(text: str) -> list[str]:
    found: list[str] = []
    for variant in _variants(text):
        _add(found, LINK_TOKEN_RE.findall(variant))
    return found


def _header_tokens(message: Message) -> list[str]:
    return TOKEN_RE.findall(_header(message, TOKEN_HEADER))


def _header(message: Message, name: str) -> str:
    """A header decoded from RFC 2047 words; its raw text when it cannot be decoded."""
    try:
        value = message.get(name)
    except Exception:  # malformed header: treated as absent
        return ""
    if value is None:
        return ""
    try:
        return " ".join(str(make_header(decode_header(str(value)))).split())
    except Exception:  # undecodable encoded word: keep it as written
        return " ".join(str(value).split())


def _urls(texts: list[str]) -> list[str]:
    """Distinct http(s) links of the texts, Safe-Links-wrapped ones unwrapped (max 50)."""
    urls: list[str] = []
    for text in texts:
        for match in URL_RE.findall(html.unescape(text)):
            _add(urls, [_unwrap(match.rstrip(".,;:!?"))])
            if len(urls) >= MAX_URLS:
                return urls[:MAX_URLS]
    return urls


def _unwrap(url: str) -> str:
    """The address wrapped by Microsoft Safe Links, else `url` itself."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:2000]
    if parts.hostname and parts.hostname.endswith(SAFE_LINK_HOSTS):
        query = parse_qs(parts.query)
        for name in UNWRAP_PARAMS:
            if query.get(name):
                return query[name][0][:2000]
    return url[:2000]


def _add(into: list[str], items: list[str]) -> None:
    for item in items:
        if item and item not in into:
            into.append(item)


# --- recording a report ------------------------------------------------------------------


def report_ingest(
    *, mailbox: ReportMailbox, raw: bytes, received_at: datetime.datetime | None = None
) -> PhishReport | None:
    """Record one message of `mailbox`: a simulation report when it carries a token of one
    of the establishment's targets, else a suspicious message to triage. Returns None when
    the message (same Message-ID) was already recorded."""
    parsed = parse_report(raw)
    message_id = parsed.message_id or _digest_id(raw)
    when = received_at or timezone.now()
    if _already_recorded(mailbox, message_id):
        return None
    target = _target_for(mailbox, parsed.tokens)
    try:
        with transaction.atomic():
            if target is not None:
                return _simulation_record(mailbox, target, parsed, message_id, when)
            return _suspicious_record(mailbox, parsed, message_id, when)
    except IntegrityError:  # recorded meanwhile by a concurrent poll
        return None


def _digest_id(raw: bytes) -> str:
    """A stand-in Message-ID for messages without one, so that they are still recorded once."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@rempart.invalid>"


def _already_recorded(mailbox: ReportMailbox, message_id: str) -> bool:
    return (
        PhishReport.objects.for_establishment(mailbox.establishment)
        .filter(mailbox=mailbox, message_id=message_id)
        .exists()
    )


def _target_for(mailbox: ReportMailbox, tokens: list[str]) -> Target | None:
    """The target of the first token that belongs to the mailbox's establishment."""
    if not tokens:
        return None
    targets = {
        target.token: target
        for target in Target.objects.for_establishment(mailbox.establishment)
        .filter(token__in=tokens)
        .select_related("campaign")
    }
    return next((targets[token] for token in tokens if token in targets), None)


def _simulation_record(
    mailbox: ReportMailbox,
    target: Target,
    parsed: ParsedReport,
    message_id: str,
    when: datetime.datetime,
) -> PhishReport:
    """Count the report on the target: no reporter, sender or links are kept."""
    report = PhishReport.objects.create(
        establishment=mailbox.establishment,
        mailbox=mailbox,
        kind=ReportKind.SIMULATION,
        target=target,
        received_at=when,
        message_id=message_id,
        subject=parsed.subject,
    )
    record_report(target, at=when, method="IMAP")
    return report


def _suspicious_record(
    mailbox: ReportMailbox, parsed: ParsedReport, message_id: str, when: datetime.datetime
) -> PhishReport:
    return PhishReport.objects.create(
        establishment=mailbox.establishment,
        mailbox=mailbox,
        kind=ReportKind.SUSPICIOUS,
        received_at=when,
        message_id=message_id,
        reporter=parsed.reporter,
        subject=parsed.subject,
        original_from=parsed.original_from,
        urls=parsed.urls[:MAX_URLS],
    )


# --- triage and mailboxes ----------------------------------------------------------------


def report_triage(
    *, report: PhishReport, state: str, actor: Any, ip_address: str | None = None
) -> PhishReport:
    """Classify a suspicious report (confirmed phishing, spam, legitimate, closed…)."""
    if state not in TriageState.values:
        raise ApplicationError(_("Unknown triage state."))
    if report.kind != ReportKind.SUSPICIOUS:
        raise ApplicationError(_("Only suspicious messages are triaged."))
    previous = report.triage_state
    with transaction.atomic():
        report.triage_state, report.triaged_by = state, actor
        report.triaged_at = timezone.now()
        report.save(update_fields=["triage_state", "triaged_by", "triaged_at", "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.report.triaged",
            target=report,
            changes={"triage_state": [previous, state]},
            ip_address=ip_address,
        )
    return report


MAILBOX_FIELDS = ("name", "host", "port", "security", "username", "folder", "enabled")


def mailbox_save(
    *, mailbox: ReportMailbox, actor: Any, password: str = "", ip_address: str | None = None
) -> ReportMailbox:
    """Create or update a report mailbox. A blank `password` keeps the stored one; the
    password never appears in the audit log (only the fact that it changed)."""
    created = mailbox.pk is None
    if password:
        mailbox.password = password
    mailbox.full_clean()
    with transaction.atomic():
        mailbox.save()
        changes: dict[str, Any] = {name: str(getattr(mailbox, name)) for name in MAILBOX_FIELDS}
        changes["password_changed"] = bool(password)
        audit_record(
            actor=actor,
            verb="phishing.mailbox.created" if created else "phishing.mailbox.updated",
            target=mailbox,
            changes=changes,
            ip_address=ip_address,
        )
    return mailbox


# --- reads (for the views) ---------------------------------------------------------------


def report_list(*, user: Any, establishment: Any, state: str = "") -> QuerySet[PhishReport]:
    """Suspicious reports of `establishment` visible to `user`, newest first."""
    reports = (
        PhishReport.objects.visible_to(user)
        .filter(establishment=establishment, kind=ReportKind.SUSPICIOUS)
        .select_related("mailbox", "triaged_by")
    )
    return reports.filter(triage_state=state) if state else reports


def report_counts(*, user: Any, establishment: Any) -> dict[str, int]:
    """Reports per triage state (suspicious ones) and the number of simulation reports."""
    reports = PhishReport.objects.visible_to(user).filter(establishment=establishment)
    counts = dict.fromkeys(TriageState.values, 0)
    rows = (
        reports.filter(kind=ReportKind.SUSPICIOUS)
        .order_by()
        .values_list("triage_state")
        .annotate(n=Count("pk"))
    )
    counts.update(dict(rows))
    counts["simulation"] = reports.filter(kind=ReportKind.SIMULATION).count()
    return counts


def report_get(
    *, user: Any, establishment: Any, public_id: UUID, action: Action = Action.VIEW
) -> PhishReport:
    """One report of `establishment` visible to `user`; 404 for absent and for not yours."""
    try:
        report: PhishReport = PhishReport.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except PhishReport.DoesNotExist as exc:
        raise Http404 from exc
    return report


def mailbox_list(*, user: Any, establishment: Any) -> QuerySet[ReportMailbox]:
    return ReportMailbox.objects.visible_to(user).filter(establishment=establishment)


def mailbox_get(
    *, user: Any, establishment: Any, public_id: UUID, action: Action = Action.VIEW
) -> ReportMailbox:
    """One mailbox of `establishment` visible to `user`; 404 for absent and for not yours."""
    try:
        mailbox: ReportMailbox = ReportMailbox.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except ReportMailbox.DoesNotExist as exc:
        raise Http404 from exc
    return mailbox
