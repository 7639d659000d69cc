"""URLs of the phishing module (config)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
