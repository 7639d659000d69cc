"""API serializers of the scanning app (output and input kept apart)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from rempart.scanning.choices import AssetClass, Criticality, Policy
from rempart.scanning.models import Asset, Finding, Scan, Scope, Service
from rempart.tenancy.models import Establishment


class _Establishment(serializers.SlugRelatedField[Establishment]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", read_only=True, **kwargs)


class ScopeOutputSerializer(serializers.ModelSerializer[Scope]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment = _Establishment()
    targets = serializers.ListField(source="target_lines", child=serializers.CharField())

    class Meta:
        model = Scope
        fields = [
            "id",
            "establishment",
            "name",
            "targets",
            "tcp_ports",
            "udp_ports",
            "deep_allowed",
            "is_active",
            "created_at",
            "updated_at",
        ]


class ScanOutputSerializer(serializers.ModelSerializer[Scan]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment = _Establishment()
    scope = serializers.UUIDField(source="scope.public_id", read_only=True, allow_null=True)
    job = serializers.UUIDField(source="job.public_id", read_only=True, allow_null=True)
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Scan
        fields = [
            "id",
            "establishment",
            "scope",
            "policy",
            "source",
            "status",
            "targets",
            "job",
            "started_at",
            "finished_at",
            "error",
            "hosts_up",
            "services_found",
            "findings_new",
            "findings_fixed",
            "findings_reopened",
            "findings_present",
            "created_at",
        ]

    def get_targets(self, scan: Scan) -> list[str]:
        return [line for line in scan.targets.splitlines() if line]


class ScanInputSerializer(serializers.Serializer[Any]):
    scope = serializers.UUIDField()
    policy = serializers.ChoiceField(choices=Policy.choices, default=Policy.STANDARD)
    targets = serializers.ListField(child=serializers.CharField(max_length=200), required=False)


class ServiceSerializer(serializers.ModelSerializer[Service]):
    class Meta:
        model = Service
        fields = [
            "port",
            "protocol",
            "name",
            "product",
            "version",
            "extrainfo",
            "cpe",
            "tunnel",
            "is_open",
            "first_seen",
            "last_seen",
        ]


class AssetOutputSerializer(serializers.ModelSerializer[Asset]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment = _Establishment()
    services = ServiceSerializer(many=True, read_only=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "establishment",
            "address",
            "name",
            "hostnames",
            "mac",
            "mac_vendor",
            "os_guess",
            "asset_class",
            "criticality",
            "tags",
            "first_seen",
            "last_seen",
            "services",
        ]


class AssetInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)
    criticality = serializers.ChoiceField(choices=Criticality.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)


class FindingOutputSerializer(serializers.ModelSerializer[Finding]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment = _Establishment()
    host = serializers.IPAddressField(source="asset.address", read_only=True)
    asset = serializers.UUIDField(source="asset.public_id", read_only=True)
    check = serializers.CharField(source="check_id", read_only=True)
    assignee = serializers.EmailField(source="assignee.email", read_only=True, allow_null=True)
    display_title = serializers.CharField(read_only=True)
    evidence_text = serializers.CharField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "establishment",
            "asset",
            "host",
            "port",
            "protocol",
            "check",
            "key",
            "title",
            "title_fr",
            "title_params",
            "display_title",
            "severity",
            "confidence",
            "status",
            "evidence",
            "evidence_messages",
            "evidence_text",
            "cves",
            "known_exploited",
            "epss",
            "product",
            "version",
            "cpe",
            "first_seen",
            "last_seen",
            "fixed_at",
            "due_at",
            "reopen_count",
            "assignee",
            "decision_reason",
            "accepted_until",
        ]


class DecisionSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()


class AcceptRiskSerializer(DecisionSerializer):
    until = serializers.DateField()
