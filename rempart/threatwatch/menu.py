"""Navigation entries and API scope of the threat-watch module."""

from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.core.navigation import NavGroup, NavItem, register, register_group
from rempart.tenancy import access

register_group(NavGroup("threatwatch", _("Threat watch"), scope="global", order=30))
register(
    NavItem(
        "cve_search",
        _("Vulnerability catalog"),
        "threatwatch:cve_search",
        scope="global",
        order=30,
        visible=lambda user: user.is_authenticated,
        group="threatwatch",
    )
)
register(
    NavItem(
        "catalog_status",
        _("Vulnerability catalog status"),
        "threatwatch:status",
        scope="global",
        order=31,
        visible=access.is_operator_staff,
        group="threatwatch",
    )
)
register(
    NavItem(
        "regional_catalogue",
        _("Regional software catalogue"),
        "threatwatch:catalogue_list",
        scope="global",
        order=32,
        visible=access.is_operator_staff,
        group="threatwatch",
    )
)
register_group(NavGroup("threatwatch_local", _("Threat watch"), order=40))
register(
    NavItem(
        "declared_inventory",
        _("Declared inventory"),
        "threatwatch:inventory_list",
        order=10,
        group="threatwatch_local",
    )
)
scopes.MODULES["intel"] = _("Vulnerability intelligence: CVE catalog and lookups")
register(
    NavItem(
        "watch_alerts",
        _("Threat-watch alerts"),
        "threatwatch:alert_list",
        order=15,
        group="vulnerabilities",
    )
)
register(
    NavItem(
        "watch_subscriptions",
        _("My threat-watch alerts"),
        "threatwatch:subscriptions",
        scope="global",
        order=32,
        visible=lambda user: user.is_authenticated,
        group="threatwatch",
    )
)
register(
    NavItem(
        "watch_follow_up",
        _("Threat-watch follow-up"),
        "threatwatch:regional_follow_up",
        scope="global",
        order=33,
        visible=access.is_operator_staff,
        group="threatwatch",
    )
)
register(
    NavItem(
        "watch_bulletins",
        _("Weekly bulletins"),
        "threatwatch:member_bulletin_archive",
        order=16,
        group="vulnerabilities",
    )
)
