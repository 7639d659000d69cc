from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProbesConfig(AppConfig):
    name = "rempart.probes"
    label = "probes"
    verbose_name = _("Scan probes")

    def ready(self) -> None:
        from rempart.probes import menu  # noqa: F401  (navigation)
