"""django-allauth: e-mail sign-in, MFA (TOTP, recovery codes, WebAuthn), rate limits."""

from __future__ import annotations

import environ

_env = environ.Env()  # private: config.settings star-imports this module

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "rempart.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "rempart.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Throttling (rempart/accounts/throttle.py, docs/security.md): past REMPART_LOGIN_ATTEMPTS
# failures of one login from one address, or REMPART_LOGIN_ADDRESS_ATTEMPTS from one address
# across logins, that address waits 30 s, doubling up to REMPART_LOGIN_LOCKOUT_SECONDS. The
# account itself is never locked: the right password from another address still works.
LOGIN_ATTEMPTS = _env.int("REMPART_LOGIN_ATTEMPTS", default=5)
LOGIN_ADDRESS_ATTEMPTS = _env.int("REMPART_LOGIN_ADDRESS_ATTEMPTS", default=20)
LOGIN_LOCKOUT_SECONDS = _env.int("REMPART_LOGIN_LOCKOUT_SECONDS", default=15 * 60)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": False,  # replaced by the throttling above (allauth's locks the account)
    "reset_password": "20/m/ip,5/m/key",
    "signup": "0/m/ip",  # no public sign-up: accounts come from invitations only
}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = _env.str("REMPART_MFA_ISSUER", default="Rempart")
MFA_RECOVERY_CODE_COUNT = 10
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = _env.bool("REMPART_WEBAUTHN_INSECURE_ORIGIN", default=True)
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_ADAPTER = "rempart.accounts.adapters.MFAAdapter"
