from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "rempart.actions"
    label = "actions"
    verbose_name = _("Action plan")

    def ready(self) -> None:
        from rempart.actions import menu  # noqa: F401  (navigation)
