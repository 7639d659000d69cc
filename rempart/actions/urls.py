"""URLs of the action plan: the establishment's pages and the regional list."""

from django.urls import URLPattern, path

from rempart.actions import views

app_name = "actions"
E = "e/<slug:establishment>/actions/"
urlpatterns: list[URLPattern] = [
    path(E, views.action_list, name="action_list"),
    path(f"{E}new/", views.action_form, name="action_create"),
    path(f"{E}<uuid:public_id>/edit/", views.action_form, name="action_edit"),
    path(f"{E}<uuid:public_id>/status/", views.action_status, name="action_status"),
    path("operator/actions/", views.operator_action_list, name="operator_list"),
]
