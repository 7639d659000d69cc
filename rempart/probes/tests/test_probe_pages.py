"""The probes pages: who sees what, the code shown once, the alert of a silent probe."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from rempart.probes.models import EnrolmentCode
from rempart.probes.tests.factories import ProbeFactory

pytestmark = pytest.mark.django_db


def _list(establishment: Any) -> str:
    return reverse("probes:probe_list", args=[establishment.slug])


def test_members_see_only_their_establishments_probes(
    client: Any, establishment_a: Any, establishment_b: Any, bob: Any, charlie: Any
) -> None:
    ProbeFactory(establishment=establishment_a, name="Sonde Alpha")
    ProbeFactory(establishment=establishment_b, name="Sonde Bravo")
    client.force_login(charlie)
    assert client.get(_list(establishment_a)).status_code == 404
    page = client.get(_list(establishment_b)).content.decode()
    assert "Sonde Bravo" in page
    assert "Sonde Alpha" not in page
    client.force_login(bob)  # viewer of A: sees, cannot enrol or revoke
    page = client.get(_list(establishment_a)).content.decode()
    assert "Sonde Alpha" in page
    assert "Sonde Bravo" not in page
    assert "probes/codes/" not in page
    assert "/revoke/" not in page


def test_a_silent_probe_raises_an_alert(client: Any, establishment_a: Any, alice: Any) -> None:
    late = timezone.now() - dt.timedelta(hours=1)
    probe = ProbeFactory(establishment=establishment_a, name="Sonde muette", last_heartbeat_at=late)
    ProbeFactory(establishment=establishment_a, name="Sonde vive", last_heartbeat_at=timezone.now())
    client.force_login(alice)
    page = client.get(_list(establishment_a)).content.decode()
    assert f'data-probe-alert="{probe.public_id}"' in page
    assert page.count("data-probe-alert=") == 1


def test_the_enrolment_code_is_shown_once_and_stored_hashed(
    client: Any, establishment_a: Any, alice: Any
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("probes:code_create", args=[establishment_a.slug]), {"probe_name": "Sonde"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    code = html.split('id="enrolment-code">', 1)[1].split("<", 1)[0]
    stored = EnrolmentCode.objects.get()
    assert code not in stored.code_hash
    assert stored.used_at is None
    assert code not in client.get(_list(establishment_a)).content.decode()
