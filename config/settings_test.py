"""Test settings: the real settings with a fast hasher, eager tasks and a throw-away data dir.

`REMPART_TEST_DATABASE_URL` and `REMPART_TEST_BROKER_URL` switch the suite to the scale mode
(PostgreSQL, Redis or RabbitMQ); see docs/testing.md.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_home = Path(os.environ.get("REMPART_TEST_HOME") or tempfile.mkdtemp(prefix="rempart-test-"))
os.environ["REMPART_TEST_HOME"] = str(_home)  # shared with xdist workers and subprocesses
os.environ["REMPART_HOME"] = str(_home)
os.environ.setdefault("REMPART_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("REMPART_ENCRYPTION_KEY", "test-encryption-key-0123456789abcdef")
if os.environ.get("REMPART_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["REMPART_TEST_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
if os.environ.get("REMPART_TEST_BROKER_URL"):
    os.environ["REMPART_BROKER_URL"] = os.environ["REMPART_TEST_BROKER_URL"]
else:
    os.environ.pop("REMPART_BROKER_URL", None)
os.environ["REMPART_CACHE_URL"] = "locmemcache://"

from config.paths import ensure_home  # noqa: E402

ensure_home(_home)

from config.settings import *  # noqa: E402, F403
from config.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEMO = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a real worker process can open the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_home / "test.sqlite3")}
# Sessions in the cache: a denied request that only stashes itself in the user's session
# (allauth's reauthentication) is not a database write for the cross-establishment test.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
