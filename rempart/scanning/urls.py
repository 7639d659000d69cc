from django.urls import include, path

from rempart.scanning.views import assets, findings, findings_bulk, scans, scopes

app_name = "scanning"
E = "e/<slug:establishment>/"
urlpatterns = [
    path(f"{E}findings/", findings.finding_list, name="finding_list"),
    path(f"{E}findings/bulk/<str:action>/", findings_bulk.finding_bulk, name="finding_bulk"),
    path(f"{E}findings/<uuid:public_id>/", findings.finding_detail, name="finding_detail"),
    path(
        f"{E}findings/<uuid:public_id>/<str:action>/",
        findings.finding_action,
        name="finding_action",
    ),
    path(f"{E}assets/", assets.asset_list, name="asset_list"),
    path(f"{E}assets/<uuid:public_id>/", assets.asset_detail, name="asset_detail"),
    path(f"{E}assets/<uuid:public_id>/edit/", assets.asset_edit, name="asset_edit"),
    path(f"{E}scans/", scans.scan_list, name="scan_list"),
    path(f"{E}scans/launch/", scans.scan_launch, name="scan_launch"),
    path(f"{E}scans/import/", scans.scan_import, name="scan_import"),
    path(f"{E}scans/<uuid:public_id>/", scans.scan_detail, name="scan_detail"),
    path(f"{E}scans/<uuid:public_id>/cancel/", scans.scan_cancel, name="scan_cancel"),
    path(f"{E}scans/<uuid:public_id>/resume/", scans.scan_resume, name="scan_resume"),
    path(
        f"{E}scans/<uuid:public_id>/diff/<uuid:other_id>/", scans.scan_diff_view, name="scan_diff"
    ),
    path(f"{E}scopes/", scopes.scope_list, name="scope_list"),
    path(f"{E}scopes/new/", scopes.scope_form, name="scope_create"),
    path(f"{E}scopes/<uuid:public_id>/", scopes.scope_detail, name="scope_detail"),
    path(f"{E}scopes/<uuid:public_id>/edit/", scopes.scope_form, name="scope_edit"),
    path(
        f"{E}scopes/<uuid:public_id>/authorisations/",
        scopes.authorisation_add,
        name="authorisation_add",
    ),
    path(
        f"{E}scopes/<uuid:public_id>/<str:kind>/add/",
        scopes.scope_child_add,
        name="scope_child_add",
    ),
    path(
        f"{E}scanning/<str:kind>/<uuid:public_id>/delete/",
        scopes.scoped_delete,
        name="scoped_delete",
    ),
    path(f"{E}exclusions/add/", scopes.exclusion_add, name="exclusion_add"),
    path(
        f"{E}authorisations/<uuid:public_id>/document/",
        scopes.authorisation_document,
        name="authorisation_document",
    ),
    path("", include("rempart.scanning.urls_reports")),
]
