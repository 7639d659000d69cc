"""URLs of the phishing module: settings, campaigns, the operator's comparison, reports,
legal kit, and the public tracking paths (`/p/<token>/…`, served without sign-in)."""

from rempart.phishing import (
    urls_campaigns,
    urls_compare,
    urls_config,
    urls_import,
    urls_legal,
    urls_reports,
    urls_tracking,
)

app_name = "phishing"
urlpatterns = [
    *urls_config.urlpatterns,
    *urls_import.urlpatterns,
    *urls_campaigns.urlpatterns,
    *urls_compare.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_legal.urlpatterns,
    *urls_tracking.urlpatterns,
]
