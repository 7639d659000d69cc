"""Django project package: settings, URLs, Celery app. No business code lives here."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
