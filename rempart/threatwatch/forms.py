"""Forms of the threat watch."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, help_text=_("CVE identifier, words, or a CPE name")
    )
    vendor = forms.CharField(label=_("Vendor"), required=False)
    product = forms.CharField(label=_("Product"), required=False)
    kev = forms.BooleanField(label=_("Known exploited only (KEV)"), required=False)
    min_cvss = forms.FloatField(label=_("Minimum CVSS"), required=False, min_value=0, max_value=10)


class VersionForm(forms.Form):
    version = forms.CharField(label=_("Version"), max_length=100)
