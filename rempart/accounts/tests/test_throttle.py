"""Sign-in throttling: backoff per login and address, per address across logins, lifting a
wait from the regional team's page and from `rempart signin`."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rempart.accounts import throttle
from rempart.accounts.models import SignInThrottle
from rempart.accounts.tests.factories import PASSWORD
from rempart.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
ATTACKER = "127.0.0.66"


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def _fail(times: int, *, login: str = "bob@example.org", address: str = ATTACKER) -> int:
    wait = 0
    for _attempt in range(times):
        wait = throttle.sign_in_failed(login=login, address=address)
    return wait


def _login(email: str, password: str, address: str = ATTACKER) -> tuple[Client, Any]:
    client = Client(REMOTE_ADDR=address)
    return client, client.post("/accounts/login/", {"login": email, "password": password})


def test_the_wait_starts_after_the_free_attempts_and_doubles(settings: Any) -> None:
    assert _fail(settings.LOGIN_ATTEMPTS - 1) == 0
    assert throttle.sign_in_wait(login="bob@example.org", address=ATTACKER) == 0
    assert _fail(1) == 30
    assert throttle.sign_in_wait(login="BOB@example.org ", address=ATTACKER) == 30
    assert throttle.sign_in_wait(login="bob@example.org", address="127.0.0.10") == 0
    assert [_fail(1) for _n in range(4)] == [60, 120, 240, 480]
    assert _fail(3) == settings.LOGIN_LOCKOUT_SECONDS  # never longer than the longest wait


def test_an_address_trying_many_accounts_waits(settings: Any) -> None:
    for index in range(settings.LOGIN_ADDRESS_ATTEMPTS):
        throttle.sign_in_failed(login=f"user{index}@example.org", address=ATTACKER)
    # a login never tried from there must wait too; another address does not
    assert throttle.sign_in_wait(login="carol@example.org", address=ATTACKER) == 30
    assert throttle.sign_in_wait(login="carol@example.org", address="127.0.0.10") == 0


def test_failures_are_forgotten_after_a_quiet_period(settings: Any) -> None:
    _fail(settings.LOGIN_ATTEMPTS)
    later = timezone.now() + timedelta(seconds=4 * settings.LOGIN_LOCKOUT_SECONDS + 1)
    assert throttle.sign_in_failed(login="bob@example.org", address=ATTACKER, now=later) == 0
    assert SignInThrottle.objects.get(login="bob@example.org").failures == 1


def test_the_right_password_starts_the_count_again(personas: dict[str, Any]) -> None:
    email = personas["bob"].email
    _fail(3, login=email)
    _client, response = _login(email, PASSWORD)
    assert response.status_code == 302
    assert not SignInThrottle.objects.filter(login=email).exists()
    assert SignInThrottle.objects.get(login="").failures == 3  # the address's count stays


def test_the_form_says_how_long_to_wait(personas: dict[str, Any], settings: Any) -> None:
    email = personas["bob"].email
    for _attempt in range(settings.LOGIN_ATTEMPTS - 1):
        _login(email, "wrong")
    _client, last = _login(email, "wrong")
    assert "Réessayez dans 30 secondes" in last.content.decode()
    SignInThrottle.objects.update(blocked_until=timezone.now() + timedelta(seconds=150))
    client, refused = _login(email, PASSWORD)
    assert "Réessayez dans 3 minutes" in refused.content.decode()
    assert client.session.get("_auth_user_id") is None
    # the wait over, the right password works from there again
    SignInThrottle.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))
    client, response = _login(email, PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(personas["bob"].pk)


def test_an_operator_administrator_lifts_a_wait(personas: dict[str, Any], settings: Any) -> None:
    email = personas["bob"].email
    _fail(settings.LOGIN_ATTEMPTS, login=email)
    admin = Client()
    admin.force_login(personas["operator_admin"])
    page = admin.get("/operator/sign-in/").content.decode()
    assert email in page
    assert "Lever l'attente" in page
    row = SignInThrottle.objects.get(login=email)
    # an analyst may neither see nor lift it
    analyst = Client()
    analyst.force_login(personas["analyst"])
    assert analyst.get("/operator/sign-in/").status_code == 403
    assert analyst.post("/operator/sign-in/unlock/", {"throttle": row.pk}).status_code == 403
    assert SignInThrottle.objects.filter(pk=row.pk).exists()
    # the administrator lifts it: bob signs in from that address, and the audit log says who
    lifted = admin.post("/operator/sign-in/unlock/", {"throttle": row.pk})
    assert lifted["Location"] == "/operator/sign-in/"
    assert not SignInThrottle.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(verb="accounts.sign_in.unlocked")
    assert entry.actor_id == personas["operator_admin"].pk
    assert _login(email, PASSWORD)[1].status_code == 302


def test_the_command_lists_and_lifts_waits(settings: Any) -> None:
    _fail(settings.LOGIN_ATTEMPTS, login="bob@example.org")
    _fail(settings.LOGIN_ATTEMPTS, login="eve@example.org", address="127.0.0.77")
    out = StringIO()
    call_command("signin", "list", stdout=out)
    assert "bob@example.org\t127.0.0.66\t5 failures" in out.getvalue()
    call_command("signin", "unlock", "BOB@example.org", stdout=out)
    assert "1 wait(s) lifted." in out.getvalue()
    assert not SignInThrottle.objects.filter(login="bob@example.org").exists()
    call_command("signin", "unlock", "--address", "127.0.0.77", stdout=out)
    assert not SignInThrottle.objects.filter(address="127.0.0.77").exists()
    assert SignInThrottle.objects.filter(login="", address=ATTACKER).exists()
    assert AuditEntry.objects.filter(verb="accounts.sign_in.unlocked").count() == 2
    with pytest.raises(Exception, match="name an account"):
        call_command("signin", "unlock", stdout=out)


def test_the_admin_signs_in_through_the_platform_page(db: Any) -> None:
    """The admin's own form would take a password without the second factor and without
    this throttling: it leads to the platform's sign-in page."""
    from rempart.accounts.tests.factories import UserFactory

    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client = Client()
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    posted = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/login/")
    assert client.session.get("_auth_user_id") is None
