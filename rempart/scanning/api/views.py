"""API views of the scanning app: tenant-scoped viewsets calling the services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from rempart.api.mixins import TenantScopedViewSetMixin
from rempart.api.validation import validated
from rempart.core.actions import Action
from rempart.core.http import client_ip
from rempart.scanning import selectors
from rempart.scanning.api import serializers as s
from rempart.scanning.filters import AssetFilterSet, FindingFilterSet
from rempart.scanning.models import Asset, Finding, Scan, Scope
from rempart.scanning.services import findings as finding_services
from rempart.scanning.services.assets import asset_update
from rempart.scanning.services.scans import scan_request


class ScopeViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet[Scope]):
    """Scan scopes of the caller's establishments."""

    scope_module = "scanning"
    queryset_model = Scope
    lookup_field = "public_id"
    serializer_class = s.ScopeOutputSerializer


class ScanViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Scan],
):
    """Scans; POST launches one (CHANGE on the establishment; authorisation, windows and
    scope are checked)."""

    scope_module = "scanning"
    queryset_model = Scan
    lookup_field = "public_id"
    serializer_class = s.ScanOutputSerializer
    filterset_fields = ["status", "policy"]

    def get_queryset(self) -> QuerySet[Scan]:
        if self.request.method == "POST":
            return Scan.objects.none()
        return super().get_queryset().select_related("scope", "job", "establishment")

    @extend_schema(request=s.ScanInputSerializer, responses={201: s.ScanOutputSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.ScanInputSerializer, request.data)
        scope = selectors.scope_get(
            user=request.user, public_id=data["scope"], action=Action.CHANGE
        )
        scan = scan_request(
            scope=scope,
            actor=request.user,
            policy=data["policy"],
            targets=data.get("targets") or None,
            ip_address=client_ip(request),
        )
        return Response(s.ScanOutputSerializer(scan).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def findings(self, request: Request, public_id: str) -> Response:
        """The findings this scan observed (same fields as `rempart scan --json`)."""
        return Response(selectors.scan_findings_export(scan=self.get_object()))


class AssetViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Asset],
):
    """Assets (inventory); PATCH sets name, class, criticality and tags."""

    scope_module = "scanning"
    queryset_model = Asset
    lookup_field = "public_id"
    serializer_class = s.AssetOutputSerializer
    filterset_class = AssetFilterSet

    def get_queryset(self) -> QuerySet[Asset]:
        return super().get_queryset().select_related("establishment").prefetch_related("services")

    @extend_schema(request=s.AssetInputSerializer, responses={200: s.AssetOutputSerializer})
    def partial_update(self, request: Request, public_id: str) -> Response:
        asset = self.get_object()
        data = validated(s.AssetInputSerializer, request.data, partial=True)
        asset = asset_update(
            asset=asset,
            actor=request.user,
            name=data.get("name", asset.name),
            asset_class=data.get("asset_class", asset.asset_class),
            criticality=data.get("criticality", asset.criticality),
            tags=data.get("tags", asset.tags),
            ip_address=client_ip(request),
        )
        return Response(s.AssetOutputSerializer(asset).data)


class FindingViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Finding],
):
    """Findings; actions: accept the risk, mark a false positive, reopen."""

    scope_module = "scanning"
    queryset_model = Finding
    lookup_field = "public_id"
    serializer_class = s.FindingOutputSerializer
    filterset_class = FindingFilterSet
    action_overrides = {
        "accept": Action.MANAGE,
        "false_positive": Action.CHANGE,
        "reopen": Action.CHANGE,
    }

    def get_queryset(self) -> QuerySet[Finding]:
        return super().get_queryset().select_related("asset", "assignee", "establishment")

    def _decide(
        self, request: Request, handler: Any, extra: Any, body: Any = s.DecisionSerializer
    ) -> Response:
        finding = self.get_object()
        data = validated(body, request.data)
        finding = handler(
            finding=finding,
            actor=request.user,
            reason=data["reason"],
            ip_address=client_ip(request),
            **extra(data),
        )
        return Response(s.FindingOutputSerializer(finding).data)

    @extend_schema(request=s.AcceptRiskSerializer, responses={200: s.FindingOutputSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, public_id: str) -> Response:
        return self._decide(
            request,
            finding_services.finding_accept_risk,
            extra=lambda data: {"until": data["until"]},
            body=s.AcceptRiskSerializer,
        )

    @extend_schema(request=s.DecisionSerializer, responses={200: s.FindingOutputSerializer})
    @action(detail=True, methods=["post"], url_path="false-positive")
    def false_positive(self, request: Request, public_id: str) -> Response:
        return self._decide(
            request, finding_services.finding_mark_false_positive, extra=lambda data: {}
        )

    @extend_schema(request=s.DecisionSerializer, responses={200: s.FindingOutputSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, public_id: str) -> Response:
        return self._decide(request, finding_services.finding_reopen, extra=lambda data: {})
