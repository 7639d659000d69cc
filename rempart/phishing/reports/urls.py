"""URLs of reports by staff: the triage queue and the report mailboxes."""

from django.urls import URLPattern, path

from rempart.phishing.reports import views as reports

E = "e/<slug:establishment>/phishing/"
urlpatterns: list[URLPattern] = [
    path(f"{E}reports/", reports.report_list, name="report_list"),
    path(f"{E}reports/<uuid:public_id>/", reports.report_detail, name="report_detail"),
    path(f"{E}reports/<uuid:public_id>/triage/", reports.report_triage, name="report_triage"),
    path(f"{E}mailboxes/", reports.mailbox_list, name="mailbox_list"),
    path(f"{E}mailboxes/new/", reports.mailbox_form, name="mailbox_create"),
    path(f"{E}mailboxes/<uuid:public_id>/edit/", reports.mailbox_form, name="mailbox_edit"),
    path(f"{E}mailboxes/<uuid:public_id>/poll/", reports.mailbox_poll_now, name="mailbox_poll"),
]
