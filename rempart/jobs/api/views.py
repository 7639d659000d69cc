"""API views of job runs (read-only; jobs are started by their module's endpoints)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from rempart.jobs.api.serializers import JobRunOutputSerializer
from rempart.jobs.models import JobRun
from rempart.jobs.selectors import job_list


class JobRunViewSet(viewsets.ReadOnlyModelViewSet[JobRun]):
    """Jobs visible to the caller, with live status and progress."""

    scope_module = "jobs"
    serializer_class = JobRunOutputSerializer
    lookup_field = "public_id"
    filterset_fields = ["status", "kind"]

    def get_queryset(self) -> QuerySet[JobRun]:
        runs: QuerySet[JobRun] = job_list(user=self.request.user)
        return runs
