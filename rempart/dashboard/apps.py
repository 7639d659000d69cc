from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "rempart.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from rempart.dashboard import menu  # noqa: F401  (registers the navigation)
