"""Writes of attachments: add (checked, stored, audited), review evidence, delete.

    attachment_add(owner=incident, upload=request.FILES["file"], actor=request.user)
    attachment_add(owner=requirement_result, upload=…, actor=…, evidence=True,
                   expires_on=date(2027, 6, 30), allowed_types={sniff.PDF})

The file is checked before anything is written: size (setting `ATTACHMENT_MAX_MB`), type
from its bytes (rempart/attachments/sniff.py), then stored under a random name in the file
storage (`REMPART_HOME/media/attachments/<establishment>/…`); the row keeps the sanitised
name, the type, the size and the SHA-256. Deleting the row deletes the file once the
transaction commits. A file whose row was rolled back by the caller's transaction after
`attachment_add` returned is removed by the daily `attachments.purge_orphans` task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rempart.attachments import sniff
from rempart.attachments.models import Attachment, ReviewStatus
from rempart.audit.services import audit_record
from rempart.core.actions import Action
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.core.subjects import subject_ref
from rempart.tenancy import access

REFUSALS: dict[str, Promise] = {
    "program": gettext_lazy("Programs and scripts cannot be attached."),
    "ole": gettext_lazy(
        "Old Office formats (.doc, .xls, .msg) can carry macros: save the file as PDF, "
        ".docx or .xlsx first."
    ),
    "macros": gettext_lazy("Office files with macros cannot be attached: save it without macros."),
    "active": gettext_lazy("HTML and SVG files cannot be attached: save the page as PDF first."),
    "corrupt": gettext_lazy("The archive is damaged."),
    "unknown": gettext_lazy("This kind of file is not accepted."),
}


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * 1024 * 1024


def _require(actor: Any, establishment: Any) -> None:
    if not access.can(actor, Action.CHANGE, establishment):
        raise PermissionDeniedError(_("You may not change this establishment's files."))


def _checked_type(upload: UploadedFile[Any], allowed: Collection[str] | None) -> str:
    limit = max_bytes()
    if not upload.size:
        raise ApplicationError(_("The file is empty."), code="empty")
    if upload.size > limit:
        raise ApplicationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": settings.ATTACHMENT_MAX_MB},
            code="too_large",
        )
    try:
        content_type = sniff.sniff(upload, upload.name or "")
    except sniff.SniffError as error:
        reason = error.reason if error.reason in REFUSALS else "unknown"
        raise ApplicationError(str(REFUSALS[reason]), code=reason) from error
    if allowed is not None and content_type not in allowed:
        names = ", ".join(sorted(str(sniff.LABELS[t]) for t in allowed if t in sniff.LABELS))
        raise ApplicationError(
            _("This file is a %(kind)s; accepted here: %(accepted)s.")
            % {"kind": sniff.LABELS[content_type], "accepted": names},
            code="not_allowed_here",
        )
    return content_type


def _digest(upload: UploadedFile[Any]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def attachment_add(
    *,
    owner: Any,
    upload: UploadedFile[Any],
    actor: Any,
    description: str = "",
    evidence: bool = False,
    expires_on: dt.date | None = None,
    allowed_types: Collection[str] | None = None,
    ip_address: str | None = None,
) -> Attachment:
    """Attach `upload` to `owner` (a registered record); refuse it with a French reason."""
    establishment = owner.establishment
    _require(actor, establishment)
    kind, public_id = subject_ref(owner)
    content_type = _checked_type(upload, allowed_types)
    attachment = Attachment(
        establishment=establishment,
        owner_kind=kind,
        owner_id=public_id,
        name=sniff.safe_name(upload.name or "", content_type),
        description=description[:300],
        size=upload.size or 0,
        content_type=content_type,
        sha256=_digest(upload),
        uploaded_by=actor,
        expires_on=expires_on,
        review_status=ReviewStatus.TO_REVIEW if evidence else "",
    )
    attachment.file.save(attachment.name, upload, save=False)
    stored = attachment.file.name
    try:  # the row and the file stand or fall together
        attachment.save()
        audit_record(
            actor=actor,
            verb="attachments.file.added",
            target=attachment,
            ip_address=ip_address,
            changes={
                "name": attachment.name,
                "size": attachment.size,
                "type": content_type,
                "sha256": attachment.sha256,
                "owner": f"{kind}:{public_id}",
            },
        )
    except Exception:
        attachment.file.storage.delete(str(stored))
        raise
    return attachment


@transaction.atomic
def attachment_review(
    *,
    attachment: Attachment,
    actor: Any,
    status: str,
    comment: str = "",
    ip_address: str | None = None,
) -> Attachment:
    """Accept or refuse a piece of evidence (or send it back to review)."""
    _require(actor, attachment.establishment)
    if not attachment.is_evidence:
        raise ApplicationError(_("This file is not evidence: it has no review."))
    if status not in ReviewStatus.values:
        raise ApplicationError(_("Unknown review status."))
    old = attachment.review_status
    attachment.review_status = status
    attachment.review_comment = comment.strip()
    attachment.reviewed_by, attachment.reviewed_at = actor, timezone.now()
    attachment.save(
        update_fields=[
            "review_status",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        verb="attachments.evidence.reviewed",
        target=attachment,
        changes={"review_status": [old, status], "comment": attachment.review_comment},
        ip_address=ip_address,
    )
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: Any, ip_address: str | None = None) -> None:
    """Delete the row, then the file once the deletion is committed."""
    _require(actor, attachment.establishment)
    audit_record(
        actor=actor,
        verb="attachments.file.deleted",
        target=attachment,
        changes={"name": attachment.name, "sha256": attachment.sha256},
        ip_address=ip_address,
    )
    _delete(attachment)


def _delete(attachment: Attachment) -> None:
    storage, stored = attachment.file.storage, str(attachment.file.name)
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def attachments_forget(*, owner: Any) -> int:
    """Delete every file of a record that is being deleted (system context, no audit of its
    own: the owner's deletion is audited by its module)."""
    kind, public_id = subject_ref(owner)
    files = list(
        Attachment.objects.filter(
            establishment_id=owner.establishment_id, owner_kind=kind, owner_id=public_id
        )
    )
    for attachment in files:
        _delete(attachment)
    return len(files)


ORPHAN_AGE = dt.timedelta(days=1)


def attachments_purge_orphans(*, now: dt.datetime | None = None) -> int:
    """Delete stored files that no row points to (their row was rolled back), once they are a
    day old (an upload being committed right now is never touched)."""
    storage = Attachment._meta.get_field("file").storage
    cutoff = (now or timezone.now()) - ORPHAN_AGE
    removed = 0
    if not storage.exists("attachments"):
        return 0
    for folder in storage.listdir("attachments")[0]:
        known = set(
            Attachment.objects.filter(file__startswith=f"attachments/{folder}/").values_list(
                "file", flat=True
            )
        )
        for name in storage.listdir(f"attachments/{folder}")[1]:
            path = f"attachments/{folder}/{name}"
            if path not in known and storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
    return removed
