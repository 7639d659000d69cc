"""URLs of the webhooks settings of an establishment."""

from django.urls import URLPattern, path

from rempart.webhooks import views

app_name = "webhooks"
E = "e/<slug:establishment>/webhooks/"
urlpatterns: list[URLPattern] = [
    path(E, views.endpoint_list, name="endpoint_list"),
    path(f"{E}new/", views.endpoint_form, name="endpoint_create"),
    path(f"{E}<uuid:public_id>/edit/", views.endpoint_form, name="endpoint_edit"),
    path(f"{E}<uuid:public_id>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(f"{E}<uuid:public_id>/secret/", views.endpoint_secret, name="endpoint_secret"),
    path(f"{E}<uuid:public_id>/ping/", views.endpoint_ping, name="endpoint_ping"),
    path(f"{E}deliveries/<uuid:public_id>/retry/", views.delivery_retry, name="delivery_retry"),
]
