"""Template tags of the accounts app (sign-in and second-factor pages)."""

from __future__ import annotations

from typing import Any

from django import template

from rempart.accounts.mfa import mfa_reason as _mfa_reason

register = template.Library()


@register.simple_tag
def mfa_reason(user: Any) -> str:
    """Why a second factor is required of `user`, or an empty string."""
    return _mfa_reason(user)
