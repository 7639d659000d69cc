from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MagicLinksConfig(AppConfig):
    name = "rempart.magiclinks"
    label = "magiclinks"
    verbose_name = _("Personal links")
