"""/api/v1/: one router for every module's viewsets, the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from rempart.accounts.api.views import UserViewSet
from rempart.audit.api.views import AuditEntryViewSet
from rempart.jobs.api.views import JobRunViewSet
from rempart.phishing.api.views import PhishingCampaignViewSet
from rempart.scanning.api.views import AssetViewSet, FindingViewSet, ScanViewSet, ScopeViewSet
from rempart.tenancy.api.views import EstablishmentViewSet, GroupViewSet, MembershipViewSet
from rempart.threatwatch.api.views import CveViewSet


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, readable with any valid token."""

    scope_module = "*"


class DocsView(SpectacularSwaggerView):
    scope_module = "*"


router = DefaultRouter()
router.register("establishments", EstablishmentViewSet, basename="establishment")
router.register("groups", GroupViewSet, basename="group")
router.register("users", UserViewSet, basename="user")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("audit-entries", AuditEntryViewSet, basename="auditentry")
router.register("jobs", JobRunViewSet, basename="job")
router.register("scopes", ScopeViewSet, basename="scope")
router.register("scans", ScanViewSet, basename="scan")
router.register("assets", AssetViewSet, basename="asset")
router.register("findings", FindingViewSet, basename="finding")
router.register("cves", CveViewSet, basename="cve")
router.register("phishing-campaigns", PhishingCampaignViewSet, basename="phishing-campaign")

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
