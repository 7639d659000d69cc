"""Writes of the phishing settings: mail domains (DNS TXT proof), recipient groups, sending
profiles (and their test e-mail), e-mail templates and landing pages.

Every write requires MANAGE on the establishment and is audited without personal data nor
secrets: the audit names the object and the fields that changed, never a password or a
recipient's address. The uploaded staff directory waits between its preview and the import
in a file of the data directory, named by a random id and removed after an hour.
"""

from __future__ import annotations

import secrets
import smtplib
import time
from pathlib import Path
from typing import Any, TypeVar

import dns.exception
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_domain_name
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.phishing.choices import AfterSubmit
from rempart.phishing.library import difficulty
from rempart.phishing.models import (
    EmailTemplate,
    LandingPage,
    RecipientGroup,
    SendingDomain,
    SendingProfile,
)
from rempart.phishing.rendering import check_template, preview_context, render_message
from rempart.phishing.services import domain_verify, verified_domains
from rempart.phishing.smtp import encoded_headers, envelope_sender, message_bytes, smtp_connect
from rempart.tenancy import access

M = TypeVar("M", bound=models.Model)
TXT_PREFIX = "rempart-verification="
DNS_TIMEOUT = 5.0
SMTP_TEST_TIMEOUT = 15.0
UPLOAD_MAX_AGE = 3600
UPLOAD_DIR = "phishing-imports"
UPLOAD_ID_LENGTH = 32  # secrets.token_hex(16)


def _require(actor: Any, establishment: Any) -> None:
    if not access.can(actor, Action.MANAGE, establishment):
        raise PermissionDeniedError(
            _("You cannot manage the phishing settings of this establishment.")
        )


# Saving and deleting, audited --------------------------------------------------------------


def _save(*, instance: M, actor: Any, ip_address: str | None, password_changed: bool = False) -> M:
    """Validate, save and audit `instance`; the audit lists the changed field names only."""
    establishment = instance.establishment  # type: ignore[attr-defined]
    _require(actor, establishment)
    model = type(instance)
    before = snapshot(model._default_manager.get(pk=instance.pk)) if instance.pk else None
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ApplicationError(_("This name is already used in this establishment.")) from exc
    after = snapshot(instance)
    fields = sorted(k for k in after if before is None or before.get(k) != after.get(k))
    if password_changed:
        fields = sorted({*fields, "password"})
    if before is None or fields:
        verb = f"phishing.{model._meta.model_name}.{'updated' if before else 'created'}"
        audit_record(
            actor=actor,
            verb=verb,
            target=instance,
            changes={"name": str(instance), "fields": fields},
            ip_address=ip_address,
        )
    return instance


@transaction.atomic
def config_delete(*, instance: models.Model, actor: Any, ip_address: str | None = None) -> None:
    """Delete a domain, group, profile, template or page unless a campaign uses it."""
    _require(actor, instance.establishment)  # type: ignore[attr-defined]
    audit_record(
        actor=actor,
        verb=f"phishing.{type(instance)._meta.model_name}.deleted",
        target=instance,
        changes={"name": str(instance)},
        ip_address=ip_address,
    )
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        raise ApplicationError(
            _("“%(name)s” is used by a campaign and cannot be deleted.") % {"name": instance}
        ) from exc


@transaction.atomic
def group_save(
    *, instance: RecipientGroup, actor: Any, ip_address: str | None = None
) -> RecipientGroup:
    return _save(instance=instance, actor=actor, ip_address=ip_address)


@transaction.atomic
def profile_save(
    *,
    instance: SendingProfile,
    actor: Any,
    password: str = "",
    ip_address: str | None = None,
) -> SendingProfile:
    """Save a sending profile; a blank `password` keeps the stored one."""
    if password:
        instance.password = password
    return _save(
        instance=instance, actor=actor, ip_address=ip_address, password_changed=bool(password)
    )


@transaction.atomic
def template_save(
    *, instance: EmailTemplate, actor: Any, ip_address: str | None = None
) -> EmailTemplate:
    """Save an e-mail template whose subject, HTML and text all compile; its difficulty is
    the NIST Phish Scale rating of its cues and premise alignment."""
    for source in (instance.subject, instance.html, instance.text):
        check_template(source)
    instance.difficulty = difficulty(len(set(instance.cues or [])), instance.premise_alignment)
    return _save(instance=instance, actor=actor, ip_address=ip_address)


