"""API views of the tenancy app: thin, tenant-scoped, calling services."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from rempart.api.mixins import TenantScopedViewSetMixin
from rempart.api.validation import validated
from rempart.core.actions import Action
from rempart.core.http import client_ip
from rempart.tenancy import selectors, services
from rempart.tenancy.api import serializers as s
from rempart.tenancy.models import Establishment, EstablishmentGroup, Membership


class EstablishmentViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Establishment],
):
    """Establishments in the caller's reach. Create: operator administrators. Update: CHANGE."""

    scope_module = "tenancy"
    queryset_model = Establishment
    lookup_field = "public_id"
    serializer_class = s.EstablishmentOutputSerializer
    filterset_fields = ["category", "is_active", "finess_et"]

    def get_queryset(self) -> QuerySet[Establishment]:
        if self.request.method == "POST":
            return Establishment.objects.none()
        return super().get_queryset().select_related("group")

    @extend_schema(
        request=s.EstablishmentInputSerializer, responses={201: s.EstablishmentOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(s.EstablishmentInputSerializer, request.data)
        establishment = services.establishment_create(
            actor=request.user,
            operator=selectors.default_operator(),
            data=data,
            ip_address=client_ip(request),
        )
        return Response(
            s.EstablishmentOutputSerializer(establishment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=s.EstablishmentInputSerializer, responses={200: s.EstablishmentOutputSerializer}
    )
    def partial_update(self, request: Request, public_id: str) -> Response:
        establishment = self.get_object()
        data = validated(s.EstablishmentInputSerializer, request.data, partial=True)
        establishment = services.establishment_update(
            actor=request.user,
            establishment=establishment,
            data=data,
            ip_address=client_ip(request),
        )
        return Response(s.EstablishmentOutputSerializer(establishment).data)


class GroupViewSet(viewsets.ReadOnlyModelViewSet[EstablishmentGroup]):
    """Establishment groups (GHT) in the caller's reach."""

    scope_module = "tenancy"
    lookup_field = "public_id"
    serializer_class = s.GroupOutputSerializer

    def get_queryset(self) -> QuerySet[EstablishmentGroup]:
        return selectors.group_list(user=self.request.user)


class MembershipViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Membership],
):
    """Memberships of the caller's establishments; changes need MANAGE on the establishment."""

    scope_module = "tenancy"
    queryset_model = Membership
    lookup_field = "public_id"
    serializer_class = s.MembershipOutputSerializer
    filterset_fields = ["role"]
    action_overrides = {"partial_update": Action.MANAGE, "destroy": Action.MANAGE}

    def get_queryset(self) -> QuerySet[Membership]:
        return super().get_queryset().select_related("user", "establishment")

    @extend_schema(
        request=s.MembershipInputSerializer, responses={201: s.MembershipOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(s.MembershipInputSerializer, request.data)
        establishment = selectors.establishment_get(
            user=request.user, slug=data["establishment"], action=Action.MANAGE
        )
        membership = services.membership_set(
            user=data["user"],
            establishment=establishment,
            role=data["role"],
            actor=request.user,
            ip_address=client_ip(request),
        )
        return Response(
            s.MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=s.MembershipUpdateSerializer, responses={200: s.MembershipOutputSerializer}
    )
    def partial_update(self, request: Request, public_id: str) -> Response:
        membership = self.get_object()
        data = validated(s.MembershipUpdateSerializer, request.data)
        membership = services.membership_set(
            user=membership.user,
            establishment=membership.establishment,
            role=data["role"],
            actor=request.user,
            ip_address=client_ip(request),
        )
        return Response(s.MembershipOutputSerializer(membership).data)

    def destroy(self, request: Request, public_id: str) -> Response:
        services.membership_remove(
            membership=self.get_object(), actor=request.user, ip_address=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
