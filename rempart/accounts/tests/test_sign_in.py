"""Sign-in: passwords, second factor (TOTP, recovery codes), enrolment, lockout, one-time
passwords and password reset, through the real allauth views."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.test import Client

from conftest import TOTP_SECRET
from rempart.accounts.tests.factories import PASSWORD
from rempart.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def _login(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password})


def _session_user(client: Client) -> Any:
    return client.session.get("_auth_user_id")


def test_member_without_mfa_signs_in_with_a_password(personas: dict[str, Any]) -> None:
    client = Client()
    response = _login(client, personas["bob"].email)
    assert response.status_code == 302
    assert _session_user(client) == str(personas["bob"].pk)
    assert client.get("/", follow=True).request["PATH_INFO"] == "/e/ch-alpha/"
    assert AuditEntry.objects.filter(
        verb="accounts.user.signed_in", actor_id=personas["bob"].pk
    ).exists()


def test_wrong_password_is_refused(personas: dict[str, Any]) -> None:
    client = Client()
    response = _login(client, personas["bob"].email, "not the password")
    assert response.status_code == 200
    assert _session_user(client) is None


def test_staff_sign_in_asks_for_the_totp_code(personas: dict[str, Any]) -> None:
    client = Client()
    # when the password is right
    response = _login(client, personas["analyst"].email)
    # then the second factor is asked, and nobody is signed in yet
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert _session_user(client) is None
    # a wrong code is refused
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert _session_user(client) is None
    # the right code signs in
    right = client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert right.status_code == 302
    assert _session_user(client) == str(personas["analyst"].pk)
    assert client.get("/operator/").status_code == 200


def test_staff_without_second_factor_must_enrol(personas: dict[str, Any]) -> None:
    # given an analyst whose authenticator was removed
    analyst = personas["analyst"]
    Authenticator.objects.filter(user=analyst).delete()
    client = Client()
    assert _login(client, analyst.email).status_code == 302
    # then every page leads to the TOTP set-up, and the API refuses the session
    blocked = client.get("/operator/")
    assert blocked.status_code == 302
    assert blocked["Location"] == "/accounts/2fa/totp/activate/"
    api = client.get("/api/v1/establishments/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "account_setup_required"
    # when they scan the secret and confirm a code (having just typed their password,
    # they are not asked for it again)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    activated = client.post(
        "/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(_secret(page)).now()}
    )
    assert activated.status_code == 302
    # then the platform opens
    assert Authenticator.objects.filter(user=analyst, type="totp").exists()
    assert client.get("/operator/").status_code == 200


def test_establishment_can_require_mfa(personas: dict[str, Any], establishment_a: Any) -> None:
    client = Client()
    assert _login(client, personas["bob"].email).status_code == 302
    assert client.get("/e/ch-alpha/").status_code == 200
    establishment_a.require_mfa = True
    establishment_a.save()
    assert client.get("/e/ch-alpha/")["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert "CH Alpha" in page
    assert "obligatoire" in page


def test_a_later_second_factor_change_asks_for_the_password(personas: dict[str, Any]) -> None:
    """Only a sign-in that just checked the password spares the confirmation: a session
    that did not (here forced, as a stolen session would be) must confirm it."""
    client = Client()
    client.force_login(personas["analyst"])
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert page["Location"].startswith("/accounts/reauthenticate/")


def test_recovery_code_signs_in(personas: dict[str, Any]) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(personas["analyst"]).get_unused_codes()
    client = Client()
    _login(client, personas["analyst"].email)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert _session_user(client) == str(personas["analyst"].pk)
    other = Client()
    _login(other, personas["analyst"].email)
    other.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert _session_user(other) is None  # a recovery code works once


def test_wrong_passwords_slow_their_address_not_the_account(
    personas: dict[str, Any], settings: Any
) -> None:
    # given an attacker typing wrong passwords for bob from one address
    attacker = Client(REMOTE_ADDR="127.0.0.66")
    for _attempt in range(settings.LOGIN_ATTEMPTS):
        _login(attacker, personas["bob"].email, "wrong")
    # then that address must wait, even with the right password, and is told for how long
    refused = _login(attacker, personas["bob"].email)
    assert _session_user(attacker) is None
    assert "Réessayez dans 30 secondes" in refused.content.decode()
    # but bob signs in from his own address, and alice from the attacker's is not affected
    bob = Client(REMOTE_ADDR="127.0.0.10")
    assert _login(bob, personas["bob"].email).status_code == 302
    assert _session_user(bob) == str(personas["bob"].pk)
    assert _login(Client(REMOTE_ADDR="127.0.0.66"), personas["alice"].email).status_code == 302


def _secret(page: Any) -> str:
    found = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode())
    assert found, "the set-up page shows the secret"
    return found.group(1)


def test_first_sign_in_leads_from_the_new_password_to_mfa_set_up(db: Any) -> None:
    from rempart.accounts.services import first_admin_ensure
    from rempart.tenancy.tests.factories import OperatorFactory

    issued = first_admin_ensure(email="admin@example.org", operator=OperatorFactory())
    assert issued is not None
    client = Client()
    assert _login(client, "admin@example.org", issued.secret).status_code == 302
    assert client.get("/operator/")["Location"] == "/accounts/password/change/"
    new = "Un nouveau mot de passe 2026!"
    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": issued.secret, "password1": new, "password2": new},
    )
    issued.obj.refresh_from_db()
    assert not issued.obj.must_change_password
    # then straight to the MFA set-up: no password form again, no "Confirmer l'accès"
    assert changed["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get(changed["Location"])
    assert page.status_code == 200, page.get("Location")
    text = page.content.decode()
    assert "obligatoire" in text
    assert "équipe régionale" in text
    activated = client.post(
        "/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(_secret(page)).now()}
    )
    # the recovery codes, with a button that leads on to the platform
    codes = client.get(activated["Location"])
    assert codes.request["PATH_INFO"] == "/accounts/2fa/recovery-codes/"
    assert re.search(r'<a [^>]*href="/"[^>]*>\s*Continuer\s*</a>', codes.content.decode())
    assert client.get("/operator/").status_code == 200
    assert first_admin_ensure(email="other@example.org", operator=OperatorFactory()) is None


def test_a_chosen_password_change_leads_back_to_the_profile(personas: dict[str, Any]) -> None:
    client = Client()
    _login(client, personas["bob"].email)
    new = "Un autre mot de passe 2026!"
    changed = client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert changed["Location"] == "/account/"


def test_sign_in_page_offers_the_forgotten_password_link_once(db: Any) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert page.count("Mot de passe oublié") == 1


def test_password_reset_sends_a_link(personas: dict[str, Any]) -> None:
    response = Client().post("/accounts/password/reset/", {"email": personas["bob"].email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
