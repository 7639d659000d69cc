"""Django's admin, audited: every addition, change and deletion made there is written to
the audit log like changes made through the platform's own screens."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from rempart.audit.services import audit_record, snapshot
from rempart.core.http import client_ip


def _changed_fields(message: Any) -> dict[str, Any]:
    try:
        parsed = json.loads(message) if isinstance(message, str) and message else message
    except ValueError:
        return {"message": str(message)}
    fields: list[str] = []
    for part in parsed or []:
        if isinstance(part, dict) and "changed" in part:
            fields += part["changed"].get("fields", [])
    return {"fields": fields}


class AuditedModelAdminMixin:
    """Hooks on the admin's own logging calls (made after every successful save/delete)."""

    def _verb(self, obj: Model, event: str) -> str:
        return f"admin.{obj._meta.label_lower}.{event}"

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        audit_record(
            actor=request.user,
            verb=self._verb(obj, "created"),
            target=obj,
            changes=snapshot(obj),
            ip_address=client_ip(request),
        )
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        audit_record(
            actor=request.user,
            verb=self._verb(obj, "updated"),
            target=obj,
            changes=_changed_fields(message),
            ip_address=client_ip(request),
        )
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            audit_record(
                actor=request.user,
                verb=self._verb(obj, "deleted"),
                target=obj,
                changes=snapshot(obj),
                ip_address=client_ip(request),
            )
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class AuditedAdminSite(admin.AdminSite):
    """The default admin site: every registered ModelAdmin gets the audit hooks."""

    site_header = "Rempart — administration"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        base = admin_class or admin.ModelAdmin
        audited = type(f"Audited{base.__name__}", (AuditedModelAdminMixin, base), {})
        super().register(model_or_iterable, audited, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        """Superusers only: operator administrators work in the platform's screens."""
        return bool(request.user.is_active and request.user.is_superuser)
