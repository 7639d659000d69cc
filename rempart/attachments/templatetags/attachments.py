"""`{% record_attachments record %}`: the files of one record, in place, with an upload form
(and the review of evidence) for those who may change the establishment."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from rempart.attachments import selectors
from rempart.attachments.forms import UploadForm
from rempart.attachments.models import ReviewStatus
from rempart.attachments.services import max_bytes
from rempart.core.actions import Action
from rempart.core.subjects import subject_ref
from rempart.tenancy import access

register = template.Library()


@register.inclusion_tag("attachments/partials/_attachments.html", takes_context=True)
def record_attachments(context: Any, record: Any, evidence: bool = False) -> dict[str, Any]:
    request = context["request"]
    kind, public_id = subject_ref(record)
    return {
        "record": record,
        "files": list(selectors.attachments_of(user=request.user, owner=record)),
        "form": UploadForm(
            initial={"owner_kind": kind, "owner_id": public_id, "evidence": evidence}
        ),
        "next": request.get_full_path(),
        "today": timezone.localdate(),
        "reviews": ReviewStatus.choices,
        "max_mb": max_bytes() // 1048576,
        "can_change": access.can(request.user, Action.CHANGE, record.establishment),
        "csrf_token": context.get("csrf_token"),
    }
