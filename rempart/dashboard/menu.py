"""Navigation of the platform foundation (menus and their entries); modules add their own."""

from django.utils.translation import gettext_lazy as _

from rempart.core.navigation import NavGroup, NavItem, register, register_group
from rempart.tenancy import access

register_group(NavGroup("administration", _("Administration"), order=900))
register_group(NavGroup("region", _("Region"), scope="global", order=0))
register_group(NavGroup("platform", _("Administration"), scope="global", order=90))

register(NavItem("dashboard", _("Dashboard"), "dashboard:establishment", order=0))
for key, label, url_name, order in (
    ("members", _("Members"), "tenancy:member_list", 900),
    ("jobs", _("Jobs"), "jobs:establishment_list", 950),
    ("audit", _("Audit log"), "audit:establishment_log", 990),
):
    register(NavItem(key, label, url_name, order=order, group="administration"))
for key, label, url_name, order, group, visible in (
    (
        "regional",
        _("Regional dashboard"),
        "dashboard:regional",
        0,
        "region",
        access.is_operator_staff,
    ),
    ("groups", _("Groups (GHT)"), "tenancy:group_list", 10, "region", access.is_operator_staff),
    ("staff", _("Regional team"), "accounts:staff_list", 20, "platform", access.is_operator_admin),
    (
        "operator_audit",
        _("Audit log"),
        "audit:operator_log",
        90,
        "platform",
        access.is_operator_admin,
    ),
):
    register(
        NavItem(key, label, url_name, scope="global", order=order, visible=visible, group=group)
    )
