"""`rempart createsuperuser`: Django's command, then the new user joins the regional team
as an operator administrator (MFA set-up is asked at first sign-in)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management.commands import createsuperuser

from rempart.accounts.models import User
from rempart.ops.setup import operator_ensure
from rempart.tenancy.choices import OperatorRole
from rempart.tenancy.models import OperatorAssignment


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        email = options.get("email")
        user = (
            User.objects.filter(email__iexact=email).first()
            if email
            else (User.objects.filter(is_superuser=True).order_by("-date_joined").first())
        )
        if user is not None:
            OperatorAssignment.objects.get_or_create(
                user=user, defaults={"operator": operator_ensure(), "role": OperatorRole.ADMIN}
            )
