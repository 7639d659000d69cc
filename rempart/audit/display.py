"""Audit entries as people read them: the verb as a sentence, the actor, the object (finding
titles in the user's language) and the changes as "field: value" lines, never a Python repr.

The stored entry is left as written (it is hashed); everything here happens at display.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rempart.audit.models import AuditEntry
from rempart.audit.problems import ChainProblem
from rempart.audit.verbs import actor_label, audited_model, verb_label
from rempart.webhooks.events import SUBSCRIBABLE

# Keys of `changes` written by services (model fields are named by their model instead).
KEY_LABELS: dict[str, Promise] = {
    "active": _("Open only"),
    "added": _("added"),
    "anonymous": _("anonymous results"),
    "assignee": _("assigned to"),
    "backup_created_at": _("backup of"),
    "broken_at": _("broken at entry"),
    "comment": _("comment"),
    "count": _("number"),
    "created": _("created"),
    "detail": _("detail"),
    "domain": _("domain"),
    "email": _("e-mail address"),
    "engine": _("database"),
    "events": _("events"),
    "expires_at": _("expires on"),
    "fields": _("changed fields"),
    "file": _("file"),
    "findings": _("vulnerabilities"),
    "filters": _("filters"),
    "fixed": _("fixed"),
    "format": _("format"),
    "groups": _("groups"),
    "hosts": _("hosts"),
    "overdue": _("Overdue"),
    "q": _("Search"),
    "severity": _("Severity"),
    "identified_approval_cleared": _("approval of identified results cleared"),
    "ignore_window": _("outside the scan windows"),
    "justification": _("justification"),
    "last_entry": _("last entry"),
    "links_cut": _("links cut"),
    "model": _("object type"),
    "name": _("name"),
    "new": _("new"),
    "offending": _("targets outside the scope"),
    "outside_verified_domains": _("outside the verified domains"),
    "pages": _("landing pages"),
    "password_changed": _("password changed"),
    "policy": _("scan policy"),
    "previous_head": _("previous chain head"),
    "problem": _("problem"),
    "reason": _("reason"),
    "refused_lines": _("refused lines"),
    "reopened": _("reopened"),
    "returned_to_draft": _("returned to draft"),
    "role": _("role"),
    "rows": _("rows"),
    "scope": _("scope"),
    "scopes": _("scopes"),
    "size": _("size"),
    "status": _("status"),
    "targets": _("targets"),
    "template": _("template"),
    "templates": _("templates"),
    "triage_state": _("triage"),
    "unsent_cancelled": _("unsent messages cancelled"),
    "until": _("until"),
    "updated": _("updated"),
    "users": _("accounts"),
    "variants": _("variants"),
    "via": _("created through"),
    "weeks": _("weeks"),
}
# Keys whose value is [before, after] (besides every model field of an `…updated` entry).
DIFF_KEYS = frozenset({"status", "triage_state"})
MISSING = "—"


@dataclass(frozen=True)
class Change:
    """One line of an entry's changes."""

    label: str
    text: str


@dataclass(frozen=True)
class EntryView:
    """An audit entry and its words, for the templates."""

    entry: AuditEntry
    action: str
    actor: str
    object: str
    changes: list[Change]


def present(entries: Iterable[AuditEntry]) -> list[EntryView]:
    """Entries with their words; finding titles are read in one query per call."""
    rows = list(entries)
    titles = _finding_titles(rows)
    return [
        EntryView(
            entry=entry,
            action=verb_label(entry.verb, entry.object_type),
            actor=actor_label(entry.actor_label),
            object=_object_text(entry, titles),
            changes=changes_lines(entry.changes, verb=entry.verb, object_type=entry.object_type),
        )
        for entry in rows
    ]


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def changes_lines(changes: Any, *, verb: str = "", object_type: str = "") -> list[Change]:
    """The changes as (label, text) lines, in the user's language."""
    if not isinstance(changes, Mapping):
        return [] if changes in (None, "", [], {}) else [Change(gettext("value"), _text(changes))]
    model = audited_model(object_type)
    updated = verb.endswith(".updated")
    return [
        _line(model, key, value, changes, verb=verb, updated=updated)
        for key, value in changes.items()
    ]


def _line(
    model: type[models.Model] | None,
    key: str,
    value: Any,
    changes: Mapping[str, Any],
    *,
    verb: str,
    updated: bool,
) -> Change:
    if key == "filters" and isinstance(value, Mapping):
        return Change(_key_label(model, key), _filters_text(verb, value))
    return Change(_key_label(model, key), _value_text(model, key, value, changes, updated=updated))


def _exported_model(verb: str) -> type[models.Model] | None:
    """`scanning.findings.exported` → the `scanning.Finding` model (what the filters name)."""
    parts = verb.split(".")
    if len(parts) != 3 or parts[2] != "exported":  # noqa: PLR2004  (app.things.exported)
        return None
    try:
        return apps.get_model(parts[0], parts[1].removesuffix("s"))
    except (LookupError, ValueError):
        return None


