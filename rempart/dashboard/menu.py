"""Navigation entries of the platform foundation; later modules register their own."""

from django.utils.translation import gettext_lazy as _

from rempart.core.navigation import NavItem, register
from rempart.tenancy import access

register(NavItem("dashboard", _("Dashboard"), "dashboard:establishment", order=0))
register(NavItem("members", _("Members"), "tenancy:member_list", order=900))
register(NavItem("jobs", _("Jobs"), "jobs:establishment_list", order=950))
register(NavItem("audit", _("Audit log"), "audit:establishment_log", order=990))
register(
    NavItem(
        "regional",
        _("Regional dashboard"),
        "dashboard:regional",
        scope="global",
        order=0,
        visible=access.is_operator_staff,
    )
)
register(
    NavItem(
        "groups",
        _("Groups (GHT)"),
        "tenancy:group_list",
        scope="global",
        order=10,
        visible=access.is_operator_staff,
    )
)
register(
    NavItem(
        "staff",
        _("Regional team"),
        "accounts:staff_list",
        scope="global",
        order=20,
        visible=access.is_operator_admin,
    )
)
register(
    NavItem(
        "operator_audit",
        _("Audit log"),
        "audit:operator_log",
        scope="global",
        order=90,
        visible=access.is_operator_admin,
    )
)
