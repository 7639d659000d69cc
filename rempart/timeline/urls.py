"""URL of the timeline: adding an entry by hand."""

from django.urls import URLPattern, path

from rempart.timeline import views

app_name = "timeline"
urlpatterns: list[URLPattern] = [
    path("e/<slug:establishment>/timeline/new/", views.entry_add, name="entry_add"),
]
