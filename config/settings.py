"""Rempart settings: one module, read from the environment (`REMPART_*`, `DATABASE_URL`).

Every variable is documented in docs/configuration.md. Secrets have no default:
the embedded default keeps generated keys in the data directory (`REMPART_HOME`),
production passes them through the environment (or `*_FILE`).
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.paths import BASE_DIR, ENCRYPTION_KEY_FILENAME, SECRET_KEY_FILENAME, rempart_home

django_stubs_ext.monkeypatch()  # generic classes (ModelForm[T]…) at run time

_env = environ.FileAwareEnv()
_env.prefix = "REMPART_"

HOME: Path = rempart_home()


def _secret(name: str, filename: str) -> str:
    """A secret from REMPART_<name>, REMPART_<name>_FILE, or the data directory; never a default."""
    value = str(_env.str(name, default=""))
    if value:
        return value
    path = HOME / filename
    if path.exists():
        return path.read_text().strip()
    raise ImproperlyConfigured(
        f"REMPART_{name} is not set and {path} does not exist. Set REMPART_{name} "
        f"(or REMPART_{name}_FILE), or run `rempart init` to generate the embedded default's keys."
    )


SECRET_KEY = _secret("SECRET_KEY", SECRET_KEY_FILENAME)
ENCRYPTION_KEY = _secret("ENCRYPTION_KEY", ENCRYPTION_KEY_FILENAME)
DEBUG = _env.bool("DEBUG", default=False)
ALLOWED_HOSTS = _env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = _env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
HTTPS = _env.bool("HTTPS", default=False)

INSTALLED_APPS = [
    "rempart.audit.admin_apps.RempartAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rempart.core",
    "rempart.tenancy",
    "rempart.accounts",
    "rempart.audit",
    "rempart.jobs",
    "rempart.scanning",
    "rempart.threatwatch",
    "rempart.phishing",
    "rempart.webhooks",
    "rempart.probes",
    "rempart.actions",
    "rempart.attachments",
    "rempart.timeline",
    "rempart.magiclinks",
    "rempart.deadlines",
    "rempart.dashboard",
    "rempart.api",
    "rempart.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rempart.core.middleware.NullCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rempart.core.middleware.SecurityHeadersMiddleware",
    "rempart.core.middleware.PostOnlyRedirectMiddleware",
    "rempart.accounts.middleware.AccountRequirementsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
FORM_RENDERER = "rempart.core.forms.BootstrapFormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "rempart.tenancy.context_processors.establishments",
            ],
        },
    },
]

# Database: embedded SQLite (WAL) unless DATABASE_URL names another engine.
DATABASES = {
    "default": environ.Env().db_url(
        "DATABASE_URL", default=f"sqlite:///{HOME / 'rempart.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Connections are kept a minute (opening one costs more than a tracking hit's queries).
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": environ.Env().cache_url(
        "REMPART_CACHE_URL", default=f"filecache://{HOME / 'cache'}"
    ),
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(_env.str("MEDIA_ROOT", default=str(HOME / "media")))
MEDIA_URL = "/media/"

# Security headers; HTTPS-only settings follow REMPART_HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = _env.int("SESSION_AGE", default=8 * 3600)
SECURE_SSL_REDIRECT = HTTPS and _env.bool("SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# E-mail: REMPART_EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…), console by default.
_email = environ.Env().email_url("REMPART_EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = _env.str("DEFAULT_FROM_EMAIL", default="rempart@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

from config.integrations.allauth import *  # noqa: E402, F403
from config.integrations.celery import *  # noqa: E402, F403
from config.integrations.drf import *  # noqa: E402, F403
from config.integrations.oidc import *  # noqa: E402, F403
from config.integrations.phishing import *  # noqa: E402, F403
from config.integrations.webhooks import *  # noqa: E402, F403

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"tracking": {"()": "rempart.phishing.tracking.logfilters.UnloggedTrackingPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["tracking"]},  # no recipient token in the logs
    },
}

# Rempart-specific.
DEMO = _env.bool("DEMO", default=True)
AUDIT_TRUSTED_PROXIES = _env.list("TRUSTED_PROXIES", default=[])
INVITATION_DAYS = _env.int("INVITATION_DAYS", default=7)
API_TOKEN_MAX_DAYS = _env.int("API_TOKEN_MAX_DAYS", default=365)
ATTACHMENT_MAX_MB = _env.int("ATTACHMENT_MAX_MB", default=20)
