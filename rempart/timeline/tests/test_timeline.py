"""The timeline: entries by hand, status changes recorded by the platform and put in words
in the reader's language, the in-place partial and its form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.scanning.tests.factories import FindingFactory
from rempart.timeline import selectors, services
from rempart.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(establishment_a: Any) -> Any:
    return FindingFactory(establishment=establishment_a, status="open")


def test_tracking_records_the_fields_that_changed(alice: Any, finding: Any) -> None:
    # when
    with services.timeline_tracking(subject=finding, actor=alice, fields=["status", "severity"]):
        finding.status = "fixed"
        finding.save(update_fields=["status"])
    # then: one entry, for the status only
    entry = TimelineEntry.objects.get()
    assert (entry.kind, entry.author, entry.data) == (
        "status",
        alice,
        {"field": "status", "from": "open", "to": "fixed"},
    )
    with translation.override("fr"):
        [shown] = selectors.timeline_of(user=alice, subject=finding)
        assert shown.summary == "Statut : Ouverte → Corrigée"
    with translation.override("en"):
        [shown] = selectors.timeline_of(user=alice, subject=finding)
        assert shown.summary == "Status: Open → Fixed"


def test_entries_by_hand_are_checked(alice: Any, bob: Any, finding: Any) -> None:
    yesterday = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=1)
    entry = services.timeline_add(
        subject=finding,
        author=alice,
        kind="decision",
        text="  Isoler le serveur  ",
        occurred_at=yesterday,
    )
    assert (entry.text, entry.occurred_at) == ("Isoler le serveur", yesterday)
    with pytest.raises(PermissionDeniedError):
        services.timeline_add(subject=finding, author=bob, kind="note", text="x")
    for kind, text, when in (
        ("status", "x", None),  # written by the platform only
        ("note", "   ", None),
        ("note", "x", dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=1)),
    ):
        with pytest.raises(ApplicationError):
            services.timeline_add(
                subject=finding, author=alice, kind=kind, text=text, occurred_at=when
            )
    assert TimelineEntry.objects.count() == 1


def test_partial_and_form(client: Client, alice: Any, bob: Any, charlie: Any, finding: Any) -> None:
    client.force_login(alice)
    url = reverse("timeline:entry_add", args=[finding.establishment.slug])
    response = client.post(
        url,
        {
            "subject_kind": "scanning.finding",
            "subject_id": str(finding.public_id),
            "kind": "action",
            "text": "Correctif appliqué",
            "next": "/retour/",
        },
    )
    assert response["Location"] == "/retour/"
    template = Template("{% load timeline %}{% record_timeline finding %}")
    for user, has_form in ((alice, True), (bob, False)):
        request = RequestFactory().get("/")
        request.user = user
        html = template.render(Context({"request": request, "finding": finding}))
        assert "Correctif appliqué" in html
        assert ('name="text"' in html) is has_form
    client.force_login(charlie)  # another establishment's referent
    assert (
        client.post(
            url,
            {
                "subject_kind": "scanning.finding",
                "subject_id": str(finding.public_id),
                "kind": "note",
                "text": "x",
            },
        ).status_code
        == 404
    )
    assert TimelineEntry.objects.count() == 1
