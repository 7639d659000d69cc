"""Celery tasks of the threat-watch alerts: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from rempart.threatwatch.alerts import delivery


@shared_task(name="threatwatch.alerts_notify")
def notify_task(establishment_ids: list[int] | None = None) -> int:
    """After alerts were raised: webhooks of those establishments, then immediate e-mails."""
    delivery.webhooks_emit(establishment_ids)
    return delivery.mails_send(frequency="immediate")


@shared_task(name="threatwatch.alerts_send_due")
def send_due_task() -> int:
    """Safety net (every few minutes): webhooks and immediate e-mails still due."""
    delivery.webhooks_emit()
    return delivery.mails_send(frequency="immediate")


@shared_task(name="threatwatch.alerts_daily_digest")
def daily_digest_task() -> int:
    """The daily digest of the people who chose it."""
    return delivery.mails_send(frequency="daily")


@shared_task(name="threatwatch.weekly_bulletin")
def weekly_bulletin_task() -> int:
    """Monday morning: last week's bulletin, built and sent once."""
    from rempart.threatwatch.alerts.bulletins import weekly_bulletin  # noqa: PLC0415 (WeasyPrint)

    return weekly_bulletin().pk
