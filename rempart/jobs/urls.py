from django.urls import path

from rempart.jobs import views

app_name = "jobs"
urlpatterns = [
    path("jobs/", views.job_list, name="list"),
    path("jobs/<uuid:public_id>/", views.job_detail, name="detail"),
    path("jobs/<uuid:public_id>/cancel/", views.job_cancel_view, name="cancel"),
    path("e/<slug:establishment>/jobs/", views.establishment_job_list, name="establishment_list"),
]
