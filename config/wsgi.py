"""WSGI entry point (gunicorn config.wsgi). Tracking hits of phishing simulations (`/p/…`)
take their own lighter handler (rempart.phishing.wsgi); everything else Django's."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from rempart.phishing.wsgi import with_tracking  # noqa: E402  (needs the settings above)

application = with_tracking(django_application)
