"""API of the vulnerability catalog: search, detail, lookup by CPE and version."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from rempart.threatwatch import selectors
from rempart.threatwatch.api import serializers as s
from rempart.threatwatch.models import Cve
from rempart.threatwatch.services.lookup import CpeLookupError, lookup_cpe23


class CveViewSet(viewsets.ReadOnlyModelViewSet[Cve]):
    """The shared CVE catalog (every authenticated user may read it)."""

    scope_module = "intel"
    lookup_field = "cve_id"
    lookup_value_regex = r"CVE-\d{4}-\d{4,}"

    def get_serializer_class(self) -> Any:
        return s.CveDetailSerializer if self.action == "retrieve" else s.CveListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="CVE id, words, or a CPE name"),
            OpenApiParameter("vendor", str),
            OpenApiParameter("product", str),
            OpenApiParameter("kev", bool),
            OpenApiParameter("min_cvss", float),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Cve]:
        params = self.request.query_params
        try:
            min_cvss = float(params["min_cvss"]) if params.get("min_cvss") else None
        except ValueError as exc:
            raise ValidationError({"min_cvss": ["A number from 0 to 10."]}) from exc
        return selectors.cve_search(
            q=params.get("q", ""),
            vendor=params.get("vendor", ""),
            product=params.get("product", ""),
            kev=params.get("kev") in ("1", "true"),
            min_cvss=min_cvss,
        ).prefetch_related("matches")

    @extend_schema(
        parameters=[OpenApiParameter("cpe", str, required=True)],
        responses={200: s.LookupMatchSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request: Request) -> Response:
        """CVEs applying to a product version: `?cpe=cpe:2.3:a:vendor:product:version:…`."""
        query = s.LookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            return Response(lookup_cpe23(query.validated_data["cpe"]))
        except CpeLookupError as exc:
            raise ValidationError({"cpe": [str(exc)]}) from exc
