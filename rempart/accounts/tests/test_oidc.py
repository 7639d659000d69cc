"""OpenID Connect single sign-on against a real provider on 127.0.0.1 (see oidc_provider.py).

The Django test client drives Rempart; the provider's `/authorize` is requested over HTTP (as a
browser would), and allauth itself fetches the discovery document, the token and the userinfo
from the provider. Settings come from `oidc_providers()`, i.e. from the REMPART_OIDC_* variables.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import environ
import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from config.integrations.oidc import oidc_providers
from conftest import TOTP_SECRET
from rempart.accounts.models import User
from rempart.accounts.tests.factories import PASSWORD, UserFactory
from rempart.accounts.tests.oidc_provider import OIDCProvider, OIDCUser
from rempart.audit.models import AuditEntry
from rempart.tenancy.models import Membership

CLIENT_ID = "rempart-test"
CLIENT_SECRET = "s3cret:with/special&chars"
LOGIN_URL = "/accounts/oidc/sso/login/"
CALLBACK_URL = "http://testserver/accounts/oidc/sso/login/callback/"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# A "browser" that shows us the provider's redirects instead of following them.
_browser = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """allauth keeps rate limits and used TOTP codes in the cache, which outlives a test."""
    cache.clear()


def _configure(monkeypatch: pytest.MonkeyPatch, settings: Any, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(f"REMPART_OIDC_{name}", value)
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(environ.FileAwareEnv())


@pytest.fixture
def token_auth_method() -> str:
    """REMPART_OIDC_TOKEN_AUTH_METHOD; tests parametrize it."""
    return "client_secret_basic"


@pytest.fixture
def provider(
    monkeypatch: pytest.MonkeyPatch, settings: Any, token_auth_method: str
) -> Iterator[OIDCProvider]:
    """A running provider, and Rempart configured for it from the REMPART_OIDC_* variables."""
    for name in ("NO_PROXY", "no_proxy"):  # allauth's requests must not go through a proxy
        monkeypatch.setenv(name, "127.0.0.1")
    for name in ("CLIENT_SECRET_FILE", "SCOPES", "TRUSTED_EMAIL_DOMAINS"):
        monkeypatch.delenv(f"REMPART_OIDC_{name}", raising=False)
    user = OIDCUser(sub="idp-nobody", email="nobody@example.org")
    with OIDCProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user=user) as running:
        _configure(
            monkeypatch,
            settings,
            SERVER_URL=running.issuer,
            CLIENT_ID=CLIENT_ID,
            CLIENT_SECRET=CLIENT_SECRET,
            NAME="Pro Santé Connect",
            TOKEN_AUTH_METHOD=token_auth_method,
        )
        yield running


def authorize(client: Client, provider: OIDCProvider) -> tuple[str, dict[str, str]]:
    """Start at Rempart, then ask the provider's /authorize over HTTP: the callback to follow."""
    start = client.post(LOGIN_URL)
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["redirect_uri"] == [CALLBACK_URL]  # the URI to register at the provider
    assert query["code_challenge_method"] == ["S256"]
    with pytest.raises(urllib.error.HTTPError) as redirect:
        _browser.open(authorize, timeout=10)
    assert redirect.value.code == 302
    callback = urlsplit(redirect.value.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK_URL
    params = {key: values[0] for key, values in parse_qs(callback.query).items()}
    assert params["state"] == query["state"][0]
    assert params["code"]
    return callback.path, params


def sso(client: Client, provider: OIDCProvider, *, state: str | None = None) -> Any:
    """The whole flow: Rempart → the provider's /authorize → Rempart's callback."""
    path, params = authorize(client, provider)
    if state is not None:
        params["state"] = state
    return client.get(path, params)


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def error_messages(response: Any) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def assert_refused(client: Client, response: Any, template: str, status: int = 200) -> None:
    assert response.status_code == status
    assert template in [t.name for t in response.templates]
    assert signed_in_user(client) is None
    assert client.get(reverse("dashboard:home"))["Location"].startswith(reverse("account_login"))


# (a) An invited account whose e-mail the provider has verified.


@pytest.mark.parametrize("token_auth_method", ["client_secret_basic", "client_secret_post"])
def test_invited_member_signs_in_and_reaches_their_dashboard(
    client: Client, provider: OIDCProvider, alice: Any, token_auth_method: str
) -> None:
    provider.user = OIDCUser(sub="idp-alice", email="Alice@CH-Alpha.example.org")

    response = sso(client, provider)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert signed_in_user(client) == alice
    assert AuditEntry.objects.filter(verb="accounts.user.signed_in", actor_id=alice.pk).exists()
    assert provider.auth_methods == [token_auth_method]
    assert {"POST /token", "GET /userinfo"} <= set(provider.requests)
    dashboard = client.get(response["Location"], follow=True)
    assert dashboard.redirect_chain[-1][0] == reverse("dashboard:establishment", args=["ch-alpha"])
    assert dashboard.status_code == 200
    assert "CH Alpha" in dashboard.content.decode()
    # The identity is now connected to the account, and the password still works.
    account = SocialAccount.objects.get(user=alice)
    assert (account.provider, account.uid) == ("sso", "idp-alice")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert EmailAddress.objects.filter(user=alice, email=alice.email, verified=True).exists()


def test_fresh_member_signs_in_again_through_the_connected_identity(
    client: Client, provider: OIDCProvider, establishment_a: Any
) -> None:
    user = UserFactory(email="dana@ch-alpha.example.org")
    Membership.objects.create(user=user, establishment=establishment_a, role="viewer")
    provider.user = OIDCUser(sub="idp-dana", email=user.email)
    assert sso(client, provider).status_code == 302
    assert signed_in_user(client) == user
    client.logout()

    assert sso(client, provider).status_code == 302
    assert signed_in_user(client) == user
    assert SocialAccount.objects.filter(user=user).count() == 1


# (b) No account is ever created by single sign-on.


def test_unknown_email_is_not_signed_in_and_no_account_is_created(
    client: Client, provider: OIDCProvider, alice: Any
) -> None:
    provider.user = OIDCUser(sub="idp-stranger", email="stranger@ch-alpha.example.org")
    users = User.objects.count()

    response = sso(client, provider)

    assert_refused(client, response, "account/signup_closed.html")
    assert User.objects.count() == users
    assert not User.objects.filter(email="stranger@ch-alpha.example.org").exists()
    assert not SocialAccount.objects.exists()


def test_unverified_email_does_not_match_an_account(
    client: Client, provider: OIDCProvider, alice: Any
) -> None:
    provider.user = OIDCUser(sub="idp-mallory", email=alice.email, email_verified=False)
    users = User.objects.count()

    response = sso(client, provider)

    assert_refused(client, response, "account/signup_closed.html")
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_trusted_domain_stands_for_a_missing_email_verified_claim(
    client: Client,
    provider: OIDCProvider,
    alice: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    """Entra ID sends no `email_verified`: REMPART_OIDC_TRUSTED_EMAIL_DOMAINS vouches instead."""
    provider.user = OIDCUser(sub="idp-alice", email=alice.email, email_verified=False)
    _configure(monkeypatch, settings, TRUSTED_EMAIL_DOMAINS="@CH-Alpha.example.org, ght.example")

    assert sso(client, provider).status_code == 302
    assert signed_in_user(client) == alice


def test_deactivated_account_is_not_signed_in(
    client: Client, provider: OIDCProvider, alice: Any
) -> None:
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    provider.user = OIDCUser(sub="idp-alice", email=alice.email)

    response = sso(client, provider)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert signed_in_user(client) is None
    assert client.get(reverse("dashboard:home"))["Location"].startswith(reverse("account_login"))


# (c) The second factor is still required after single sign-on.


def test_operator_staff_must_pass_mfa_after_sso(
    client: Client, provider: OIDCProvider, operator_admin: Any
) -> None:
    provider.user = OIDCUser(sub="idp-olivia", email=operator_admin.email)

    response = sso(client, provider)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user(client) is None
    assert client.get(reverse("dashboard:regional")).status_code == 302
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert signed_in_user(client) is None

    done = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(TOTP_SECRET).now()})

    assert done.status_code == 302
    assert signed_in_user(client) == operator_admin
    dashboard = client.get(done["Location"], follow=True)
    assert dashboard.redirect_chain[-1][0] == reverse("dashboard:regional")
    assert dashboard.status_code == 200


