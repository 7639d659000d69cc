from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhishingConfig(AppConfig):
    name = "rempart.phishing"
    label = "phishing"
    verbose_name = _("Phishing simulation")

    def ready(self) -> None:
        from rempart.phishing import figures, menu, subjects  # noqa: F401  (registries)
