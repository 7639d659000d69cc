"""`rempart check --deploy`: Django's deployment checks plus Rempart's own."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

from config.paths import ENCRYPTION_KEY_FILENAME, SECRET_KEY_FILENAME


@register(Tags.security, deploy=True)
def rempart_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """What is unsafe for a production deployment, each with the setting that fixes it."""
    warnings: list[Warning] = []
    home = settings.HOME
    for name, filename, code in (
        ("SECRET_KEY", SECRET_KEY_FILENAME, "rempart.W001"),
        ("ENCRYPTION_KEY", ENCRYPTION_KEY_FILENAME, "rempart.W002"),
    ):
        if not os.environ.get(f"REMPART_{name}") and not os.environ.get(f"REMPART_{name}_FILE"):
            warnings.append(
                Warning(
                    f"REMPART_{name} comes from the generated file {home / filename}.",
                    hint=f"Set REMPART_{name} (or REMPART_{name}_FILE) from your secret store.",
                    id=code,
                )
            )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        warnings.append(
            Warning(
                "The embedded SQLite database is in use.",
                hint="Set DATABASE_URL=postgresql://… for a multi-user deployment.",
                id="rempart.W003",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        warnings.append(
            Warning(
                "The embedded file-system job broker is in use.",
                hint="Set REMPART_BROKER_URL=redis://… or amqp://… (workers on other machines).",
                id="rempart.W004",
            )
        )
    if not settings.HTTPS:
        warnings.append(
            Warning(
                "HTTPS is off: cookies are not marked secure and HSTS is not sent.",
                hint="Serve Rempart behind TLS and set REMPART_HTTPS=true.",
                id="rempart.W005",
            )
        )
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        warnings.append(
            Warning(
                "E-mails (invitations, password resets) are printed, not sent.",
                hint="Set REMPART_EMAIL_URL=smtp+tls://user:password@host:587.",
                id="rempart.W006",
            )
        )
    if settings.DEBUG:
        warnings.append(
            Warning("REMPART_DEBUG is on.", hint="Unset REMPART_DEBUG.", id="rempart.W007")
        )
    return warnings
