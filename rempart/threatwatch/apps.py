from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThreatwatchConfig(AppConfig):
    name = "rempart.threatwatch"
    label = "threatwatch"
    verbose_name = _("Threat watch")

    def ready(self) -> None:
        from rempart.threatwatch import menu  # noqa: F401  (navigation and API scope)
        from rempart.threatwatch.exposure import register_source
        from rempart.threatwatch.exposure.findings import finding_exposures
        from rempart.threatwatch.inventory.exposure import declared_exposures

        register_source("declared", declared_exposures)
        register_source("finding", finding_exposures)
