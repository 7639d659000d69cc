"""Routes of the threat-watch alerts (in the `threatwatch` namespace)."""

from django.urls import path

from rempart.threatwatch.alerts import views

urlpatterns = [
    path("intel/exposure/cve/<str:cve_id>/", views.cve_exposure, name="cve_exposure"),
    path(
        "intel/exposure/certfr/<str:reference>/",
        views.advisory_exposure,
        name="advisory_exposure",
    ),
]
