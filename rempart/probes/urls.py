"""URLs of the probes pages of an establishment."""

from django.urls import URLPattern, path

from rempart.probes import views

app_name = "probes"
E = "e/<slug:establishment>/probes/"
urlpatterns: list[URLPattern] = [
    path(E, views.probe_list, name="probe_list"),
    path(f"{E}codes/", views.code_create, name="code_create"),
    path(f"{E}<uuid:public_id>/revoke/", views.probe_revoke, name="probe_revoke"),
    path(f"{E}<uuid:public_id>/scan/", views.probe_scan, name="probe_scan"),
    path(f"{E}jobs/<uuid:public_id>/cancel/", views.job_cancel, name="job_cancel"),
]
