"""Navigation entries and API scope of the threat-watch module."""

from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.core.navigation import NavItem, register
from rempart.tenancy import access

register(
    NavItem(
        "cve_search",
        _("Threat watch"),
        "threatwatch:cve_search",
        scope="global",
        order=30,
        visible=lambda user: user.is_authenticated,
    )
)
register(
    NavItem(
        "catalog_status",
        _("Catalog status"),
        "threatwatch:status",
        scope="global",
        order=80,
        visible=access.is_operator_staff,
    )
)
scopes.MODULES["intel"] = _("Vulnerability intelligence: CVE catalog and lookups")