def test_mfa_step_is_not_skipped_for_an_already_connected_identity(
    client: Client, provider: OIDCProvider, operator_admin: Any
) -> None:
    provider.user = OIDCUser(sub="idp-olivia", email=operator_admin.email)
    sso(client, provider)
    client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert signed_in_user(client) == operator_admin
    client.logout()

    response = sso(client, provider)

    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user(client) is None


def test_member_who_must_use_mfa_sets_it_up_after_sso(
    client: Client, provider: OIDCProvider, establishment_a: Any
) -> None:
    establishment_a.require_mfa = True
    establishment_a.save(update_fields=["require_mfa"])
    user = UserFactory(email="erin@ch-alpha.example.org")
    Membership.objects.create(user=user, establishment=establishment_a, role="viewer")
    provider.user = OIDCUser(sub="idp-erin", email=user.email)

    assert sso(client, provider)["Location"] == reverse("dashboard:home")

    assert signed_in_user(client) == user
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("mfa_activate_totp")


# (d) Tampered flows fail cleanly.


def test_wrong_state_fails_without_sign_in(
    client: Client, provider: OIDCProvider, alice: Any
) -> None:
    provider.user = OIDCUser(sub="idp-alice", email=alice.email)

    response = sso(client, provider, state="forged-state")

    assert_refused(client, response, "socialaccount/authentication_error.html", 401)
    assert error_messages(response)
    assert "POST /token" not in provider.requests  # the code was never redeemed
    assert not SocialAccount.objects.exists()


