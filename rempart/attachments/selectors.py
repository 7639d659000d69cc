"""Reads of attachments, always scoped through `visible_to`."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from rempart.attachments.models import Attachment
from rempart.core.actions import Action
from rempart.core.subjects import subject_ref


def attachments_of(*, user: Any, owner: Any) -> QuerySet[Attachment]:
    """The files of one record that `user` may see."""
    kind, public_id = subject_ref(owner)
    files: QuerySet[Attachment] = Attachment.objects.visible_to(user).filter(
        establishment_id=owner.establishment_id, owner_kind=kind, owner_id=public_id
    )
    return files.select_related("uploaded_by")


def attachment_get(
    *, user: Any, public_id: UUID, establishment: Any, action: Action = Action.VIEW
) -> Attachment:
    """One file of `establishment` that `user` may `action`; 404 for absent or not yours."""
    try:
        attachment: Attachment = Attachment.objects.visible_to(user, action=action).get(
            establishment=establishment, public_id=public_id
        )
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    return attachment


def evidence_expired(*, user: Any, establishment: Any, today: dt.date) -> QuerySet[Attachment]:
    """Evidence of `establishment` past its validity date (to renew)."""
    files: QuerySet[Attachment] = Attachment.objects.visible_to(user).filter(
        establishment=establishment, expires_on__lt=today
    )
    return files.exclude(review_status="")
