"""The PDF report of a campaign (French by default, A4), from its aggregated results only:
no person, no pseudonym, no group under 5 people."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from rempart.phishing.models import Campaign
from rempart.phishing.results import stats
from rempart.scanning.services.report_pdf import html_to_pdf

REPORT_LANGUAGE = "fr"


def campaign_report_context(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "establishment": campaign.establishment,
        "funnel": stats.campaign_funnel(campaign),
        "variants": campaign.variants.all(),
        "by_variant": stats.breakdown(campaign, "variant"),
        "by_department": stats.breakdown(campaign, "department"),
        "by_job": stats.breakdown(campaign, "job_family"),
        "min_group": stats.MIN_GROUP,
        "generated_at": timezone.now(),
    }


def campaign_report_pdf(campaign: Campaign, *, language: str = REPORT_LANGUAGE) -> bytes:
    with translation.override(language):
        html = render_to_string(
            "phishing/campaign_report_pdf.html", campaign_report_context(campaign)
        )
    return html_to_pdf(html)
