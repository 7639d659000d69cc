from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "rempart.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        """Django's admin signs people in through the platform's own sign-in page: its own
        form would take a password without the second factor and without the throttling of
        wrong passwords (docs/security.md)."""
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
