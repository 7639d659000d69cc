"""Every date and time input of every form writes its value in ISO format.

Browsers' `<input type="date">` and `datetime-local` accept only ISO values: with the French
format (`06/12/2026`) the field renders empty ("Autorisé le", "Accepté jusqu'au" were).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.urls import get_resolver

ISO = {
    "date": ("%Y-%m-%d", dt.date(2026, 12, 6), "2026-12-06"),
    "datetime-local": (
        "%Y-%m-%dT%H:%M",
        dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC),
        "2026-12-06T09:30",
    ),
}


def _project_forms() -> list[type[forms.BaseForm]]:
    get_resolver().url_patterns  # noqa: B018  (imports every view, hence every form)
    found, todo = [], list(forms.BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("rempart."):
            found.append(cls)
    return found


def _dated_widgets() -> list[tuple[str, forms.Widget]]:
    widgets = []
    for cls in _project_forms():
        for name, field in getattr(cls, "base_fields", {}).items():
            widget = field.widget
            if getattr(widget, "input_type", "") in ISO:
                widgets.append((f"{cls.__module__}.{cls.__name__}.{name}", widget))
    return sorted(widgets, key=lambda pair: pair[0])


def test_the_walk_finds_the_dated_forms() -> None:
    names = [name for name, _widget in _dated_widgets()]
    assert any("AcceptRisk" in name or "accept" in name.lower() for name in names), names
    assert len(names) >= 3


@pytest.mark.parametrize(
    ("name", "widget"), _dated_widgets(), ids=[name for name, _w in _dated_widgets()]
)
def test_date_inputs_render_iso_values(name: str, widget: forms.Widget) -> None:
    _fmt, value, expected = ISO[widget.input_type]  # type: ignore[attr-defined]
    html = widget.render("field", value)
    assert f'value="{expected}"' in html, (name, html)


def test_a_group_of_boxes_has_its_label_above_as_a_legend() -> None:
    from rempart.accounts.forms import ApiTokenForm

    # given a form with a group of check boxes, one ticked and in error
    form = ApiTokenForm(data={"name": "x", "scopes": ["nope"], "expires_on": "2000-01-01"})
    form.is_valid()
    # when
    html = str(form["scopes"].as_field_group())
    # then the legend comes first, each box has its own label, no id is repeated
    assert html.index("<legend") < html.index('type="checkbox"')
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) > 1
    for box_id in re.findall(r'<input[^>]*id="([^"]+)"', html):
        assert f'for="{box_id}"' in html
    assert "is-invalid" in html
