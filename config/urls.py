"""Root URLconf: UI apps, /api/v1/, allauth, admin, health check."""

from django.contrib import admin
from django.urls import include, path

from rempart.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("rempart.api.urls")),
    path("api/probe/v1/", include("rempart.probes.urls_api")),
    path("", include("rempart.accounts.urls")),
    path("", include("rempart.audit.urls")),
    path("", include("rempart.jobs.urls")),
    path("", include("rempart.scanning.urls")),
    path("", include("rempart.threatwatch.urls")),
    path("", include("rempart.phishing.urls")),
    path("", include("rempart.webhooks.urls")),
    path("", include("rempart.probes.urls")),
    path("", include("rempart.actions.urls")),
    path("", include("rempart.attachments.urls")),
    path("", include("rempart.timeline.urls")),
    path("", include("rempart.tenancy.urls")),
    path("", include("rempart.dashboard.urls")),
]

handler403 = "rempart.core.errors_views.forbidden"
handler404 = "rempart.core.errors_views.not_found"
handler500 = "rempart.core.errors_views.server_error"
