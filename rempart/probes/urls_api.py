"""The probe API, mounted at /api/probe/v1/."""

from django.urls import URLPattern, path

from rempart.probes import api

app_name = "probe_api"
urlpatterns: list[URLPattern] = [
    path("dist/<str:filename>", api.wheel, name="wheel"),
    path("enroll", api.enroll, name="enroll"),
    path("heartbeat", api.heartbeat, name="heartbeat"),
    path("jobs/next", api.job_next, name="job_next"),
    path("jobs/<uuid:public_id>/chunks/<int:index>", api.chunk_upload, name="chunk_upload"),
    path("jobs/<uuid:public_id>/finish", api.job_finish, name="job_finish"),
    path("jobs/<uuid:public_id>/fail", api.job_fail, name="job_fail"),
]
