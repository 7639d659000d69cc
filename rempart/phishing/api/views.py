"""API views of the phishing app: campaigns, their aggregated results and pseudonymous
targets (read-only, tenant-scoped through `visible_to`)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from rempart.api.mixins import TenantScopedViewSetMixin
from rempart.phishing import selectors
from rempart.phishing.api import serializers as s
from rempart.phishing.models import Campaign, CampaignVariant, Target
from rempart.phishing.results import stats


class PhishingCampaignViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet[Campaign]):
    """Phishing campaigns of the caller's establishments, their results (aggregates only,
    never for fewer than 5 people) and their targets (pseudonyms, never people)."""

    scope_module = "phishing"
    queryset_model = Campaign
    lookup_field = "public_id"
    serializer_class = s.PhishingCampaignOutputSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Campaign]:
        campaigns = super().get_queryset().select_related("establishment")
        if self.action in ("results", "targets"):
            return campaigns
        variants = self.scoped_queryset(CampaignVariant.objects.select_related("template"))
        annotated: QuerySet[Campaign] = (
            campaigns.annotate(target_count=Count("targets"))
            .prefetch_related(Prefetch("variants", queryset=variants))
            .order_by("-created_at", "pk")  # an aggregate drops Meta.ordering
        )
        return annotated

    @extend_schema(responses=s.PhishingCampaignResultsSerializer, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request: Request, public_id: str) -> Response:
        """The funnel, and the breakdowns by variant, service and job family."""
        campaign = self.get_object()
        return Response(
            s.PhishingCampaignResultsSerializer(
                {
                    "min_group": stats.MIN_GROUP,
                    "funnel": stats.campaign_funnel(campaign),
                    "by_variant": stats.breakdown(campaign, "variant"),
                    "by_department": stats.breakdown(campaign, "department"),
                    "by_job_family": stats.breakdown(campaign, "job_family"),
                }
            ).data
        )

    @extend_schema(responses=s.PhishingTargetOutputSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def targets(self, request: Request, public_id: str) -> Response:
        """One row per recipient, by pseudonym (as the CSV export), paginated."""
        targets = selectors.campaign_targets(campaign=self.get_object())
        # The viewset is typed for campaigns; its paginator pages any queryset.
        page: list[Target] | None = self.paginate_queryset(targets)  # type: ignore[arg-type]
        return self.get_paginated_response(s.PhishingTargetOutputSerializer(page, many=True).data)