@transaction.atomic
def page_save(*, instance: LandingPage, actor: Any, ip_address: str | None = None) -> LandingPage:
    """Save a landing page whose HTML compiles; a redirect needs its address."""
    check_template(instance.html)
    if instance.after_submit == AfterSubmit.REDIRECT and not instance.redirect_url:
        raise ValidationError({"redirect_url": _("Give the address to redirect to.")})
    return _save(instance=instance, actor=actor, ip_address=ip_address)


# Mail domains ------------------------------------------------------------------------------


def _normalise_domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    try:
        validate_domain_name(domain)
    except ValidationError as exc:
        raise ApplicationError(
            _("“%(domain)s” is not a domain name.") % {"domain": value[:100]}
        ) from exc
    if "." not in domain:
        raise ApplicationError(_("“%(domain)s” is not a domain name.") % {"domain": value[:100]})
    return domain


@transaction.atomic
def domain_add(
    *, establishment: Any, domain: str, actor: Any, ip_address: str | None = None
) -> SendingDomain:
    """Register a mail domain, unverified, with its verification token."""
    _require(actor, establishment)
    name = _normalise_domain(domain)
    if SendingDomain.objects.for_establishment(establishment).filter(domain=name).exists():
        raise ApplicationError(_("This domain is already registered."))
    row = SendingDomain.objects.create(establishment=establishment, domain=name)
    audit_record(
        actor=actor,
        verb="phishing.domain.added",
        target=row,
        changes={"domain": name},
        ip_address=ip_address,
    )
    return row


def dns_resolver() -> dns.resolver.Resolver:
    """The resolver of `PHISHING_DNS_RESOLVER` ("host:port"), or the system's."""
    configured = str(getattr(settings, "PHISHING_DNS_RESOLVER", "") or "").strip()
    try:
        resolver = _configured_resolver(configured) if configured else dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration as exc:
        raise ApplicationError(_("No DNS server is configured on this platform.")) from exc
    resolver.lifetime = resolver.timeout = DNS_TIMEOUT
    return resolver


def _configured_resolver(configured: str) -> dns.resolver.Resolver:
    host, _sep, port = configured.rpartition(":") if ":" in configured else (configured, "", "")
    if port and not port.isdigit():
        raise ImproperlyConfigured("REMPART_PHISHING_DNS_RESOLVER must be host or host:port")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host.strip("[]")]
    resolver.port = int(port or 53)
    return resolver


def dns_answers(
    resolver: dns.resolver.Resolver, name: str, rdtype: str, *, missing_ok: bool = False
) -> list[Any]:
    """The `rdtype` records of `name` (none when it has no such record). A name that does
    not exist is an error unless `missing_ok`; an unreachable server always is."""
    try:
        return list(resolver.resolve(name, rdtype, search=False))
    except dns.resolver.NXDOMAIN as exc:
        if missing_ok:
            return []
        raise ApplicationError(
            _("The domain %(domain)s does not exist.") % {"domain": name}
        ) from exc
    except dns.resolver.NoAnswer:
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise ApplicationError(
            _("No DNS server answered for %(domain)s; try again later.") % {"domain": name}
        ) from exc
    except dns.exception.DNSException as exc:
        raise ApplicationError(
            _("The DNS answer for %(domain)s could not be read.") % {"domain": name}
        ) from exc


def txt_records(
    resolver: dns.resolver.Resolver, name: str, *, missing_ok: bool = False
) -> list[str]:
    """The TXT records of `name`, each joined from its strings."""
    return [
        b"".join(rdata.strings).decode("utf-8", "replace").strip()
        for rdata in dns_answers(resolver, name, "TXT", missing_ok=missing_ok)
    ]


def domain_check_dns(
    *,
    domain: SendingDomain,
    actor: Any,
    resolver: dns.resolver.Resolver | None = None,
    ip_address: str | None = None,
) -> None:
    """Verify `domain` when its DNS holds the TXT record `rempart-verification=<token>`."""
    _require(actor, domain.establishment)
    expected = f"{TXT_PREFIX}{domain.token}"
    found = txt_records(resolver or dns_resolver(), domain.domain)
    if expected in found:
        domain_verify(domain=domain, actor=actor, ip_address=ip_address)
        return
    ours = [text for text in found if text.startswith(TXT_PREFIX)]
    if ours:
        detail = _("the verification records found hold another token: %(records)s") % {
            "records": ", ".join(text[:120] for text in ours[:5])
        }
    elif found:
        detail = _("%(count)d TXT record(s) found, none of them Rempart's") % {"count": len(found)}
    else:
        detail = _("no TXT record found")
    raise ApplicationError(
        _("The domain %(domain)s is not verified: %(detail)s. Expected: %(expected)s")
        % {"domain": domain.domain, "detail": detail, "expected": expected}
    )


