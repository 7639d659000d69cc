"""Dashboard, reports and exports of the scanning module (included by `scanning/urls.py`)."""

from django.urls import path

from rempart.scanning import views_reports as views

E = "e/<slug:establishment>/"
urlpatterns = [
    path(f"{E}security/", views.dashboard, name="dashboard"),
    path(f"{E}reports/", views.report_list, name="report_list"),
    path(f"{E}reports/generate/", views.report_generate, name="report_generate"),
    path(f"{E}reports/<uuid:public_id>/download/", views.report_download, name="report_download"),
    path(
        f"{E}reports/findings.csv",
        views.findings_export,
        {"fmt": "csv"},
        name="findings_export_csv",
    ),
    path(
        f"{E}reports/findings.xlsx",
        views.findings_export,
        {"fmt": "xlsx"},
        name="findings_export_xlsx",
    ),
    path(f"{E}reports/assets.csv", views.assets_export, {"fmt": "csv"}, name="assets_export_csv"),
    path(
        f"{E}reports/assets.xlsx", views.assets_export, {"fmt": "xlsx"}, name="assets_export_xlsx"
    ),
]
