"""Writes of the phishing settings: mail domains (DNS TXT proof), recipient groups, sending
profiles (and their test e-mail), e-mail templates and landing pages.

Every write requires MANAGE on the establishment and is audited without personal data nor
secrets: the audit names the object and the fields that changed, never a password or a
recipient's address.
"""

from __future__ import annotations

import smtplib
from typing import Any, TypeVar

import dns.resolver
from django.core.exceptions import ValidationError
from django.core.validators import validate_domain_name
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.audit.services import audit_record, snapshot
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.phishing.choices import AfterSubmit
from rempart.phishing.models import (
    EmailTemplate,
    LandingPage,
    RecipientGroup,
    SendingDomain,
    SendingProfile,
)
from rempart.phishing.sending.rendering import check_template, preview_context, render_message
from rempart.phishing.sending.smtp import (
    encoded_headers,
    envelope_sender,
    message_bytes,
    smtp_connect,
)
from rempart.phishing.settings.library import difficulty
from rempart.phishing.settings.public_domains import is_public_mail_domain
from rempart.phishing.settings.resolver import dns_resolver, txt_records
from rempart.tenancy import access

M = TypeVar("M", bound=models.Model)
TXT_PREFIX = "rempart-verification="
SMTP_TEST_TIMEOUT = 15.0


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


def verified_domains(*, establishment: Any) -> set[str]:
    return {
        domain.lower()
        for domain in SendingDomain.objects.for_establishment(establishment)
        .filter(verified_at__isnull=False)
        .values_list("domain", flat=True)
    }


def domain_verify(*, domain: SendingDomain, actor: Any, ip_address: str | None = None) -> None:
    """Mark a domain verified (an operator's check, or the DNS TXT check's success); never a
    public e-mail service's (one registered before they were refused stays unverified)."""
    _refuse_public(domain.domain)
    with transaction.atomic():
        domain.verified_at, domain.verified_by = timezone.now(), actor
        domain.save(update_fields=["verified_at", "verified_by", "updated_at"])
        audit_record(
            actor=actor,
            verb="phishing.domain.verified",
            target=domain,
            establishment=domain.establishment,
            changes={"domain": domain.domain},
            ip_address=ip_address,
        )


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
    _refuse_public(domain)
    return domain


def _refuse_public(domain: str) -> None:
    if is_public_mail_domain(domain.lower()):
        raise ApplicationError(
            _(
                "“%(domain)s” is a public e-mail service, shared by people outside the "
                "establishment: simulations only go to the establishment's own mail domain, "
                "whose DNS it manages (the part after @ in staff addresses, e.g. "
                "ch-exemple.fr)."
            )
            % {"domain": domain}
        )


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
        detail = ngettext(
            "%(count)d TXT record found, not Rempart's",
            "%(count)d TXT records found, none of them Rempart's",
            len(found),
        ) % {"count": len(found)}
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
