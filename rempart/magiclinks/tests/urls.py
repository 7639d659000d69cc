"""A page behind a personal link, for the tests of the view helper."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as root_urlpatterns
from rempart.core.subjects import subject_get
from rempart.magiclinks.models import MagicLink
from rempart.magiclinks.views import magic_link_view


@magic_link_view("tests.page")
def page(request: HttpRequest, link: MagicLink) -> HttpResponse:
    subject = subject_get(link.subject_kind, link.subject_id, link.establishment)
    return HttpResponse(f"Bonjour {link.email} — {subject}")


urlpatterns = [path("m/test/<str:token>/", page, name="magic_test"), *root_urlpatterns]
