"""Property-based fuzz of the API from its own OpenAPI schema (schemathesis, in-process WSGI).

Every operation of /api/v1/ gets generated requests, valid and invalid by the schema (bodies
of the wrong type, `null`, missing fields, odd query strings…), sent with the operator
administrator's token (every scope) against a world of two establishments. Each answer
must not be a server error and must match the schema: a documented status code, the
documented content type and a body of the documented shape (errors included). The budget is
bounded (`EXAMPLES` per operation and mode, a fixed seed) so that the whole run stays under
a minute of CPU.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.tenant_world import build_world

# A deeper run: REMPART_FUZZ_EXAMPLES=200 .venv/bin/pytest tests/test_api_fuzz.py
EXAMPLES = int(os.environ.get("REMPART_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema() -> Any:
    raw = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture
def _connection_kept() -> Any:
    """Django closes the database connection at the end of each WSGI request; the test's
    transaction lives on that connection (Django's test client disconnects it too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(
    _connection_kept: None,
    personas: dict[str, Any],
    establishment_a: Any,
    establishment_b: Any,
    ght: Any,
) -> str:
    from rempart.accounts.scopes import all_scopes
    from rempart.accounts.services import api_token_create

    build_world(personas, establishment_a, establishment_b, ght)
    return api_token_create(
        user=personas["operator_admin"], name="fuzz", scopes=all_scopes()
    ).secret


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_match_the_schema(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
