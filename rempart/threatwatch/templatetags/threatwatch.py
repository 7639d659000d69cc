"""Labels of the threat watch in the reader's language: sources, outcomes, problems,
match confidence and rule sources (never the raw codes)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rempart.scanning.choices import Confidence
from rempart.threatwatch.models import CpeMatch
from rempart.threatwatch.problems import describe

register = template.Library()
SOURCES = {
    "nvd": "NVD",
    "kev": "CISA KEV",
    "epss": "FIRST EPSS",
    "certfr": "CERT-FR",
    "cve5": _("CVE records (JSON 5)"),
    "nvd-override": _("NVD corrections (anchore)"),
    "bundle": _("Rempart bundle"),
}
OUTCOME_BADGES = {"succeeded": "success", "failed": "danger", "imported": "info"}
# Reference tags of NVD (`Vendor Advisory`) and of CVE records (`vendor-advisory`), by their
# CVE-record spelling; CVE-program bookkeeping tags (`x_…`) and unknown ones are not shown.
REFERENCE_TAGS = {
    "patch": _("Patch"),
    "vendor-advisory": _("Vendor advisory"),
    "third-party-advisory": _("Third-party advisory"),
    "exploit": _("Exploit"),
    "mitigation": _("Mitigation"),
    "issue-tracking": _("Issue tracking"),
    "release-notes": _("Release notes"),
    "technical-description": _("Technical description"),
    "mailing-list": _("Mailing list"),
    "vdb-entry": _("Vulnerability database"),
    "us-government-resource": _("Government resource"),
    "government-resource": _("Government resource"),
    "broken-link": _("Broken link"),
    "permissions-required": _("Access restricted"),
    "press-media-coverage": _("Press"),
    "media-coverage": _("Press"),
    "product": _("Product"),
    "signature": _("Signature"),
}
LINK_SCHEMES = ("https://", "http://", "ftp://")


@register.filter
def intel_source(source: str) -> str:
    return str(SOURCES.get(source, source))


@register.filter
def outcome_badge(outcome: str) -> str:
    return OUTCOME_BADGES.get(outcome, "secondary")


@register.filter
def intel_problem(problem: Any) -> SafeString:
    """One error of a run: its message in the reader's language when it has a code, else
    where it is and the parser's reason (technical, in English, marked as such)."""
    if not isinstance(problem, dict):
        return format_html("{}", problem)
    if problem.get("code"):
        return format_html("{}", describe(problem["code"], problem.get("params") or {}))
    record = f" [{problem['record']}]" if problem.get("record") else ""
    return format_html(
        '{}{}\u00a0: <span lang="en">{}</span>',
        problem.get("file", ""),
        record,
        problem.get("reason", ""),
    )


@register.filter
def confidence_label(value: str) -> str:
    """`firm`, `tentative`… as the finding pages name them."""
    return str(dict(Confidence.choices).get(value, value))


@register.filter
def rule_source_label(value: str) -> str:
    """`nvd`, `cve5-cna`, `cve5-adp` as the CVE pages name them."""
    return str(dict(CpeMatch.Source.choices).get(value, value))


@register.filter
def reference_links(references: Any) -> list[dict[str, Any]]:
    """A CVE's references (`[{url, tags}]`, or bare URLs) as links with their tags in the
    reader's language; a URL that is not http(s) or ftp is shown, never linked."""
    links = []
    for reference in references or []:
        if isinstance(reference, dict):
            url, tags = str(reference.get("url") or ""), reference.get("tags") or []
        else:
            url, tags = str(reference), []
        if not url:
            continue
        labels = [
            str(REFERENCE_TAGS[key])
            for key in dict.fromkeys(_tag_key(tag) for tag in tags)
            if key in REFERENCE_TAGS
        ]
        links.append({"url": url, "link": url.lower().startswith(LINK_SCHEMES), "tags": labels})
    return links


def _tag_key(tag: Any) -> str:
    return "-".join(str(tag).lower().replace("/", " ").split())
