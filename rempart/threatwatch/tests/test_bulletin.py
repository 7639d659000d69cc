"""The weekly bulletin: the week's KEV additions and CERT-FR publications with the members'
exposure and follow-up, as a PDF (its text read back with pdftotext), a per-member version
that names no other member, the archive, and the sending, once."""

from __future__ import annotations

import datetime as dt
import email
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rempart.phishing.tests.sink import Sink
from rempart.threatwatch.alerts.bulletins import bulletin_pdf, weekly_bulletin
from rempart.threatwatch.alerts.models import Bulletin, WatchSubscription
from rempart.threatwatch.models import Advisory, KevEntry
from rempart.threatwatch.tests.factories import EstablishmentAlertFactory, WatchEventFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing"),
]
WEEK = dt.date(2026, 11, 23)  # a Monday


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    server = Sink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def week(establishment_a: Any, establishment_b: Any) -> None:
    KevEntry.objects.create(
        cve_id="CVE-2024-23113",
        vendor_project="Fortinet",
        product="FortiOS",
        name="Fortinet Multiple Products Format String Vulnerability",
        date_added=WEEK + dt.timedelta(days=2),
    )
    KevEntry.objects.create(cve_id="CVE-2017-5638", date_added=WEEK - dt.timedelta(days=3))
    Advisory.objects.create(
        reference="CERTFR-2026-AVI-0999",
        kind="avis",
        title="Multiples vulnérabilités dans OpenSSH",
        published=timezone.make_aware(dt.datetime.combine(WEEK, dt.time(10))),
    )
    kev = WatchEventFactory(kind="kev", reference="CVE-2024-23113")
    avis = WatchEventFactory(kind="certfr", reference="CERTFR-2026-AVI-0999")
    EstablishmentAlertFactory(establishment=establishment_a, event=kev, status="in_progress")
    EstablishmentAlertFactory(establishment=establishment_a, event=avis)
    EstablishmentAlertFactory(establishment=establishment_b, event=avis, status="not_concerned")


def test_regional_and_member_pdfs(week: None, establishment_a: Any, establishment_b: Any) -> None:
    regional = pdf_text(bulletin_pdf(week=WEEK))
    assert "Bulletin de veille régional" in regional
    assert "Semaine du 23/11/2026 au 29/11/2026" in regional
    assert "CVE-2024-23113" in regional
    assert "CVE-2017-5638" not in regional
    assert "Multiples vulnérabilités dans OpenSSH" in regional
    assert establishment_a.name in regional
    assert establishment_b.name in regional
    assert "Adhérents exposés 2" in regional
    member = pdf_text(bulletin_pdf(week=WEEK, establishment=establishment_a))
    assert establishment_a.name in member
    assert establishment_b.name not in member
    assert "En cours" in member
    assert "10.0.0.1:443/tcp" in member


def test_the_weekly_task_sends_once_and_the_archive_serves_it(
    week: None, sink: Sink, personas: dict[str, Any], establishment_a: Any
) -> None:
    WatchSubscription.objects.create(user=personas["operator_admin"], kind="region")
    bulletin = weekly_bulletin(today=WEEK + dt.timedelta(days=8))
    assert bulletin.week == WEEK
    assert bulletin.sent_at is not None
    recipients = sorted(r for m in sink.handler.messages for r in m.recipients)
    # the operator (region) and each establishment's referent (alice, charlie)
    assert recipients == sorted(
        [personas["operator_admin"].email, personas["alice"].email, personas["charlie"].email]
    )
    alice = next(m for m in sink.handler.messages if personas["alice"].email in m.recipients)
    parts = [p for p in email.message_from_bytes(alice.raw).walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == [
        f"bulletin-de-veille-2026-11-23-{establishment_a.slug}.pdf"
    ]
    weekly_bulletin(today=WEEK + dt.timedelta(days=9))
    assert len(sink.handler.messages) == 3
    assert Bulletin.objects.count() == 1

    client = Client()
    client.force_login(personas["operator_admin"])
    archive = client.get(reverse("threatwatch:bulletin_archive")).content.decode()
    assert archive.count('class="bulletin-row"') == 1
    response = client.get(reverse("threatwatch:bulletin_pdf", args=["2026-11-23"]))
    assert response["Content-Type"] == "application/pdf"
    assert "CVE-2024-23113" in pdf_text(response.content)
    client.force_login(personas["charlie"])
    assert client.get(reverse("threatwatch:bulletin_pdf", args=["2026-11-23"])).status_code in (
        403,
        404,
    )
    url = reverse("threatwatch:member_bulletin", args=[establishment_a.slug, "2026-11-23"])
    assert client.get(url).status_code == 404
