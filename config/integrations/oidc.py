"""Optional OpenID Connect single sign-on (Pro Santé Connect, Entra ID, Keycloak…).

Enabled when REMPART_OIDC_SERVER_URL is set. Accounts are never created by SSO: the
identity provider's verified e-mail must match an existing (invited) user, who then goes
through the same MFA step as a password sign-in. See docs/sso.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

__all__ = [  # the settings; `config.settings` star-imports this module
    "SOCIALACCOUNT_AUTO_SIGNUP",
    "SOCIALACCOUNT_EMAIL_AUTHENTICATION",
    "SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT",
    "SOCIALACCOUNT_LOGIN_ON_GET",
    "SOCIALACCOUNT_ONLY",
    "SOCIALACCOUNT_PROVIDERS",
]

TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def oidc_providers(env: environ.Env) -> dict[str, object]:
    """`SOCIALACCOUNT_PROVIDERS` for the REMPART_OIDC_* variables; empty when SSO is off."""
    server_url = env.str("REMPART_OIDC_SERVER_URL", default="").strip()
    if not server_url:
        return {}
    url = urlsplit(server_url)
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS):
        # The ID token is taken from the token endpoint without checking its signature
        # (OpenID Connect Core 3.1.3.7): only TLS vouches for it and for the userinfo.
        raise ImproperlyConfigured("REMPART_OIDC_SERVER_URL must be an https:// URL.")
    client_id = env.str("REMPART_OIDC_CLIENT_ID", default="")
    secret = env.str("REMPART_OIDC_CLIENT_SECRET", default="").strip()
    if not client_id or not secret:
        raise ImproperlyConfigured(
            "REMPART_OIDC_SERVER_URL is set: set REMPART_OIDC_CLIENT_ID and "
            "REMPART_OIDC_CLIENT_SECRET (or REMPART_OIDC_CLIENT_SECRET_FILE) too."
        )
    token_auth_method = env.str("REMPART_OIDC_TOKEN_AUTH_METHOD", default="client_secret_basic")
    if token_auth_method not in TOKEN_AUTH_METHODS:
        raise ImproperlyConfigured(
            f"REMPART_OIDC_TOKEN_AUTH_METHOD must be one of {', '.join(TOKEN_AUTH_METHODS)}."
        )
    settings: dict[str, object] = {
        "server_url": server_url,
        "token_auth_method": token_auth_method,
        "oauth_pkce_enabled": True,
        "fetch_userinfo": True,
    }
    scopes = env.list("REMPART_OIDC_SCOPES", default=[])
    if scopes:
        settings["scope"] = scopes
    # For providers that send no `email_verified` claim (Entra ID): the domains whose
    # addresses the provider vouches for. Never list a domain anyone can register with it.
    domains = env.list("REMPART_OIDC_TRUSTED_EMAIL_DOMAINS", default=[])
    domains = [domain.strip().lstrip("@").lower() for domain in domains if domain.strip()]
    if domains:
        settings["verified_email"] = domains
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": env.str("REMPART_OIDC_NAME", default="SSO"),
                    "client_id": client_id,
                    "secret": secret,
                    "settings": settings,
                }
            ],
        }
    }


# FileAwareEnv: REMPART_OIDC_CLIENT_SECRET_FILE works like the other secrets.
SOCIALACCOUNT_PROVIDERS = oidc_providers(environ.FileAwareEnv())
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False
