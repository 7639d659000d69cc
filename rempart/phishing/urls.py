"""URLs of the phishing module, one list per feature: settings, campaigns, the operator's
comparison, reports by staff, and the public tracking paths (`/p/<token>/…`, served without
sign-in)."""

from rempart.phishing.campaigns import urls as campaigns
from rempart.phishing.reports import urls as reports
from rempart.phishing.results import urls as results
from rempart.phishing.settings import urls as settings
from rempart.phishing.tracking import urls as tracking

app_name = "phishing"
urlpatterns = [
    *settings.urlpatterns,
    *campaigns.urlpatterns,
    *results.urlpatterns,
    *reports.urlpatterns,
    *tracking.urlpatterns,
]
