"""URLconf of the tracking fast path (`rempart.phishing.tracking.wsgi`): the six tracking
routes under the same names as in the application, and error pages that say nothing about
campaigns."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.urls import include, path

from rempart.phishing.tracking import urls as tracking_urls

urlpatterns = [path("", include((tracking_urls.urlpatterns, "phishing")))]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseNotFound(b"Not Found", content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(b"Server Error", content_type="text/plain")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponse(b"Bad Request", status=400, content_type="text/plain")


handler400 = "rempart.phishing.tracking.urlconf.bad_request"
handler403 = "rempart.phishing.tracking.urlconf.bad_request"
handler404 = "rempart.phishing.tracking.urlconf.not_found"
handler500 = "rempart.phishing.tracking.urlconf.server_error"