def test_replayed_callback_fails_without_sign_in(
    client: Client, provider: OIDCProvider, alice: Any
) -> None:
    provider.user = OIDCUser(sub="idp-alice", email=alice.email)
    path, params = authorize(client, provider)
    assert client.get(path, params).status_code == 302
    client.logout()

    response = client.get(path, params)

    assert_refused(client, response, "socialaccount/authentication_error.html", 401)
    assert provider.requests.count("POST /token") == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client"},
        {"iss": "https://impostor.example.org"},
        {"exp": int(time.time()) - 600},
    ],
    ids=["audience", "issuer", "expired"],
)
def test_id_token_for_another_client_or_issuer_or_expired_fails_without_sign_in(
    client: Client, provider: OIDCProvider, alice: Any, claims: dict[str, Any]
) -> None:
    provider.user = OIDCUser(sub="idp-alice", email=alice.email)
    provider.id_token_overrides = claims

    response = sso(client, provider)

    assert_refused(client, response, "socialaccount/authentication_error.html", 401)
    assert error_messages(response)
    assert "POST /token" in provider.requests
    assert not SocialAccount.objects.exists()


def test_bad_id_token_signature_from_the_token_endpoint_is_not_checked(
    client: Client, provider: OIDCProvider, alice: Any
) -> None:
    """allauth 65 does not check the ID token's signature in the code flow, by design.

    OpenID Connect Core 3.1.3.7 (6) lets a client trust TLS instead when the token comes
    straight from the token endpoint, and allauth takes the claims from the (unsigned) userinfo
    anyway; hence REMPART_OIDC_SERVER_URL must be https:// (docs/sso.md). This test pins that
    behaviour: if allauth starts checking signatures it fails, and docs/sso.md must be updated.
    """
    provider.user = OIDCUser(sub="idp-alice", email=alice.email)
    provider.sign_with_unknown_key = True

    response = sso(client, provider)

    assert "GET /jwks" not in provider.requests
    assert response.status_code == 302
    assert signed_in_user(client) == alice


