"""Template helpers: Bootstrap classes on widgets, navigation URLs, badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

from rempart.core import grammar

register = template.Library()

SELECT_WIDGETS = {"Select", "SelectMultiple", "NullBooleanSelect"}


@register.filter
def widget_kind(field: BoundField) -> str:
    """The kind: "choices" (boxes or radios under a legend), "check", "select" or "control"."""
    widget = field.field.widget
    if getattr(widget, "allow_multiple_selected", False) and widget.input_type == "checkbox":
        return "choices"
    if getattr(widget, "input_type", "") == "radio":
        return "choices"
    if getattr(widget, "input_type", "") == "checkbox":
        return "check"
    return "select" if type(widget).__name__ in SELECT_WIDGETS else "control"


@register.filter
def with_class(field: BoundField, extra: str = "") -> Any:
    """Render the widget with the Bootstrap class for its kind (and `is-invalid` on errors)."""
    kind = widget_kind(field)
    css = {
        "check": "form-check-input",
        "choices": "form-check-input",
        "select": "form-select",
        "control": "form-control",
    }[kind]
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, str | bool] = {"class": f"{css} {extra}".strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


STATUS_BADGES = {
    "queued": "secondary",
    "running": "primary",
    "succeeded": "success",
    "failed": "danger",
    "cancelled": "warning",
}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "secondary")


@register.filter
def model_name(obj: Any) -> str:
    return str(obj._meta.model_name)


@register.filter
def of_establishment(name: Any) -> str:
    """ "of <name>" in the active language: « du CH Alpha », « de l'EHPAD Les Tilleuls »,
    « d'Annecy » in French (`rempart.core.grammar`)."""
    return grammar.of_establishment(str(name))


@register.filter
def at_establishment(name: Any) -> str:
    """ "at <name>" in French: « au CH Alpha », « à l'EHPAD Les Tilleuls »."""
    return grammar.at_establishment(str(name))
