"""Who must use a second factor, and whether they have one."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

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
