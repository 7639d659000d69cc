"""Reads of the audit log: operator admins see all, referents their establishment's entries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rempart.audit.models import AuditEntry


def audit_entry_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.visible_to(user).select_related("establishment")
    filters = filters or {}
    if filters.get("establishment") is not None:
        entries = entries.filter(establishment=filters["establishment"])
    if filters.get("verb"):
        entries = entries.filter(verb__startswith=filters["verb"])
    if filters.get("actor"):
        entries = entries.filter(actor_label__icontains=filters["actor"])
    if filters.get("since"):
        entries = entries.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        entries = entries.filter(created_at__date__lte=filters["until"])
    return entries
