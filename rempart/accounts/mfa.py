"""Who must use a second factor, and whether they have one."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.tenancy.access import is_operator_staff
from rempart.tenancy.models import Membership

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user: Any) -> bool:
    return bool(Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists())


def mfa_required(user: Any) -> bool:
    """Mandatory for operator staff and superusers; per establishment for members."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or is_operator_staff(user):
        return True
    return Membership.objects.filter(user=user, establishment__require_mfa=True).exists()


def mfa_reason(user: Any) -> str:
    """Why the platform requires a second factor of `user` (empty when it does not)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser or is_operator_staff(user):
        return _(
            "Two-factor authentication is mandatory for the regional team: your account "
            "reaches the security data of every establishment in your perimeter."
        )
    names = list(
        Membership.objects.filter(user=user, establishment__require_mfa=True)
        .order_by("establishment__name")
        .values_list("establishment__name", flat=True)
    )
    if not names:
        return ""
    return ngettext(
        "Two-factor authentication is mandatory: %(names)s requires it of its members.",
        "Two-factor authentication is mandatory: %(names)s require it of their members.",
        len(names),
    ) % {"names": ", ".join(names)}
