"""Navigation entries and API scope of the phishing module."""

from django.utils.translation import gettext_lazy as _

from rempart.accounts import scopes
from rempart.core.navigation import NavItem, register
from rempart.tenancy import access

register(NavItem("phishing", _("Phishing"), "phishing:campaign_list", order=60))
register(NavItem("phishing_reports", _("Reported e-mails"), "phishing:report_list", order=61))
register(
    NavItem(
        "phishing_compare",
        _("Phishing comparison"),
        "phishing:operator_compare",
        scope="global",
        order=40,
        visible=access.is_operator_staff,
    )
)
scopes.MODULES["phishing"] = _("Phishing simulations: campaigns, results, reports")
