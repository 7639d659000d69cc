"""Routes of the threat-watch alerts (in the `threatwatch` namespace)."""

from django.urls import path

from rempart.threatwatch.alerts import views

E = "e/<slug:establishment>/watch/"
urlpatterns = [
    path("intel/exposure/cve/<str:cve_id>/", views.cve_exposure, name="cve_exposure"),
    path(
        "intel/exposure/certfr/<str:reference>/",
        views.advisory_exposure,
        name="advisory_exposure",
    ),
    path(f"{E}alerts/", views.alert_list, name="alert_list"),
    path(f"{E}alerts/<uuid:public_id>/", views.alert_detail, name="alert_detail"),
    path(f"{E}alerts/<uuid:public_id>/follow-up/", views.alert_follow_up, name="alert_follow_up"),
    path("operator/watch/", views.regional_follow_up, name="regional_follow_up"),
    path("operator/watch/events/<str:reference>/", views.event_states, name="event_states"),
    path("operator/watch/bulletins/", views.bulletin_archive, name="bulletin_archive"),
    path("operator/watch/bulletins/<str:week>/", views.bulletin_detail, name="bulletin_detail"),
    path("operator/watch/bulletins/<str:week>/pdf/", views.bulletin_pdf, name="bulletin_pdf"),
    path(f"{E}bulletins/", views.member_bulletin_archive, name="member_bulletin_archive"),
    path(f"{E}bulletins/<str:week>/", views.member_bulletin, name="member_bulletin"),
    path(f"{E}bulletins/<str:week>/pdf/", views.member_bulletin_pdf, name="member_bulletin_pdf"),
    path("watch/subscriptions/", views.subscriptions, name="subscriptions"),
    path("watch/preferences/", views.preferences, name="preferences"),
]
