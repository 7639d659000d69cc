"""Follow-up of an alert per establishment: states, the reason required for "not
concerned", the audit entry, and the operator's view of every member's state."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rempart.audit.models import AuditEntry
from rempart.threatwatch.tests.factories import EstablishmentAlertFactory, WatchEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(establishment_a: Any, establishment_b: Any) -> Any:
    event = WatchEventFactory(
        kind="kev", reference="CVE-2024-23113", title="CVE-2024-23113 — FortiOS format string"
    )
    EstablishmentAlertFactory(establishment=establishment_b, event=event, status="fixed")
    return EstablishmentAlertFactory(establishment=establishment_a, event=event)


def _follow_up(client: Client, alert: Any, **data: str) -> Any:
    url = reverse("threatwatch:alert_follow_up", args=[alert.establishment.slug, alert.public_id])
    return client.post(url, data)


def test_not_concerned_needs_a_reason_and_is_audited(alerts: Any, alice: Any) -> None:
    client = Client()
    client.force_login(alice)
    page = _follow_up(client, alerts, status="not_concerned", reason="  ").content.decode()
    assert "Indiquez pourquoi l&#x27;établissement n&#x27;est pas concerné." in page
    alerts.refresh_from_db()
    assert alerts.status == "to_do"
    response = _follow_up(client, alerts, status="not_concerned", reason="FortiGate retiré en 2024")
    assert response.status_code == 302
    alerts.refresh_from_db()
    assert (alerts.status, alerts.status_reason) == ("not_concerned", "FortiGate retiré en 2024")
    assert alerts.status_changed_by == alice
    entry = AuditEntry.objects.get(verb="threatwatch.alert.followed_up")
    assert entry.changes["status"] == ["to_do", "not_concerned"]
    assert entry.establishment_id == alerts.establishment_id


def test_a_viewer_cannot_change_the_follow_up(alerts: Any, bob: Any, charlie: Any) -> None:
    client = Client()
    client.force_login(bob)
    assert _follow_up(client, alerts, status="fixed").status_code == 403
    client.force_login(charlie)
    assert _follow_up(client, alerts, status="fixed").status_code == 404
    alerts.refresh_from_db()
    assert alerts.status == "to_do"


def test_the_operator_sees_each_members_state(
    alerts: Any, operator_admin: Any, establishment_a: Any, establishment_b: Any
) -> None:
    client = Client()
    client.force_login(operator_admin)
    home = client.get(reverse("dashboard:regional")).content.decode()
    panel = home.split('id="watch-alerts"')[1].split("</section>")[0]
    assert "CVE-2024-23113" in panel
    row = panel.split('class="watch-event"')[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split("<td>")[2:]] == ["2", "1", "0", "1", "0"]
    page = client.get(reverse("threatwatch:event_states", args=["cve-2024-23113"])).content
    text = page.decode()
    assert text.count('class="member-state"') == 2
    assert establishment_a.name in text
    assert establishment_b.name in text
    assert "À traiter" in text
    assert "Corrigé" in text
