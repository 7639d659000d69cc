"""URLs of attachments: served only through these views, never from MEDIA_URL."""

from django.urls import URLPattern, path

from rempart.attachments import views

app_name = "attachments"
E = "e/<slug:establishment>/attachments/"
urlpatterns: list[URLPattern] = [
    path(f"{E}new/", views.attachment_upload, name="attachment_upload"),
    path(f"{E}<uuid:public_id>/", views.attachment_download, name="attachment_download"),
    path(f"{E}<uuid:public_id>/review/", views.attachment_review, name="attachment_review"),
    path(f"{E}<uuid:public_id>/delete/", views.attachment_delete, name="attachment_delete"),
]
