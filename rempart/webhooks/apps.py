from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "rempart.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from rempart.webhooks import menu  # noqa: F401  (navigation)
        from rempart.webhooks.models import WebhookEndpoint
        from rempart.webhooks.services import subscriptions_forget

        # Cache invalidation only (allowed by the style guide): whoever saves or deletes an
        # endpoint, this process stops trusting its cached list of subscribed events.
        post_save.connect(subscriptions_forget, WebhookEndpoint, dispatch_uid="webhooks-saved")
        post_delete.connect(subscriptions_forget, WebhookEndpoint, dispatch_uid="webhooks-deleted")
