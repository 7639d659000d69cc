"""URL of the operator's regional comparison."""

from django.urls import path

from rempart.phishing.results import views as compare

urlpatterns = [
    path("operator/phishing/", compare.operator_compare, name="operator_compare"),
]
