"""URLs of the phishing module (campaigns)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
