"""Navigation entries and API scope of the scanning module."""

from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.core.navigation import NavGroup, NavItem, register, register_group

register_group(NavGroup("vulnerabilities", _("Vulnerabilities"), order=10))
for key, label, url_name, order in (
    ("security", _("Vulnerability dashboard"), "scanning:dashboard", 5),
    ("findings", _("Vulnerabilities"), "scanning:finding_list", 10),
    ("assets", _("Assets"), "scanning:asset_list", 20),
    ("scans", _("Scans"), "scanning:scan_list", 30),
    ("scopes", _("Scan scopes"), "scanning:scope_list", 40),
    ("reports", _("Reports"), "scanning:report_list", 50),
):
    register(NavItem(key, label, url_name, order=order, group="vulnerabilities"))
scopes.MODULES["scanning"] = _("Vulnerability detection: scopes, scans, assets, findings")
