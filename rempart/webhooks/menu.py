"""Navigation entry of the webhooks settings."""

from django.utils.translation import gettext_lazy as _

from rempart.core.navigation import NavItem, register

register(
    NavItem("webhooks", _("Webhooks"), "webhooks:endpoint_list", order=920, group="administration")
)