def _filters_text(verb: str, filters: Mapping[str, Any]) -> str:
    """An export's filters with their labels and choices' labels ("Criticité : Élevée")."""
    model = _exported_model(verb)
    lines = [
        _pair_text(capfirst(_key_label(model, key)), _coded_all(_field(model, key), value))
        for key, value in filters.items()
    ]
    return " · ".join(lines) or MISSING


def _coded_all(field: Any, value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(_coded(field, item) for item in values) or MISSING


def _key_label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None and hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    return str(KEY_LABELS.get(key, key.replace("_", " ")))


def _value_text(
    model: type[models.Model] | None,
    key: str,
    value: Any,
    changes: Mapping[str, Any],
    *,
    updated: bool,
) -> str:
    field = _field(model, key)
    if key in SPECIAL_VALUES:
        return SPECIAL_VALUES[key](value, changes, model)
    is_diff = (key in DIFF_KEYS or (updated and field is not None)) and _pair(value)
    if is_diff:
        before, after = value
        return f"{_coded(field, before)} → {_coded(field, after)}"
    return _coded(field, value)


def _pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2  # noqa: PLR2004 ([before, after])


def _coded(field: Any, value: Any) -> str:
    """A value, with a choice field's code shown as its label."""
    choices = dict(getattr(field, "flatchoices", None) or ())
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(field, models.BooleanField) and value in ("True", "False"):  # written as text
        return _text(value == "True")
    return _text(value)


def _text(value: Any) -> str:
    if value is None or value in ("", []):
        return MISSING
    if isinstance(value, bool) or value in ("true", "false"):  # "true": a query string's
        return gettext("yes") if value in (True, "true") else gettext("no")
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, Mapping):
        return " · ".join(_pair_text(str(KEY_LABELS.get(k, k)), _text(v)) for k, v in value.items())
    if isinstance(value, str):
        return _date_text(value)
    return str(formats.localize(value))


def _pair_text(label: str, text: str) -> str:
    return gettext("%(label)s: %(value)s") % {"label": label, "value": text}


def _date_text(value: str) -> str:
    """An ISO date or time stamp in the local format; other text as it is."""
    try:
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
        moment = parse_datetime(value)
    except ValueError:
        return value
    if moment is None:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _field_names(value: Any, changes: Mapping[str, Any], model: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return ", ".join(_key_label(model, str(name)) for name in names) or MISSING


def _problem(value: Any, changes: Mapping[str, Any], model: Any) -> str:
    try:
        return ChainProblem(str(value)).translated(str(changes.get("detail", "")))
    except ValueError:
        return _text(value)


def _events(value: Any, changes: Mapping[str, Any], model: Any) -> str:
    """Webhook events by their labels (`phishing.campaign.launched` is a code)."""
    names = value if isinstance(value, list) else [value]
    return "; ".join(str(SUBSCRIBABLE.get(str(name), name)) for name in names) or MISSING


def _keys(value: Any, changes: Mapping[str, Any], model: Any) -> str:
    """Keys of library items (`fr-mailbox-quota`): identifiers, shown as code."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        return _text(value)
    return format_html_join(", ", "<code>{}</code>", ((name,) for name in value)) or MISSING


def _code(value: Any, changes: Mapping[str, Any], model: Any) -> str:
    """A file name or path: an identifier, shown as code."""
    return format_html("<code>{}</code>", value) if isinstance(value, str) else _text(value)


SPECIAL_VALUES: dict[str, Callable[[Any, Mapping[str, Any], Any], str]] = {
    "events": _events,
    "fields": _field_names,
    "file": _code,
    "pages": _keys,
    "problem": _problem,
    "templates": _keys,
}


def _finding_titles(entries: list[AuditEntry]) -> dict[str, tuple[str, str]]:
    """object_id -> (title, French title) of the findings the entries name.

    Titles come from the scan engine in English; a finding keeps its French title too.
    """
    if not (translation.get_language() or "").startswith("fr"):
        return {}
    wanted = [e for e in entries if e.object_type == "scanning.finding" and _is_uuid(e.object_id)]
    if not wanted:
        return {}
    finding = apps.get_model("scanning", "Finding")
    rows = finding._default_manager.filter(
        public_id__in=[entry.object_id for entry in wanted],
        establishment_id__in={entry.establishment_id for entry in wanted},
    ).values_list("public_id", "title", "title_fr")
    return {str(public_id): (title, title_fr) for public_id, title, title_fr in rows}


def _object_text(entry: AuditEntry, titles: Mapping[str, tuple[str, str]]) -> str:
    """The entry's object label, `<title> (<address:port>)` for a finding: the stored
    English title is swapped for the finding's French one when it still exists."""
    title, title_fr = titles.get(entry.object_id, ("", ""))
    stored = entry.object_repr
    if title and title_fr and stored.startswith(title):
        return title_fr + stored[len(title) :]
    return stored


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
