"""End to end in headless Chromium: sign in with a second factor, switch establishment,
see the dashboard in French then in English. No console error (CSP, missing assets)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from conftest import TOTP_SECRET, give_totp
from rempart.accounts.tests.factories import PASSWORD, UserFactory
from rempart.tenancy.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def camille(establishment_a: Any, establishment_b: Any) -> Any:
    """Referent of A and viewer of B, with an authenticator app."""
    user = UserFactory(email="camille@ght.example.org", full_name="Camille Martin")
    Membership.objects.create(user=user, establishment=establishment_a, role="referent")
    Membership.objects.create(user=user, establishment=establishment_b, role="viewer")
    give_totp(user)
    return user


def test_sign_in_with_mfa_switch_establishment_and_language(
    live_server: Any, page: Any, camille: Any, establishment_a: Any, establishment_b: Any
) -> None:
    # sign in: password, then the code of the authenticator app
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Connexion à Rempart"
    page.fill("input[name=login]", camille.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", pyotp.TOTP(TOTP_SECRET).now())
    page.locator("main button[type=submit]").first.click()
    # two establishments: choose one
    page.wait_for_url(f"{live_server.url}/")
    page.click(f"main >> text={establishment_a.name}")
    page.wait_for_url(f"**/e/{establishment_a.slug}/")
    assert page.locator("h1").inner_text() == establishment_a.name
    assert page.locator('nav[aria-label="Modules de l\'établissement"]').is_visible()
    assert page.get_by_role("link", name="Tableau de bord").first.is_visible()
    # switch establishment from the menu
    page.click("#establishment-switcher")
    page.click(f".dropdown-menu >> text={establishment_b.name}")
    page.wait_for_url(f"**/e/{establishment_b.slug}/")
    assert page.locator("h1").inner_text() == establishment_b.name
    assert page.locator("#establishment-switcher").inner_text().strip() == establishment_b.name
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Synthèse sécurité" in page.content()
    # switch to English: the select submits itself
    page.select_option("#language-select", "en")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_role("link", name="Dashboard").first.is_visible()
    assert page.locator("h1").inner_text() == establishment_b.name
    assert "Security overview" in page.content()
    assert page.console_errors == []


def test_first_sign_in_from_the_one_time_password_to_the_platform(
    live_server: Any, page: Any, operator: Any
) -> None:
    from rempart.accounts.services import first_admin_ensure

    issued = first_admin_ensure(email="admin@grades.example.org", operator=operator)
    assert issued is not None
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_text("Mot de passe oublié").count() == 1
    page.fill("input[name=login]", "admin@grades.example.org")
    page.fill("input[name=password]", issued.secret)
    page.locator("main button[type=submit]").first.click()
    # the one-time password must be changed first
    page.wait_for_url("**/accounts/password/change/")
    new = "Un nouveau mot de passe 2026!"
    page.fill("input[name=oldpassword]", issued.secret)
    page.fill("input[name=password1]", new)
    page.fill("input[name=password2]", new)
    page.locator("main button[type=submit]").first.click()
    # then straight to the authenticator set-up, which says why, without asking the
    # password again
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert "obligatoire pour l'équipe régionale" in page.locator("main").inner_text()
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("main button[type=submit]").first.click()
    # the recovery codes, and a button that leads on to the platform
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert page.locator("#recovery_codes").input_value().count("\n") == 9
    page.get_by_role("link", name="Continuer").click()
    page.wait_for_url(f"{live_server.url}/operator/")
    assert page.console_errors == []


def test_wrong_passwords_are_answered_with_the_wait(
    live_server: Any, page: Any, camille: Any, settings: Any
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    for _attempt in range(settings.LOGIN_ATTEMPTS):
        page.fill("input[name=login]", camille.email)
        page.fill("input[name=password]", "pas le bon mot de passe")
        page.locator("main button[type=submit]").first.click()
        page.wait_for_load_state("load")
    assert "Réessayez dans 30 secondes" in page.locator("main").inner_text()
