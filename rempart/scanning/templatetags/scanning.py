"""Template helpers of the scanning pages: priority explanations in plain words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def priority_reason(reason: dict[str, Any]) -> str:
    """One reason of a finding's priority, in the user's language."""
    value = reason.get("value")
    code = reason.get("code")
    texts = {
        "kev": _("actively exploited: listed in the CISA KEV catalog"),
        "epss": _("high probability of exploitation (EPSS %(value)s)"),
        "cvss": _("CVSS score %(value)s"),
        "severity": _("severity: %(value)s"),
        "asset_criticality": _("the asset is %(value)s for the establishment"),
        "asset_class": _("the asset is a %(value)s device"),
        "exposed_admin": _("reachable on an administration port (%(value)s)"),
    }
    text = texts.get(str(code))
    if text is None:
        return str(code)
    return text % {"value": _translate_value(code, value)} if "%(value)s" in text else text


def _translate_value(code: Any, value: Any) -> str:
    labels = {
        "critical": _("critical"),
        "high": _("high"),
        "medium": _("medium"),
        "low": _("low"),
        "info": _("informational"),
        "biomedical": _("biomedical"),
        "network_core": _("network core"),
    }
    return str(labels.get(str(value), value))
