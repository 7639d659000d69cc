"""Writing to the audit log. Every service that changes data calls `audit_record`."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from rempart.audit.chain import entry_hash
from rempart.audit.models import AuditChainHead, AuditEntry

SECRET_FIELD_MARKERS = ("password", "secret", "token", "key_hash", "token_hash")


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of a model instance, JSON-safe, secrets masked; used to diff changes."""
    data = model_to_dict(instance, fields=fields)
    for name in list(data):
        if any(marker in name for marker in SECRET_FIELD_MARKERS):
            data[name] = "********"
    safe: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))
    return safe


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _normalise_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    establishment: Any = None,
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    `verb` is `<app>.<object>.<event>` (e.g. `tenancy.establishment.updated`). The
    establishment defaults to the target's own. The chain head row is locked so that
    concurrent writers get consecutive sequence numbers.
    """
    if establishment is None and target is not None:
        establishment = getattr(target, "establishment", None)
        if establishment is None and target._meta.label == "tenancy.Establishment":
            establishment = target
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    user_ok = actor is not None and getattr(actor, "is_authenticated", False)
    fields: dict[str, Any] = {
        "seq": head.last_seq + 1,
        "created_at": timezone.now(),
        "actor_id": actor.pk if user_ok else None,
        "actor_label": actor_label or (str(actor.email) if user_ok else "system"),
        "establishment_id": establishment.pk if establishment is not None else None,
        "verb": verb,
        "object_type": target._meta.label_lower if target is not None else "",
        "object_id": str(getattr(target, "public_id", None) or getattr(target, "pk", "") or ""),
        "object_repr": str(target)[:300] if target is not None else "",
        "changes": json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder, default=str)),
        "ip_address": _normalise_ip(ip_address),
    }
    fields["prev_hash"] = head.last_hash
    fields["hash"] = entry_hash(head.last_hash, fields)
    entry = AuditEntry.objects.create(**fields)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry
