"""Account services: invitations, API tokens, first administrator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rempart.accounts import scopes as scope_registry
from rempart.accounts.models import ApiToken, Invitation, StaffInvitation, User
from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.crypto import new_token, token_hash
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.tenancy import access
from rempart.tenancy.choices import OperatorRole
from rempart.tenancy.models import (
    Establishment,
    EstablishmentGroup,
    Membership,
    Operator,
    OperatorAssignment,
)
from rempart.tenancy.services import membership_set


def email_verified_record(user: User) -> None:
    """Record the account's address as verified: an invitation (or the operator) proved it.

    allauth consults these records, e.g. before linking a single sign-on identity by e-mail.
    """
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


@dataclass(frozen=True)
class IssuedSecret:
    """A secret shown once to its owner (invitation link, API token, one-time password)."""

    obj: Any
    secret: str


def _invitation_url(token: str) -> str:
    return str(settings.SITE_URL) + reverse("accounts:invitation_accept", args=[token])


def _send_invitation(email: str, url: str, inviter: User, target: str, language: str) -> None:
    with translation.override(language):
        context = {
            "url": url,
            "inviter": inviter,
            "target": target,
            "days": settings.INVITATION_DAYS,
        }
        send_mail(
            subject=_("Rempart: you are invited to join %(target)s") % {"target": target},
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )


@transaction.atomic
def invitation_create(
    *,
    establishment: Establishment,
    email: str,
    role: str,
    invited_by: User,
    ip_address: str | None = None,
) -> IssuedSecret:
    """Invite someone to an establishment; needs MANAGE on it. The e-mail leaves on commit."""
    if not access.can(invited_by, Action.MANAGE, establishment):
        raise PermissionDeniedError(_("You cannot invite members to this establishment."))
    email = email.strip().lower()
    if Membership.objects.filter(establishment=establishment, user__email=email).exists():
        raise ApplicationError(_("%(email)s is already a member.") % {"email": email})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        establishment=establishment,
        email=email,
        role=role,
        invited_by=invited_by,
        token_hash=token_hash(token),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        actor=invited_by,
        verb="accounts.invitation.created",
        target=invitation,
        changes={"email": email, "role": role},
        ip_address=ip_address,
    )
    url, lang = _invitation_url(token), translation.get_language() or "fr"
    transaction.on_commit(
        lambda: _send_invitation(email, url, invited_by, establishment.name, lang)
    )
    return IssuedSecret(invitation, url)


@transaction.atomic
def staff_invitation_create(
    *,
    operator: Operator,
    email: str,
    role: str,
    invited_by: User,
    groups: list[EstablishmentGroup] | None = None,
    ip_address: str | None = None,
) -> IssuedSecret:
    """Invite a member of the regional team; operator administrators only."""
    if not access.is_operator_admin(invited_by):
        raise PermissionDeniedError(_("Only operator administrators can invite staff."))
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation(
        operator=operator,
        email=email.strip().lower(),
        role=role,
        invited_by=invited_by,
        token_hash=token_hash(token),
        all_establishments=not groups,
    )
    invitation.full_clean()
    invitation.save()
    invitation.groups.set(groups or [])
    audit_record(
        actor=invited_by,
        verb="accounts.staff_invitation.created",
        target=invitation,
        changes={"email": invitation.email, "role": role},
        ip_address=ip_address,
    )
    url, lang = _invitation_url(token), translation.get_language() or "fr"
    transaction.on_commit(
        lambda: _send_invitation(invitation.email, url, invited_by, operator.name, lang)
    )
    return IssuedSecret(invitation, url)


def invitation_lookup(token: str) -> Invitation | StaffInvitation:
    """The invitation behind a link; a clear error when it is unknown, used, revoked or expired."""
    digest = token_hash(token)
    invitation: Invitation | StaffInvitation | None = (
        Invitation.objects.select_related("establishment").filter(token_hash=digest).first()
        or StaffInvitation.objects.filter(token_hash=digest).first()
    )
    if invitation is None:
        raise ApplicationError(_("This invitation link is not valid."), code="not_found")
    if invitation.accepted_at:
        raise ApplicationError(_("This invitation has already been used."), code="used")
    if invitation.revoked_at:
        raise ApplicationError(_("This invitation has been revoked."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ApplicationError(
            _("This invitation expired on %(date)s. Ask for a new one.")
            % {"date": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y %H:%M")},
            code="expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
    ip_address: str | None = None,
) -> User:
    """Accept an invitation: create the account (or use the signed-in one) and grant the role."""
    invitation = invitation_lookup(token)
    if user is None:
        if User.objects.filter(email=invitation.email).exists():
            raise ApplicationError(
                _("An account already exists for %(email)s: sign in first, then open the link.")
                % {"email": invitation.email},
                code="sign_in",
            )
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=full_name
        )
        email_verified_record(user)
        audit_record(
            actor=user,
            verb="accounts.user.created",
            target=user,
            changes={"email": user.email, "via": "invitation"},
            ip_address=ip_address,
        )
    elif user.email.lower() != invitation.email:
        raise ApplicationError(
            _("This invitation is for %(email)s; you are signed in as another user.")
            % {"email": invitation.email},
            code="wrong_user",
        )
    _grant(invitation, user, ip_address)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    return user


def _grant(invitation: Invitation | StaffInvitation, user: User, ip: str | None) -> None:
    if isinstance(invitation, Invitation):
        membership_set(
            user=user,
            establishment=invitation.establishment,
            role=invitation.role,
            actor=user,
            ip_address=ip,
            system=True,
        )
        return
    assignment, _created = OperatorAssignment.objects.update_or_create(
        user=user,
        defaults={
            "operator": invitation.operator,
            "role": invitation.role,
            "all_establishments": invitation.all_establishments,
        },
    )
    assignment.groups.set(invitation.groups.all())
    audit_record(
        actor=user,
        verb="tenancy.operator_assignment.created",
        target=assignment,
        changes={"role": invitation.role},
        ip_address=ip,
    )


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, actor: User, ip_address: str | None = None
) -> None:
    if not access.can(actor, Action.MANAGE, invitation.establishment):
        raise PermissionDeniedError(_("You cannot manage this establishment's invitations."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor, verb="accounts.invitation.revoked", target=invitation, ip_address=ip_address
    )


INVITATION_RETENTION_DAYS = 90


@transaction.atomic
def invitations_purge() -> int:
    """Delete invitations that ended more than 90 days ago (they hold an e-mail address)."""
    cutoff = timezone.now() - timedelta(days=INVITATION_RETENTION_DAYS)
    removed = 0
    for model in (Invitation, StaffInvitation):
        ended = model.objects.filter(expires_at__lt=cutoff)
        count = ended.count()
        if count:
            ended.delete()
            audit_record(
                actor=None,
                verb="accounts.invitation.purged",
                changes={"model": model._meta.label_lower, "count": count},
            )
        removed += count
    return removed


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    ip_address: str | None = None,
) -> IssuedSecret:
    """Create a token; the plaintext is returned once and never stored."""
    unknown = sorted(set(scopes) - set(scope_registry.all_scopes()))
    if unknown or not scopes:
        raise ApplicationError(
            _("Unknown or missing scopes: %(scopes)s") % {"scopes": ", ".join(unknown) or "—"}
        )
    now = timezone.now()
    limit = now + timedelta(days=settings.API_TOKEN_MAX_DAYS)
    expires_at = expires_at or now + timedelta(days=90)
    if not now < expires_at <= limit:
        raise ApplicationError(
            _("The expiry date must be in the future and within %(days)d days.")
            % {"days": settings.API_TOKEN_MAX_DAYS}
        )
    plaintext = new_token("rmp")
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or _("API token"),
        prefix=plaintext[:10],
        token_hash=token_hash(plaintext),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    audit_record(
        actor=user,
        verb="accounts.api_token.created",
        target=token,
        changes={"scopes": token.scopes, "expires_at": expires_at},
        ip_address=ip_address,
    )
    return IssuedSecret(token, plaintext)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, ip_address: str | None = None) -> ApiToken:
    if token.user_id != actor.pk and not access.is_operator_admin(actor):
        raise PermissionDeniedError(_("You cannot revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor, verb="accounts.api_token.revoked", target=token, ip_address=ip_address
        )
    return token


def api_token_authenticate(plaintext: str) -> ApiToken | None:
    """The usable token matching `plaintext`, or None; records the last use (once a minute)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(plaintext), revoked_at=None, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def first_admin_ensure(*, email: str, operator: Operator) -> IssuedSecret | None:
    """Create the first operator administrator with a one-time password, once."""
    if OperatorAssignment.objects.filter(role=OperatorRole.ADMIN).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email,
        password=password,
        full_name=_("Platform administrator"),
        is_staff=True,
        is_superuser=True,
    )
    user.set_password(password)
    user.must_change_password = True
    user.save()
    email_verified_record(user)
    OperatorAssignment.objects.create(user=user, operator=operator, role=OperatorRole.ADMIN)
    audit_record(
        actor=None, verb="accounts.first_admin.created", target=user, changes={"email": email}
    )
    return IssuedSecret(user, password)


@transaction.atomic
def password_changed(*, user: User, ip_address: str | None = None) -> None:
    """Record a password change and clear the one-time password flag."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit_record(actor=user, verb="accounts.password.changed", target=user, ip_address=ip_address)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
