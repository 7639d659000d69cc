"""URLs of the phishing module (legal kit of a campaign)."""

from django.urls import URLPattern, path

from rempart.phishing.views import legal

E = "e/<slug:establishment>/"
urlpatterns: list[URLPattern] = [
    path(
        f"{E}phishing/campaigns/<uuid:public_id>/legal/<str:document>/",
        legal.legal_document,
        name="legal_document",
    ),
]
