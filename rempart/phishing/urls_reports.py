"""URLs of the phishing module (reports)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