# Test e-mail -------------------------------------------------------------------------------


def _smtp_problem(error: Exception, profile: SendingProfile) -> str:
    where = f"{profile.host}:{profile.port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _("The server %(where)s refused the user name or password.") % {"where": where}
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {reply.decode('utf-8', 'replace')}"
            for code, reply in error.recipients.values()
        ]
        return _("The server %(where)s refused the recipient: %(reply)s") % {
            "where": where,
            "reply": "; ".join(codes)[:300],
        }
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return _("The server %(where)s refused the message: %(code)s %(reply)s") % {
            "where": where,
            "code": error.smtp_code,
            "reply": text[:300],
        }
    return _("The server %(where)s cannot be reached: %(reason)s") % {
        "where": where,
        "reason": str(error)[:200] or type(error).__name__,
    }


def _deliver(profile: SendingProfile, to: str, message: bytes) -> None:
    try:
        client = smtp_connect(profile, timeout=SMTP_TEST_TIMEOUT)
        try:
            client.sendmail(envelope_sender(profile), [to], message)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    except (smtplib.SMTPException, OSError) as error:
        raise ApplicationError(_smtp_problem(error, profile)) from error


def profile_send_test(
    *,
    profile: SendingProfile,
    template: EmailTemplate,
    to: str,
    actor: Any,
    ip_address: str | None = None,
) -> None:
    """Send `template`, rendered for a fictitious person, to one address of a verified
    domain of the establishment, through `profile`."""
    _require(actor, profile.establishment)
    if template.establishment_id != profile.establishment_id:
        raise ApplicationError(_("This template belongs to another establishment."))
    address = to.strip()
    domain = address.rpartition("@")[2].lower()
    if domain not in verified_domains(establishment=profile.establishment):
        raise ApplicationError(
            _("A test e-mail can only go to an address of a verified domain of the establishment.")
        )
    from_name = template.from_name or profile.from_name
    rendered = render_message(
        subject=template.subject,
        html=template.html,
        text=template.text,
        context=preview_context(establishment=profile.establishment.name, from_name=from_name),
    )
    message = message_bytes(
        profile=profile,
        to=address,
        rendered=rendered,
        from_name=from_name,
        extra_headers=encoded_headers(profile),
    )
    _deliver(profile, address, message)
    audit_record(
        actor=actor,
        verb="phishing.sendingprofile.tested",
        target=profile,
        changes={"template": template.name, "domain": domain},
        ip_address=ip_address,
    )


# Uploaded directories between preview and import -------------------------------------------


def _upload_dir() -> Path:
    path = Path(settings.HOME) / "tmp" / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _upload_path(upload_id: str) -> Path:
    if len(upload_id) != UPLOAD_ID_LENGTH or any(ch not in "0123456789abcdef" for ch in upload_id):
        raise ApplicationError(_("The uploaded file has expired: upload it again."))
    return _upload_dir() / upload_id


def upload_purge(*, max_age: int = UPLOAD_MAX_AGE) -> int:
    """Remove uploads older than `max_age` seconds; returns how many."""
    limit, removed = time.time() - max_age, 0
    for path in _upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def upload_store(data: bytes) -> str:
    """Keep `data` until the import is confirmed; returns its random id."""
    upload_purge()
    upload_id = secrets.token_hex(16)
    path = _upload_path(upload_id)
    path.write_bytes(data)
    path.chmod(0o600)
    return upload_id


def upload_load(upload_id: str) -> bytes:
    """The bytes of an upload younger than an hour."""
    path = _upload_path(upload_id)
    try:
        if path.stat().st_mtime < time.time() - UPLOAD_MAX_AGE:
            path.unlink(missing_ok=True)
            raise ApplicationError(_("The uploaded file has expired: upload it again."))
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ApplicationError(_("The uploaded file has expired: upload it again.")) from exc


def upload_discard(upload_id: str) -> None:
    try:
        _upload_path(upload_id).unlink(missing_ok=True)
    except ApplicationError:
        return
