"""Navigation entries and API scope of the phishing module."""

from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.core.navigation import NavGroup, NavItem, register, register_group
from rempart.tenancy import access

register_group(NavGroup("phishing", _("Phishing"), order=60))
register(
    NavItem(
        "phishing", _("Phishing simulations"), "phishing:campaign_list", order=60, group="phishing"
    )
)
register(
    NavItem(
        "phishing_reports",
        _("Reported e-mails"),
        "phishing:report_list",
        order=61,
        group="phishing",
    )
)
register(
    NavItem(
        "phishing_compare",
        _("Phishing simulations: regional comparison"),
        "phishing:operator_compare",
        scope="global",
        order=40,
        visible=access.is_operator_staff,
        group="region",
    )
)
scopes.MODULES["phishing"] = _("Phishing simulations: campaigns, results, reports")
