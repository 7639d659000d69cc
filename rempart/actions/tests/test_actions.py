"""The action plan: services (rules, audit), selectors (scoping, filters), pages (lists,
CSV, forms, status changes, the regional list) and the in-place partial."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from rempart.actions import selectors, services
from rempart.actions.choices import ActionStatus
from rempart.actions.models import ActionItem
from rempart.actions.tests.factories import ActionItemFactory
from rempart.audit.models import AuditEntry
from rempart.core.errors import ApplicationError, PermissionDeniedError
from rempart.scanning.tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def test_create_links_the_source_and_is_audited(alice: Any, establishment_a: Any) -> None:
    # given
    finding = FindingFactory(establishment=establishment_a)
    # when
    item = services.action_create(
        establishment=establishment_a,
        actor=alice,
        title="Mettre à jour OpenSSH",
        owner=alice,
        due_date=dt.date(2030, 3, 1),
        source=finding,
    )
    # then
    assert (item.source_kind, item.source_id) == ("scanning.finding", finding.public_id)
    assert item.created_by == alice
    assert item.status == ActionStatus.TODO
    entry = AuditEntry.objects.get(verb="actions.item.created")
    assert entry.establishment_id == establishment_a.pk
    assert list(selectors.actions_of_source(user=alice, source=finding)) == [item]


def test_source_of_another_establishment_is_refused(
    alice: Any, establishment_a: Any, establishment_b: Any
) -> None:
    foreign = FindingFactory(establishment=establishment_b)
    with pytest.raises(ApplicationError):
        services.action_create(
            establishment=establishment_a, actor=alice, title="x", source=foreign
        )
    assert not ActionItem.objects.exists()


def test_owner_must_belong_to_the_establishment(
    alice: Any, charlie: Any, analyst: Any, establishment_a: Any
) -> None:
    with pytest.raises(ApplicationError, match="membre"):
        services.action_create(establishment=establishment_a, actor=alice, title="x", owner=charlie)
    # the regional team whose perimeter holds the establishment may own items
    item = services.action_create(
        establishment=establishment_a, actor=alice, title="x", owner=analyst
    )
    assert item.owner == analyst


def test_viewer_may_not_write(bob: Any, establishment_a: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.action_create(establishment=establishment_a, actor=bob, title="x")


def test_status_changes_need_a_reason_to_abandon_and_stamp_closing(
    alice: Any, establishment_a: Any
) -> None:
    item = ActionItemFactory(establishment=establishment_a)
    with pytest.raises(ApplicationError, match="abandonnée"):
        services.action_set_status(item=item, actor=alice, status=ActionStatus.ABANDONED)
    services.action_set_status(item=item, actor=alice, status=ActionStatus.DONE)
    assert item.closed_at is not None
    services.action_set_status(
        item=item,
        actor=alice,
        status=ActionStatus.ABANDONED,
        reason="Remplacé par le projet de segmentation",
    )
    services.action_set_status(item=item, actor=alice, status=ActionStatus.IN_PROGRESS)
    item.refresh_from_db()
    assert (item.closed_at, item.abandon_reason) == (None, "")
    changes = [
        e.changes["status"]
        for e in AuditEntry.objects.filter(verb="actions.item.status_changed").order_by("seq")
    ]
    assert changes == [["todo", "done"], ["done", "abandoned"], ["abandoned", "in_progress"]]


def test_update_audits_only_what_changed(alice: Any, establishment_a: Any) -> None:
    item = ActionItemFactory(establishment=establishment_a, title="Avant")
    services.action_update(item=item, actor=alice, title="Après", priority="high")
    entry = AuditEntry.objects.get(verb="actions.item.updated")
    assert entry.changes == {"priority": ["normal", "high"], "title": ["Avant", "Après"]}
    with pytest.raises(ApplicationError):
        services.action_update(item=item, actor=alice, status="done")


def test_filters_and_overdue(alice: Any, establishment_a: Any, establishment_b: Any) -> None:
    late = ActionItemFactory(establishment=establishment_a, due_date=dt.date(2026, 1, 2))
    ActionItemFactory(
        establishment=establishment_a, due_date=dt.date(2026, 1, 2), status=ActionStatus.DONE
    )
    ActionItemFactory(establishment=establishment_a, due_date=dt.date(2026, 3, 1), owner=alice)
    ActionItemFactory(establishment=establishment_b, due_date=dt.date(2026, 1, 2))
    with time_machine.travel(dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        overdue = selectors.action_list(user=alice, filters=selectors.ActionFilters(overdue=True))
        assert list(overdue) == [late]
    owned = selectors.action_list(user=alice, filters=selectors.ActionFilters(owner=alice.pk))
    assert owned.count() == 1
    assert selectors.action_list(user=alice).count() == 3  # never B's


def test_list_page_highlights_overdue_and_exports_csv(
    client: Client, alice: Any, establishment_a: Any
) -> None:
    ActionItemFactory(
        establishment=establishment_a, title="=cmd|' /C calc'!A0", due_date=dt.date(2020, 1, 1)
    )
    client.force_login(alice)
    url = reverse("actions:action_list", args=[establishment_a.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "table-danger" in page.content.decode()
    response = client.get(url, {"format": "csv", "overdue": "on"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][1] == "title"
    assert rows[1][1].startswith("'=")
    assert rows[1][6] == "true"
    assert AuditEntry.objects.filter(verb="actions.items.exported").count() == 1


def test_create_page_with_a_source_then_status_change(
    client: Client, alice: Any, establishment_a: Any
) -> None:
    finding = FindingFactory(establishment=establishment_a)
    client.force_login(alice)
    url = reverse("actions:action_create", args=[establishment_a.slug])
    query = {"source_kind": "scanning.finding", "source_id": str(finding.public_id)}
    assert str(finding) in client.get(url, query).content.decode()
    response = client.post(
        url,
        {
            **query,
            "title": "Fermer Telnet",
            "priority": "high",
            "due_date": "2030-01-01",
            "next": "/ailleurs/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/ailleurs/"
    item = ActionItem.objects.get()
    assert item.source_id == finding.public_id
    status_url = reverse("actions:action_status", args=[establishment_a.slug, item.public_id])
    client.post(status_url, {"status": "abandoned", "reason": ""})
    item.refresh_from_db()
    assert item.status == ActionStatus.TODO  # refused: no reason, nothing written
    client.post(status_url, {"status": "done"})
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE


def test_next_never_leaves_the_site(client: Client, alice: Any, establishment_a: Any) -> None:
    client.force_login(alice)
    url = reverse("actions:action_create", args=[establishment_a.slug])
    response = client.post(url, {"title": "x", "priority": "low", "next": "https://evil.example"})
    assert response["Location"] == reverse("actions:action_list", args=[establishment_a.slug])


def test_regional_list_for_operator_only(
    client: Client, operator_admin: Any, alice: Any, establishment_a: Any, establishment_b: Any
) -> None:
    ActionItemFactory(establishment=establishment_a, title="Action Alpha")
    ActionItemFactory(establishment=establishment_b, title="Action Bravo")
    url = reverse("actions:operator_list")
    client.force_login(operator_admin)
    body = client.get(url).content.decode()
    assert "Action Alpha" in body
    assert "Action Bravo" in body
    client.force_login(alice)
    assert client.get(url).status_code == 403


def test_source_partial_in_place(alice: Any, bob: Any, establishment_a: Any) -> None:
    finding = FindingFactory(establishment=establishment_a)
    services.action_create(
        establishment=establishment_a, actor=alice, title="Patch", source=finding
    )
    ActionItemFactory(establishment=establishment_a, title="Autre")
    template = Template("{% load action_plan %}{% source_actions finding %}")
    for user, can_add in ((alice, True), (bob, False)):
        request = RequestFactory().get("/e/ch-alpha/findings/x/")
        request.user = user
        html = template.render(Context({"request": request, "finding": finding}))
        assert "Patch" in html
        assert "Autre" not in html
        assert ("source_kind=scanning.finding" in html) is can_add


@pytest.mark.parametrize("url", ["/e/ch-alpha/actions/", "/operator/actions/"])
def test_lists_cost_the_same_queries_for_5_or_40_items(
    client: Client, alice: Any, operator_admin: Any, establishment_a: Any, url: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(operator_admin if url.startswith("/operator") else alice)
    counts = []
    for total in (5, 40):
        while ActionItem.objects.count() < total:
            finding = FindingFactory(establishment=establishment_a)
            services.action_create(
                establishment=establishment_a, actor=alice, title="x", owner=alice, source=finding
            )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
