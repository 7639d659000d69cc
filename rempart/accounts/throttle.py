"""Sign-in throttling: wrong passwords slow down the address they come from, never the account.

Each failure is counted twice: for the login typed from this address, and for the address
across every login. Past `LOGIN_ATTEMPTS` failures (per login and address) or
`LOGIN_ADDRESS_ATTEMPTS` (per address), that address waits before trying again: 30 s, then
twice as long after each further failure, up to `LOGIN_LOCKOUT_SECONDS`. The right password
from another address still works, so nobody can lock the security staff out by typing
wrong passwords in their name. A success from an address clears that login's count there;
counts are forgotten after four times the longest wait without a failure. An operator
administrator (or `rempart signin unlock`) lifts a wait. See docs/security.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rempart.accounts.models import SignInThrottle
from rempart.audit.services import audit_record

logger = logging.getLogger("rempart.security")
FIRST_WAIT = 30  # seconds
ANY_LOGIN = ""  # the row counting an address's failures across logins
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True)
class Policy:
    attempts: int  # failures of one login from one address before a wait
    address_attempts: int  # failures from one address, any login, before a wait
    max_wait: int  # seconds

    @property
    def forget_after(self) -> timedelta:
        return timedelta(seconds=4 * self.max_wait)

    def wait(self, failures: int, free: int) -> int:
        """Seconds to wait after `failures` failures when `free` are allowed."""
        if failures < free:
            return 0
        return int(min(FIRST_WAIT * 2 ** min(failures - free, 20), self.max_wait))


def policy() -> Policy:
    return Policy(
        attempts=settings.LOGIN_ATTEMPTS,
        address_attempts=settings.LOGIN_ADDRESS_ATTEMPTS,
        max_wait=settings.LOGIN_LOCKOUT_SECONDS,
    )


def normalise(login: str | None, address: str | None) -> tuple[str, str]:
    return (login or "").strip().lower()[:254], (address or UNKNOWN_ADDRESS)[:45]


def sign_in_wait(*, login: str, address: str | None, now: datetime | None = None) -> int:
    """Seconds before `login` may be tried again from `address` (0: now)."""
    now = now or timezone.now()
    login, address = normalise(login, address)
    until = SignInThrottle.objects.filter(
        address=address, login__in=[login, ANY_LOGIN], blocked_until__gt=now
    ).aggregate(until=Max("blocked_until"))["until"]
    return math.ceil((until - now).total_seconds()) if until else 0


@transaction.atomic
def sign_in_failed(*, login: str, address: str | None, now: datetime | None = None) -> int:
    """Count a wrong password; returns the seconds the address must now wait (0: none)."""
    now = now or timezone.now()
    login, address = normalise(login, address)
    rules = policy()
    _forget(now, rules)
    wait = max(
        _count(login, address, rules.attempts, now, rules),
        _count(ANY_LOGIN, address, rules.address_attempts, now, rules),
    )
    if wait:
        logger.warning("sign-in throttled: %s from %s waits %d s", login, address, wait)
    return wait


def _count(login: str, address: str, free: int, now: datetime, rules: Policy) -> int:
    row, _created = SignInThrottle.objects.select_for_update().get_or_create(
        login=login, address=address, defaults={"last_failure_at": now}
    )
    row.failures += 1
    wait = rules.wait(row.failures, free)
    row.last_failure_at = now
    row.blocked_until = now + timedelta(seconds=wait) if wait else None
    row.save(update_fields=["failures", "last_failure_at", "blocked_until"])
    return wait


def _forget(now: datetime, rules: Policy) -> None:
    SignInThrottle.objects.filter(
        Q(blocked_until__isnull=True) | Q(blocked_until__lt=now),
        last_failure_at__lt=now - rules.forget_after,
    ).delete()


def sign_in_succeeded(*, login: str, address: str | None) -> None:
    """The right password from `address`: that login's count there starts again."""
    login, address = normalise(login, address)
    SignInThrottle.objects.filter(login=login, address=address).delete()


def throttle_list(*, now: datetime | None = None) -> QuerySet[SignInThrottle]:
    """Rows with a wait in progress, longest first."""
    now = now or timezone.now()
    return SignInThrottle.objects.filter(blocked_until__gt=now).order_by("-blocked_until")


@transaction.atomic
def sign_in_unlock(
    *,
    actor: Any,
    login: str | None = None,
    address: str | None = None,
    pk: int | None = None,
    ip_address: str | None = None,
) -> int:
    """Lift waits: one row (`pk`), or every row of a login and/or an address. Audited."""
    rows = SignInThrottle.objects.all()
    if pk is not None:
        rows = rows.filter(pk=pk)
    if login:
        rows = rows.filter(login=normalise(login, None)[0])
    if address:
        rows = rows.filter(address=address)
    if pk is None and not login and not address:
        raise ValueError("name a row, a login or an address")
    described = [str(row) for row in rows]
    count = len(described)
    rows.delete()
    if count:
        audit_record(
            actor=actor,
            verb="accounts.sign_in.unlocked",
            changes={"unlocked": described},
            ip_address=ip_address,
            actor_label=None if actor is not None else "cli",
        )
    return count


def wait_text(seconds: int) -> str:
    """“30 secondes”, “2 minutes”: the wait rounded up to the minute past one minute."""
    if seconds < 60:  # noqa: PLR2004
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def throttled_message(seconds: int) -> str:
    return _(
        "Too many failed sign-in attempts from your network address. Try again in %(wait)s. "
        "An administrator of the regional team can lift this wait."
    ) % {"wait": wait_text(seconds)}
