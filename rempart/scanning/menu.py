"""Navigation entries and API scope of the scanning module."""

from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.core.navigation import NavItem, register

register(NavItem("security", _("Security"), "scanning:dashboard", order=5))
register(NavItem("findings", _("Vulnerabilities"), "scanning:finding_list", order=10))
register(NavItem("assets", _("Assets"), "scanning:asset_list", order=20))
register(NavItem("scans", _("Scans"), "scanning:scan_list", order=30))
register(NavItem("reports", _("Reports"), "scanning:report_list", order=50))
register(NavItem("scopes", _("Scopes"), "scanning:scope_list", order=40))
scopes.MODULES["scanning"] = _("Vulnerability detection: scopes, scans, assets, findings")
