"""URL of the e-mail (.eml) import into a template."""

from django.urls import URLPattern, path

from rempart.phishing.views.template_import import template_import_view

urlpatterns: list[URLPattern] = [
    path(
        "e/<slug:establishment>/phishing/templates/import/",
        template_import_view,
        name="template_import",
    ),
]
