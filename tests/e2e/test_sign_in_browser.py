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