def test_code_is_bound_to_the_pkce_verifier_and_used_once(provider: OIDCProvider) -> None:
    """The provider under test really checks PKCE, client secrets and codes (no rubber stamp)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK_URL,
        "scope": "openid email",
        "state": "s",
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }

    def code() -> str:
        with pytest.raises(urllib.error.HTTPError) as redirect:
            _browser.open(f"{provider.issuer}/authorize?{urlencode(query)}", timeout=10)
        return parse_qs(urlsplit(redirect.value.headers["Location"]).query)["code"][0]

    def token(form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        body = urlencode({"grant_type": "authorization_code", "redirect_uri": CALLBACK_URL,
                          "client_id": CLIENT_ID, **form}).encode()  # fmt: skip
        try:
            with _browser.open(f"{provider.issuer}/token", body, timeout=10) as reply:
                return reply.status, json.load(reply)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    secret = {"client_secret": CLIENT_SECRET}
    assert token({**secret, "code": code(), "code_verifier": "wrong"})[1] == {
        "error": "invalid_grant"
    }
    assert token({**secret, "code": code()})[0] == 400
    assert token({"client_secret": "wrong", "code": code(), "code_verifier": verifier})[0] == 401
    issued = code()
    status, tokens = token({**secret, "code": issued, "code_verifier": verifier})
    assert status == 200
    assert {"access_token", "id_token"} <= tokens.keys()
    assert token({**secret, "code": issued, "code_verifier": verifier})[0] == 400


# (e) The sign-in page offers single sign-on only when it is configured.


def test_login_page_shows_the_sso_button_when_configured(
    client: Client, provider: OIDCProvider, db: Any
) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert f'action="{LOGIN_URL}' in page
    assert "Pro Santé Connect" in page


def test_login_page_has_no_sso_button_otherwise(
    client: Client, db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REMPART_OIDC_SERVER_URL", raising=False)
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(environ.FileAwareEnv())
    assert settings.SOCIALACCOUNT_PROVIDERS == {}
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/oidc/" not in page
    assert client.post(LOGIN_URL).status_code == 404


# Configuration from the environment.


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"SERVER_URL": "http://idp.example.org/realms/x"}, "https://"),
        ({"SERVER_URL": "https://idp.example.org", "CLIENT_SECRET": "x"}, "CLIENT_ID"),
        ({"SERVER_URL": "https://idp.example.org", "CLIENT_ID": "x"}, "CLIENT_SECRET"),
        (
            {
                "SERVER_URL": "https://idp.example.org",
                "CLIENT_ID": "x",
                "CLIENT_SECRET": "y",
                "TOKEN_AUTH_METHOD": "private_key_jwt",
            },
            "TOKEN_AUTH_METHOD",
        ),
    ],
)
def test_incomplete_or_unsafe_configuration_is_refused(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], error: str
) -> None:
    for name in ("SERVER_URL", "CLIENT_ID", "CLIENT_SECRET", "TOKEN_AUTH_METHOD"):
        monkeypatch.delenv(f"REMPART_OIDC_{name}", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(f"REMPART_OIDC_{name}", value)
    with pytest.raises(ImproperlyConfigured, match=error):
        oidc_providers(environ.FileAwareEnv())


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    secret_file = tmp_path / "oidc-secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.delenv("REMPART_OIDC_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("REMPART_OIDC_TOKEN_AUTH_METHOD", raising=False)
    monkeypatch.setenv("REMPART_OIDC_SERVER_URL", "https://login.microsoftonline.com/t/v2.0")
    monkeypatch.setenv("REMPART_OIDC_CLIENT_ID", "app-id")
    monkeypatch.setenv("REMPART_OIDC_CLIENT_SECRET_FILE", str(secret_file))
    monkeypatch.setenv("REMPART_OIDC_NAME", "Entra ID")
    monkeypatch.setenv("REMPART_OIDC_SCOPES", "openid,email,profile")
    monkeypatch.delenv("REMPART_OIDC_TRUSTED_EMAIL_DOMAINS", raising=False)

    (app,) = oidc_providers(environ.FileAwareEnv())["openid_connect"]["APPS"]  # type: ignore[index]

    assert app["provider_id"] == "sso"
    assert app["name"] == "Entra ID"
    assert (app["client_id"], app["secret"]) == ("app-id", "from-a-file")
    assert app["settings"]["server_url"] == "https://login.microsoftonline.com/t/v2.0"
    assert app["settings"]["token_auth_method"] == "client_secret_basic"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["scope"] == ["openid", "email", "profile"]
    assert "verified_email" not in app["settings"]  # the provider's claim decides
