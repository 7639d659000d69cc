"""URLs of the phishing module (legal)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
