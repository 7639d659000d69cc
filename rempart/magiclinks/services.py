"""Personal links: issue (the raw token is returned once, only its hash is kept), revoke,
resolve.

    issued = magiclink_issue(subject=learner, email=learner.email, purpose="awareness.learn",
                             actor=request.user, lifetime=timedelta(days=30))
    send_mail(…, reverse("awareness:learn", args=[issued.token]) …)   # the only time it exists

Issuing a new link for the same record and purpose revokes the earlier ones (one person, one
live link). Resolving is one query by the token's SHA-256 (an index lookup on a digest: the
time does not depend on how much of a guessed token is right), then a constant-time
comparison; expired, revoked and unknown tokens do the same work and raise the same error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.crypto import constant_time_equal, new_token, token_hash
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.core.subjects import subject_ref
from rempart.magiclinks.models import MagicLink
from rempart.tenancy import access

TOKEN_PREFIX = "rml"  # noqa: S105  (a prefix that secret scanners recognise, not a secret)
PURPOSE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
MAX_LIFETIME = dt.timedelta(days=366)
DUMMY_HASH = token_hash("rml_not-a-token")


class MagicLinkInvalidError(Exception):
    """The token is unknown, expired or revoked (the caller is not told which)."""


@dataclass(frozen=True)
class IssuedLink:
    link: MagicLink
    token: str  # the raw token: put it in the e-mail, never store or log it


@transaction.atomic
def magiclink_issue(
    *,
    subject: Any,
    email: str,
    purpose: str,
    actor: Any,
    lifetime: dt.timedelta,
    ip_address: str | None = None,
) -> IssuedLink:
    """A new link for one person; `actor` None means the platform (a scheduled invitation)."""
    if actor is not None and not access.can(actor, Action.CHANGE, subject.establishment):
        raise PermissionDeniedError(_("You may not send links for this establishment."))
    if not PURPOSE.match(purpose):
        raise ApplicationError(_("Unknown purpose."))
    if not dt.timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ApplicationError(_("A link is valid for one year at most."))
    kind, public_id = subject_ref(subject)
    now = timezone.now()
    _revoke_live(subject.establishment_id, kind, public_id, purpose, now)
    token = new_token(TOKEN_PREFIX)
    link = MagicLink.objects.create(
        establishment_id=subject.establishment_id,
        purpose=purpose,
        subject_kind=kind,
        subject_id=public_id,
        email=email.strip().lower(),
        token_hash=token_hash(token),
        expires_at=now + lifetime,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="magiclinks.link.issued",
        target=link,
        ip_address=ip_address,
        establishment=subject.establishment,
        changes={
            "purpose": purpose,
            "email": link.email,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return IssuedLink(link=link, token=token)


def _revoke_live(
    establishment_id: int, kind: str, public_id: Any, purpose: str, now: dt.datetime
) -> None:
    MagicLink.objects.filter(
        establishment_id=establishment_id,
        subject_kind=kind,
        subject_id=public_id,
        purpose=purpose,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(revoked_at=now)


@transaction.atomic
def magiclink_revoke(*, link: MagicLink, actor: Any, ip_address: str | None = None) -> None:
    """The link stops working at once."""
    if actor is not None and not access.can(actor, Action.CHANGE, link.establishment):
        raise PermissionDeniedError(_("You may not revoke links for this establishment."))
    if link.revoked_at is not None:
        return
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, verb="magiclinks.link.revoked", target=link, ip_address=ip_address)


def magiclinks_revoke_for(*, subject: Any, actor: Any = None) -> int:
    """Revoke every live link of a record (the person left, the record is being deleted)."""
    kind, public_id = subject_ref(subject)
    return MagicLink.objects.filter(
        establishment_id=subject.establishment_id,
        subject_kind=kind,
        subject_id=public_id,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())


def magiclink_resolve(token: str, *, purpose: str) -> MagicLink:
    """The live link behind `token` for `purpose`; MagicLinkInvalidError otherwise."""
    digest = token_hash(token or "")
    link: MagicLink | None = (
        MagicLink.objects.select_related("establishment")
        .filter(token_hash=digest, purpose=purpose)
        .first()
    )
    matches = constant_time_equal(link.token_hash if link else DUMMY_HASH, digest)
    now = timezone.now()
    if link is None or not matches or not link.is_usable(now):
        raise MagicLinkInvalidError
    _mark_used(link, now)
    return link


def _mark_used(link: MagicLink, now: dt.datetime) -> None:
    first = link.use_count == 0
    MagicLink.objects.filter(pk=link.pk).update(last_used_at=now, use_count=F("use_count") + 1)
    link.last_used_at, link.use_count = now, link.use_count + 1
    if first:
        audit_record(
            actor=None, actor_label=link.email, verb="magiclinks.link.first_used", target=link
        )
