"""API serializers of the phishing app: campaigns, aggregated results, pseudonymous targets.

Output only (the API has no write action yet). Results follow the screens' rule: a funnel
of fewer than `stats.MIN_GROUP` people keeps its counts of messages but no rate or stage
count. Targets carry a pseudonym, never a name or an address.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from rempart.phishing.choices import TargetState
from rempart.phishing.models import Campaign, CampaignVariant, Target
from rempart.phishing.results.stats import Funnel, Row
from rempart.phishing.selectors import TARGET_STAMPS
from rempart.tenancy.models import Establishment

RATED = ("opened", "clicked_raw", "clicked", "submitted", "reported", "trained")
CAMPAIGN_STAGES = (*RATED, "reported_before_click")
# What a breakdown row computes (stats.breakdown): no open, raw click or failure counts.
ROW_STAGES = ("clicked", "submitted", "reported", "trained")


class _Establishment(serializers.SlugRelatedField[Establishment]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", read_only=True, **kwargs)


class PhishingVariantOutputSerializer(serializers.ModelSerializer[CampaignVariant]):
    template = serializers.CharField(source="template.name", read_only=True)
    subject = serializers.SerializerMethodField()
    difficulty = serializers.SerializerMethodField()

    class Meta:
        model = CampaignVariant
        fields = ["label", "template", "subject", "difficulty", "weight"]

    def get_subject(self, variant: CampaignVariant) -> str:
        """Frozen at approval; the template's current one before that."""
        return variant.subject or variant.template.subject

    def get_difficulty(self, variant: CampaignVariant) -> str:
        """Frozen at approval; the template's current one before that."""
        return variant.difficulty or variant.template.difficulty


class PhishingCampaignOutputSerializer(serializers.ModelSerializer[Campaign]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    establishment = _Establishment()
    variants = PhishingVariantOutputSerializer(many=True, read_only=True)
    target_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "establishment",
            "name",
            "status",
            "mode",
            "launch_at",
            "send_by",
            "launched_at",
            "closed_at",
            "variants",
            "target_count",
            "created_at",
        ]


def _funnel_data(
    funnel: Funnel, counts: tuple[str, ...], stages: tuple[str, ...]
) -> dict[str, Any]:
    """`counts` always; `stages` and their rates only when the funnel is not suppressed."""
    data: dict[str, Any] = {name: getattr(funnel, name) for name in counts}
    data["suppressed"] = funnel.suppressed
    hidden = funnel.suppressed
    for name in stages:
        data[name] = None if hidden else getattr(funnel, name)
    data["rates"] = {
        stage: None if hidden else funnel.rate(stage) for stage in stages if stage in RATED
    }
    return data


class PhishingFunnelRatesSerializer(serializers.Serializer[dict[str, float | None]]):
    """Percentages of the messages sent (one decimal); null when the funnel is suppressed."""

    opened = serializers.FloatField(allow_null=True)
    clicked_raw = serializers.FloatField(allow_null=True)
    clicked = serializers.FloatField(allow_null=True)
    submitted = serializers.FloatField(allow_null=True)
    reported = serializers.FloatField(allow_null=True)
    trained = serializers.FloatField(allow_null=True)


class PhishingBreakdownRatesSerializer(serializers.Serializer[dict[str, float | None]]):
    clicked = serializers.FloatField(allow_null=True)
    submitted = serializers.FloatField(allow_null=True)
    reported = serializers.FloatField(allow_null=True)
    trained = serializers.FloatField(allow_null=True)


class PhishingCampaignFunnelSerializer(serializers.Serializer[Funnel]):
    """The whole campaign's funnel. `clicked` counts confirmed human clicks, `clicked_raw`
    every click hit (scanners included). Stage counts, rates and the delay to the first
    report are null when `suppressed` (fewer than the minimum group sent); the hits set
    apart as automated (mail-security scanners) are given with their reasons."""

    targets = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    queued = serializers.IntegerField()
    suppressed = serializers.BooleanField()
    opened = serializers.IntegerField(allow_null=True)
    clicked_raw = serializers.IntegerField(allow_null=True)
    clicked = serializers.IntegerField(allow_null=True)
    submitted = serializers.IntegerField(allow_null=True)
    reported = serializers.IntegerField(allow_null=True)
    trained = serializers.IntegerField(allow_null=True)
    reported_before_click = serializers.IntegerField(allow_null=True)
    rates = PhishingFunnelRatesSerializer()
    first_report_after_seconds = serializers.IntegerField(allow_null=True)
    scanner_hits = serializers.IntegerField()
    scanner_reasons = serializers.DictField(child=serializers.IntegerField())

    def to_representation(self, funnel: Funnel) -> dict[str, Any]:
        data = _funnel_data(funnel, ("targets", "sent", "failed", "queued"), CAMPAIGN_STAGES)
        delay = None if funnel.suppressed else funnel.first_report_after
        data["first_report_after_seconds"] = int(delay.total_seconds()) if delay else None
        data["scanner_hits"] = funnel.scanner_hits
        data["scanner_reasons"] = dict(funnel.scanner_reasons)
        return data


class PhishingBreakdownFunnelSerializer(serializers.Serializer[Funnel]):
    """A breakdown row's funnel (the stages the breakdown computes)."""

    targets = serializers.IntegerField()
    sent = serializers.IntegerField()
    suppressed = serializers.BooleanField()
    clicked = serializers.IntegerField(allow_null=True)
    submitted = serializers.IntegerField(allow_null=True)
    reported = serializers.IntegerField(allow_null=True)
    trained = serializers.IntegerField(allow_null=True)
    rates = PhishingBreakdownRatesSerializer()

    def to_representation(self, funnel: Funnel) -> dict[str, Any]:
        return _funnel_data(funnel, ("targets", "sent"), ROW_STAGES)


class PhishingBreakdownRowSerializer(serializers.Serializer[Row]):
    """One group of a breakdown; `merged` is the row of the groups under the minimum size
    put together (its `label` is null)."""

    # A field named like `Field.label`: the serializer metaclass moves it to the fields.
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    merged = serializers.BooleanField()
    funnel = PhishingBreakdownFunnelSerializer()

    def to_representation(self, row: Row) -> dict[str, Any]:
        return {
            "label": row.label or None,
            "merged": not row.label,
            "funnel": PhishingBreakdownFunnelSerializer(row.funnel).data,
        }


class PhishingCampaignResultsSerializer(serializers.Serializer[dict[str, Any]]):
    """Aggregates only: no figure describes fewer than `min_group` people."""

    min_group = serializers.IntegerField()
    funnel = PhishingCampaignFunnelSerializer()
    by_variant = PhishingBreakdownRowSerializer(many=True)
    by_department = PhishingBreakdownRowSerializer(many=True)
    by_job_family = PhishingBreakdownRowSerializer(many=True)


class PhishingTargetOutputSerializer(serializers.ModelSerializer[Target]):
    """One recipient's result, pseudonymous (the same columns as the CSV export)."""

    variant = serializers.CharField(source="variant.label", read_only=True)
    # A plain string, not an enum: drf-spectacular would name the enum "StateEnum" like the
    # CVE one and rename both (a breaking change for generated clients).
    state = serializers.CharField(read_only=True, help_text=", ".join(TargetState.values))

    class Meta:
        model = Target
        fields = ["pseudonym", "variant", "state", *TARGET_STAMPS]
