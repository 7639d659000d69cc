"""Navigation entry of the scan probes."""

from django.utils.translation import gettext_lazy as _

from rempart.core.navigation import NavItem, register

register(
    NavItem("probes", _("Scan probes"), "probes:probe_list", order=45, group="vulnerabilities")
)
