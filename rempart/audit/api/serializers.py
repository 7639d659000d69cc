"""API serializers of the audit log."""

from __future__ import annotations

from rest_framework import serializers

from rempart.audit.models import AuditEntry
from rempart.tenancy.models import Establishment


class AuditEntryOutputSerializer(serializers.ModelSerializer[AuditEntry]):
    establishment: serializers.SlugRelatedField[Establishment] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,  # platform-wide entries
    )

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "created_at",
            "actor_label",
            "establishment",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "ip_address",
            "prev_hash",
            "hash",
        ]
