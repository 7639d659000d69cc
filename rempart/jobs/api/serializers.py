"""API serializers of job runs."""

from __future__ import annotations

from rest_framework import serializers

from rempart.jobs.models import JobRun
from rempart.tenancy.models import Establishment


class JobRunOutputSerializer(serializers.ModelSerializer[JobRun]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment: serializers.SlugRelatedField[Establishment] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,  # platform-wide jobs
    )
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "establishment",
            "progress_done",
            "progress_total",
            "percent",
            "message",
            "result",
            "error",
            "cancel_requested",
            "created_at",
            "started_at",
            "finished_at",
        ]
