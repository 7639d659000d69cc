from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import Client
from rempart.scanning.tests.test_dashboard import crowded  # noqa
import pytest
@pytest.mark.django_db
def test_q(crowded, bob):
    c = Client(); c.force_login(bob); c.get("/e/ch-alpha/security/")
    with CaptureQueriesContext(connection) as ctx:
        c.get("/e/ch-alpha/security/")
    for q in ctx.captured_queries: print(q["time"], q["sql"][:120])
    c.get("/e/ch-alpha/reports/")
    with CaptureQueriesContext(connection) as ctx:
        c.get("/e/ch-alpha/reports/")
    print(len(ctx.captured_queries))
