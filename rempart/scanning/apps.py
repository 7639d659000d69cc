from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanningConfig(AppConfig):
    name = "rempart.scanning"
    label = "scanning"
    verbose_name = _("Vulnerability detection")

    def ready(self) -> None:
        from rempart.scanning import figures, menu, subjects  # noqa: F401  (registries)
