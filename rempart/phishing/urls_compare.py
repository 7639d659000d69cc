"""URLs of the phishing module (the operator's regional comparison)."""

from django.urls import path

from rempart.phishing.views import compare

urlpatterns = [
    path("operator/phishing/", compare.operator_compare, name="operator_compare"),
]
