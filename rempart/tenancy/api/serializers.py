"""API serializers of the tenancy app: output and input kept separate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from rempart.tenancy import finess
from rempart.tenancy.choices import EstablishmentCategory, MemberRole
from rempart.tenancy.models import Establishment, EstablishmentGroup, Membership


class GroupOutputSerializer(serializers.ModelSerializer[EstablishmentGroup]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = EstablishmentGroup
        fields = ["id", "name", "kind", "code", "created_at", "updated_at"]


class EstablishmentOutputSerializer(serializers.ModelSerializer[Establishment]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    group: serializers.SlugRelatedField[EstablishmentGroup] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,  # not every one is in a group
    )
    department = serializers.CharField(read_only=True)

    class Meta:
        model = Establishment
        fields = [
            "id",
            "name",
            "slug",
            "finess_et",
            "finess_ej",
            "legal_entity_name",
            "siret",
            "category",
            "department",
            "street",
            "postal_code",
            "city",
            "group",
            "is_operator_own",
            "require_mfa",
            "is_active",
            "created_at",
            "updated_at",
        ]


class EstablishmentInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=60, required=False)
    finess_et = serializers.CharField(max_length=20)
    finess_ej = serializers.CharField(max_length=20)
    legal_entity_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    siret = serializers.CharField(max_length=20, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=EstablishmentCategory.choices)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    group = serializers.SlugRelatedField(
        slug_field="code",
        queryset=EstablishmentGroup.objects.all(),
        required=False,
        allow_null=True,
    )
    require_mfa = serializers.BooleanField(required=False)

    def validate_finess_et(self, value: str) -> str:
        finess.validate_finess(value)
        return finess.normalize(value)

    def validate_finess_ej(self, value: str) -> str:
        finess.validate_finess(value)
        return finess.normalize(value)

    def validate_siret(self, value: str) -> str:
        if value:
            finess.validate_siret(value)
        return finess.normalize(value)


class MembershipOutputSerializer(serializers.ModelSerializer[Membership]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment: serializers.SlugRelatedField[Establishment] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    user = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "establishment", "user", "role", "created_at", "updated_at"]


class MembershipInputSerializer(serializers.Serializer[Any]):
    establishment = serializers.SlugField()
    user = serializers.EmailField()
    role = serializers.ChoiceField(choices=MemberRole.choices)

    def validate_user(self, value: str) -> Any:
        user = get_user_model().objects.filter(email=value.lower()).first()
        if user is None:
            raise serializers.ValidationError("No user with this e-mail address; invite them.")
        return user


class MembershipUpdateSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=MemberRole.choices)
