"""API views of the audit log (read-only: the log is append-only)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from rempart.audit.api.serializers import AuditEntryOutputSerializer
from rempart.audit.filters import AuditEntryFilterSet
from rempart.audit.models import AuditEntry
from rempart.audit.selectors import audit_entry_list


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """Audit entries the caller may read, newest first; filter by verb, actor, dates."""

    scope_module = "audit"
    serializer_class = AuditEntryOutputSerializer
    filterset_class = AuditEntryFilterSet
    lookup_field = "seq"

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return audit_entry_list(user=self.request.user)
