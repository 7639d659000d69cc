"""URLs of campaigns: list, draft, detail, results (CSV, PDF, identified), lifecycle actions and
the legal kit."""

from django.urls import URLPattern, path

from rempart.phishing.campaigns import views as campaigns

E = "e/<slug:establishment>/phishing/"
urlpatterns: list[URLPattern] = [
    path(f"{E}", campaigns.campaign_list, name="campaign_list"),
    path(f"{E}campaigns/new/", campaigns.campaign_form, name="campaign_create"),
    path(f"{E}campaigns/<uuid:public_id>/", campaigns.campaign_detail, name="campaign_detail"),
    path(f"{E}campaigns/<uuid:public_id>/edit/", campaigns.campaign_form, name="campaign_edit"),
    path(
        f"{E}campaigns/<uuid:public_id>/results.csv",
        campaigns.campaign_export,
        name="campaign_export",
    ),
    path(
        f"{E}campaigns/<uuid:public_id>/report.pdf",
        campaigns.campaign_report,
        name="campaign_report",
    ),
    path(
        f"{E}campaigns/<uuid:public_id>/identified/",
        campaigns.campaign_identified,
        name="campaign_identified",
    ),
    path(
        f"{E}campaigns/<uuid:public_id>/identified/approve/",
        campaigns.campaign_identified_approve,
        name="campaign_identified_approve",
    ),
    path(
        f"{E}campaigns/<uuid:public_id>/<str:action>/",
        campaigns.campaign_action,
        name="campaign_action",
    ),
    path(
        f"{E}campaigns/<uuid:public_id>/legal/<str:document>/",
        campaigns.legal_document,
        name="legal_document",
    ),
]
