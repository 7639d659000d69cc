"""A security key (WebAuthn) as second factor, with Chromium's virtual authenticator:
enrol the key, sign out, sign in with password + key."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator

from rempart.accounts.tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_security_key_enrolment_and_sign_in(
    browser: Any, live_server: Any, personas: dict[str, Any]
) -> None:
    bob = personas["bob"]
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    # sign in with the password (bob has no second factor yet)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", bob.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(f"**/e/{personas['bob'].memberships.get().establishment.slug}/")
    # add a security key (allauth asks for the password again first)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").first.click()
        page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "Clé USB de test")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=bob, type="webauthn").exists()
    # sign out, then sign in again: the key is asked for
    page.locator("#user-menu").click()
    page.locator("form[action='/accounts/logout/'] button").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", bob.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
    assert page.locator("#user-menu").inner_text().strip() == bob.get_short_name()
    context.close()
