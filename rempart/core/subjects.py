"""Typed links to "the record this belongs to": the subject registry of the coordination
modules (action plan, attachments, timeline, magic links, deadlines).

An action item's source, an attachment's owner, a timeline's record, a deadline's object:
each is stored as a pair `(kind, public_id)` beside the row's own establishment, where
`kind` is a code that the owning module registers here (`incidents.incident`,
`scanning.finding`…). Why not Django's GenericForeignKey: its content-type ids differ from
one database to another (a backup restored from SQLite into PostgreSQL would point
elsewhere), it accepts any model at all, and it knows nothing of establishments. The pair
is readable in the audit log and CSV exports, only registered kinds are accepted, and
`subject_get` only finds a record of the same establishment (never another member's).

A module declares its kinds once, in its `AppConfig.ready()`:

    register_subject(SubjectKind(
        code="incidents.incident", model="incidents.Incident", label=_("Security incident"),
        url_name="incidents:incident_detail"))

There is no database constraint behind the pair: a module that deletes a record calls the
coordination modules' `*_forget` services for it (records with a life are rarely deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext

from rempart.core.errors import ApplicationError


@dataclass(frozen=True)
class SubjectKind:
    """A kind of record that coordination rows may point to.

    `url_name` is reversed with the establishment's slug and the record's public id (the
    usual `/e/<slug>/…/<uuid:public_id>/` shape); `url` overrides it for other shapes.
    `title` gives the record's label (its `str()` by default); `select_related` names the
    relations it reads, so that a list of N records costs one query."""

    code: str
    model: str
    label: Promise | str
    url_name: str = ""
    url: Callable[[Any], str] | None = None
    title: Callable[[Any], str] | None = None
    select_related: tuple[str, ...] = ()  # what `str(record)` reads, for lists in one query

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def link(self, obj: Any) -> str:
        """The record's page, or "" when it has none."""
        if self.url is not None:
            return self.url(obj)
        if not self.url_name:
            return ""
        try:
            return reverse(self.url_name, args=[obj.establishment.slug, obj.public_id])
        except NoReverseMatch:
            return ""

    def describe(self, obj: Any) -> str:
        return self.title(obj) if self.title is not None else str(obj)


SUBJECTS: dict[str, SubjectKind] = {}


def register_subject(kind: SubjectKind) -> None:
    """Declare a kind (import time, idempotent)."""
    SUBJECTS.setdefault(kind.code, kind)


def subject_kind(code: str) -> SubjectKind:
    try:
        return SUBJECTS[code]
    except KeyError as exc:
        raise ApplicationError(_unknown_kind(code)) from exc


def _unknown_kind(code: str) -> str:
    return gettext("Unknown kind of record: “%(kind)s”.") % {"kind": code}


def subject_code(obj: models.Model) -> str:
    """The registered kind of a model instance; an ApplicationError if none is."""
    label = obj._meta.label
    for code, kind in SUBJECTS.items():
        if kind.model == label:
            return code
    raise ApplicationError(_unknown_kind(label))


def subject_ref(obj: Any) -> tuple[str, UUID]:
    """The `(kind, public_id)` pair that points to `obj`."""
    return subject_code(obj), obj.public_id


def subject_get(code: str, public_id: UUID | str | None, establishment: Any) -> Any | None:
    """The record of `establishment` behind a pair, or None (unknown kind, absent record or a
    record of another establishment: the caller cannot tell them apart)."""
    kind = SUBJECTS.get(code)
    if kind is None or not public_id:
        return None
    model = kind.model_class()
    try:
        return model._default_manager.filter(establishment=establishment).get(public_id=public_id)
    except (ObjectDoesNotExist, ValueError, ValidationError):  # absent, or a malformed id
        return None


def subjects_get(
    code: str, public_ids: list[UUID], establishment_ids: Any = None
) -> dict[UUID, Any]:
    """Records of one kind by public id, in one query (for lists)."""
    kind = SUBJECTS.get(code)
    if kind is None or not public_ids:
        return {}
    rows = kind.model_class()._default_manager.filter(public_id__in=public_ids)
    if establishment_ids is not None:
        rows = rows.filter(establishment__in=establishment_ids)
    rows = rows.select_related("establishment", *kind.select_related)
    return {row.public_id: row for row in rows}  # type: ignore[attr-defined]


def subject_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered kind, for filters."""
    return sorted(((code, str(kind.label)) for code, kind in SUBJECTS.items()), key=lambda c: c[1])


def check_same_establishment(obj: Any, establishment: Any) -> None:
    """Refuse a link between rows of two establishments."""
    if getattr(obj, "establishment_id", None) != establishment.pk:
        raise ApplicationError(gettext("This record belongs to another establishment."))
