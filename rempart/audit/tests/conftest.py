from __future__ import annotations

from typing import Any

import pytest

from rempart.audit.models import AuditEntry
from rempart.audit.services import audit_record


@pytest.fixture
def entries(personas: dict[str, Any], establishment_a: Any) -> list[AuditEntry]:
    """Five chained entries of establishment A."""
    return [
        audit_record(
            actor=personas["alice"],
            verb=f"test.event.{i}",
            target=establishment_a,
            changes={"n": i, "when": "2026-11-28"},
            ip_address="192.0.2.10",
        )
        for i in range(5)
    ]
