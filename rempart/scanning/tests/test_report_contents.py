"""The PDF report's contents: the scopes actually scanned, the accepted risks, real plurals,
and long values that wrap inside the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rempart.scanning.services.report_pdf import report_html
from rempart.scanning.tests.factories import (
    AssetFactory,
    FindingFactory,
    ScanFactory,
    ScopeFactory,
)

pytestmark = pytest.mark.django_db
LONG = "Réseau-" + "x" * 193  # the longest name a scope takes (200), without a space


def _text(html: str) -> str:
    return " ".join(html.replace("\xa0", " ").replace("\u202f", " ").split())


@pytest.fixture
def reported(establishment_a: Any, alice: Any) -> str:
    scanned = ScopeFactory(establishment=establishment_a, name=LONG)
    ScopeFactory(establishment=establishment_a, name="Jamais scanné")
    ScanFactory(
        establishment=establishment_a, scope=scanned, status="completed",
        finished_at=timezone.now(), hosts_up=1, services_found=1,
    )  # fmt: skip
    asset = AssetFactory(establishment=establishment_a, asset_class="iot_building")
    FindingFactory(
        establishment=establishment_a, asset=asset, status="accepted", check_id="telnet.exposed",
        decision_by=alice, decision_reason="Automate remplacé en 2027",
        accepted_until=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    return report_html(establishment=establishment_a, weeks=4)


def test_only_the_scanned_scopes_are_listed(reported: str) -> None:
    assert LONG in reported
    assert "Jamais scanné" not in reported


def test_accepted_risks_are_shown(reported: str) -> None:
    text = _text(reported)
    assert "Risques acceptés" in text
    assert "Automate remplacé en 2027" in text
    assert "Service Telnet exposé" in text  # the check's French title (by check id)


def test_plurals_and_wording(reported: str) -> None:
    text = _text(reported)
    assert "1 hôte a répondu, 1 service ouvert" in text
    assert "hôtes ont répondu" not in text
    assert "1 actif connu (" in text
    assert "connu:" not in text


def test_long_values_stay_inside_the_page(reported: str) -> None:
    from weasyprint import HTML  # type: ignore[import-untyped]

    document = HTML(string=reported).render()
    for page in document.pages[:2]:
        width = page.width
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            stack.extend(getattr(box, "children", []))
            right = box.position_x + box.margin_width()
            assert right <= width + 0.5, (type(box).__name__, getattr(box, "text", "")[:40])
