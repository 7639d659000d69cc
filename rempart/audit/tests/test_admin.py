"""Changes made in Django's admin are audited too; only superusers reach it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_celery_beat.models import IntervalSchedule

from rempart.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
INLINE = {"periodictask_set-TOTAL_FORMS": "0", "periodictask_set-INITIAL_FORMS": "0"}


def test_admin_changes_are_audited(personas: dict[str, Any]) -> None:
    admin_user = personas["operator_admin"]
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/django_celery_beat/intervalschedule/add/",
        {"every": "5", "period": "minutes", **INLINE},
    )
    assert response.status_code == 302
    schedule = IntervalSchedule.objects.get(every=5)
    created = AuditEntry.objects.get(verb="admin.django_celery_beat.intervalschedule.created")
    assert created.actor_id == admin_user.pk
    client.post(
        f"/admin/django_celery_beat/intervalschedule/{schedule.pk}/change/",
        {"every": "10", "period": "minutes", **INLINE},
    )
    updated = AuditEntry.objects.get(verb="admin.django_celery_beat.intervalschedule.updated")
    assert len(updated.changes["fields"]) == 1
    client.post(
        f"/admin/django_celery_beat/intervalschedule/{schedule.pk}/delete/", {"post": "yes"}
    )
    assert AuditEntry.objects.filter(
        verb="admin.django_celery_beat.intervalschedule.deleted"
    ).exists()


def test_staff_who_are_not_superusers_are_kept_out(personas: dict[str, Any]) -> None:
    user = personas["operator_admin"]
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
