"""WSGI entry point (gunicorn config.wsgi). Tracking hits of phishing simulations (`/p/…`)
take their own lighter handler (rempart.phishing.wsgi); everything else Django's.

Once loaded, the application's objects are moved out of the garbage collector's reach
(`gc.freeze`): a full collection then walks only what requests allocate, not the hundreds
of thousands of objects of Django and the apps (those pauses were most of the latency tail
of tracking hits under load, docs/benchmarks.md)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from rempart.phishing.tracking.wsgi import with_tracking  # noqa: E402  (needs the settings above)

application = with_tracking(django_application)

gc.collect()
gc.freeze()
