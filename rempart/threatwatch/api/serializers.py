"""API serializers of the vulnerability catalog."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from rempart.threatwatch.models import Advisory, CpeMatch, Cve


class RuleSerializer(serializers.ModelSerializer[CpeMatch]):
    class Meta:
        model = CpeMatch
        fields = [
            "source",
            "part",
            "vendor",
            "product",
            "version",
            "update",
            "start_including",
            "start_excluding",
            "end_including",
            "end_excluding",
            "version_type",
            "running_on",
            "criteria",
        ]


class AdvisorySerializer(serializers.ModelSerializer[Advisory]):
    class Meta:
        model = Advisory
        fields = [
            "reference",
            "kind",
            "title",
            "summary",
            "published",
            "last_revision",
            "closed_at",
            "url",
        ]


class CveListSerializer(serializers.ModelSerializer[Cve]):
    class Meta:
        model = Cve
        fields = [
            "cve_id",
            "state",
            "title",
            "published",
            "last_modified",
            "cvss_score",
            "known_exploited",
            "epss",
            "epss_percentile",
        ]


class CveDetailSerializer(CveListSerializer):
    rules = RuleSerializer(source="matches", many=True, read_only=True)
    advisories = serializers.SerializerMethodField()

    class Meta(CveListSerializer.Meta):
        fields = [
            *CveListSerializer.Meta.fields,
            "description",
            "assigner",
            "cwes",
            "references",
            "cvss2_vector",
            "cvss2_score",
            "cvss3_vector",
            "cvss3_score",
            "cvss4_vector",
            "cvss4_score",
            "rules",
            "advisories",
        ]

    def get_advisories(self, cve: Cve) -> list[dict[str, Any]]:
        advisories = Advisory.objects.filter(cve_links__cve_id=cve.cve_id)
        return list(AdvisorySerializer(advisories, many=True).data)


class LookupQuerySerializer(serializers.Serializer[Any]):
    cpe = serializers.CharField(help_text="A CPE 2.3 name with a version.")


class LookupMatchSerializer(serializers.Serializer[Any]):
    cve = serializers.CharField()
    cvss = serializers.FloatField(allow_null=True)
    known_exploited = serializers.BooleanField()
    epss = serializers.FloatField(allow_null=True)
    confidence = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named source
    reasons = serializers.ListField(child=serializers.CharField())
