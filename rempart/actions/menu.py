"""Navigation entries of the action plan."""

from django.utils.translation import gettext_lazy as _

from rempart.core.navigation import NavItem, register
from rempart.tenancy import access

register(NavItem("actions", _("Action plan"), "actions:action_list", order=80))
register(
    NavItem(
        "actions_region",
        _("Action plans of the region"),
        "actions:operator_list",
        scope="global",
        order=50,
        visible=access.is_operator_staff,
        group="region",
    )
)
