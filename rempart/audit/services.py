"""Writing to the audit log. Every service that changes data calls `audit_record`."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from rempart.audit.chain import HEAD_REBUILT_VERB, entry_hash
from rempart.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry

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
    head = _locked_head()
    user_ok = actor is not None and getattr(actor, "is_authenticated", False)
    fields: dict[str, Any] = {
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
    return _append(head, fields)


def _append(head: AuditChainHead, fields: dict[str, Any]) -> AuditEntry:
    """Write the entry after the head, then move the head onto it (the database's triggers
    accept a head that points at the last entry only)."""
    fields = {**fields, "seq": head.last_seq + 1, "created_at": timezone.now()}
    fields["prev_hash"] = head.last_hash
    fields["hash"] = entry_hash(head.last_hash, fields)
    entry = AuditEntry.objects.create(**fields)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


def _locked_head() -> AuditChainHead:
    """The head row, locked, pointing at the last entry.

    The triggers forbid removing or moving the head; should it be gone or off the last entry
    anyway (direct database access with the triggers dropped), appending after it would
    collide with an existing sequence number and every audited action would fail. The head is
    set back onto the last entry instead, and an entry says so: `audit verify` reports the
    chain broken there, since nothing proves what was removed before.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    created = False
    if head is None:
        last_seq, last_hash = _last_entry()
        head, created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_seq": last_seq, "last_hash": last_hash}
        )
    last_seq, last_hash = _last_entry()  # under the head's lock
    if not created and (head.last_seq, head.last_hash) == (last_seq, last_hash):
        return head
    previous = None if created else {"last_seq": head.last_seq, "last_hash": head.last_hash}
    if not created:
        head.last_seq, head.last_hash = last_seq, last_hash
        head.save(update_fields=["last_seq", "last_hash"])
    if previous is not None or last_seq:  # an emptied log must not restart silently
        _append_head_rebuilt(head, previous, last_seq)
    return head


def _append_head_rebuilt(
    head: AuditChainHead, previous: dict[str, Any] | None, last_seq: int
) -> None:
    fields = {
        "actor_id": None,
        "actor_label": "system",
        "establishment_id": None,
        "verb": HEAD_REBUILT_VERB,
        "object_type": "",
        "object_id": "",
        "object_repr": "",
        "changes": {"previous_head": previous, "last_entry": last_seq},
        "ip_address": None,
    }
    _append(head, fields)


def _last_entry() -> tuple[int, str]:
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS_HASH)
