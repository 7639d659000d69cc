from django.urls import path

from rempart.audit import views

app_name = "audit"
urlpatterns = [
    path("e/<slug:establishment>/audit/", views.establishment_log, name="establishment_log"),
    path(
        "e/<slug:establishment>/audit/export.csv",
        views.establishment_export,
        name="establishment_export",
    ),
    path("operator/audit/", views.operator_log, name="operator_log"),
    path("operator/audit/export.csv", views.operator_export, name="operator_export"),
    path("operator/audit/verify/", views.verify, name="verify"),
]
