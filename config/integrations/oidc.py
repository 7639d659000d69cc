"""Optional OpenID Connect single sign-on (Pro Santé Connect, Entra ID, Keycloak…).

Enabled when REMPART_OIDC_SERVER_URL is set. Accounts are never created by SSO: the
identity provider's e-mail must match an existing (invited) user.
"""

from __future__ import annotations

import environ

env = environ.Env()

OIDC_SERVER_URL = env.str("REMPART_OIDC_SERVER_URL", default="")
SOCIALACCOUNT_PROVIDERS: dict[str, object] = {}
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "sso",
                "name": env.str("REMPART_OIDC_NAME", default="SSO"),
                "client_id": env.str("REMPART_OIDC_CLIENT_ID"),
                "secret": env.str("REMPART_OIDC_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": OIDC_SERVER_URL,
                    "token_auth_method": env.str(
                        "REMPART_OIDC_TOKEN_AUTH_METHOD", default="client_secret_basic"
                    ),
                },
            }
        ],
    }
