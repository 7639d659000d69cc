"""URLs of the phishing settings of an establishment: mail domains, recipient groups and their
CSV import, sending profiles, e-mail templates (with the .eml import and the starter library)
and landing pages."""

from django.urls import URLPattern, path

from rempart.phishing.settings.views import domains, groups, mail, template_import

E = "e/<slug:establishment>/phishing/"
urlpatterns: list[URLPattern] = [
    path(f"{E}settings/", domains.settings_hub, name="settings"),
    path(f"{E}domains/", domains.domain_list, name="domain_list"),
    path(f"{E}domains/add/", domains.domain_add, name="domain_add"),
    path(f"{E}domains/<uuid:public_id>/check/", domains.domain_check, name="domain_check"),
    path(
        f"{E}domains/<uuid:public_id>/deliverability/",
        domains.domain_deliverability,
        name="domain_deliverability",
    ),
    path(f"{E}groups/", groups.group_list, name="group_list"),
    path(f"{E}groups/new/", groups.group_form, name="group_create"),
    path(f"{E}groups/<uuid:public_id>/", groups.group_detail, name="group_detail"),
    path(f"{E}groups/<uuid:public_id>/edit/", groups.group_form, name="group_edit"),
    path(f"{E}groups/<uuid:public_id>/import/", groups.group_import, name="group_import"),
    path(f"{E}profiles/", mail.profile_list, name="profile_list"),
    path(f"{E}profiles/new/", mail.profile_form, name="profile_create"),
    path(f"{E}profiles/<uuid:public_id>/edit/", mail.profile_form, name="profile_edit"),
    path(f"{E}profiles/<uuid:public_id>/test/", mail.profile_test, name="profile_test"),
    path(f"{E}templates/", mail.template_list, name="template_list"),
    path(f"{E}templates/new/", mail.template_form, name="template_create"),
    path(
        f"{E}templates/import/",
        template_import.template_import_view,
        name="template_import",
    ),
    path(f"{E}templates/<uuid:public_id>/edit/", mail.template_form, name="template_edit"),
    path(
        f"{E}templates/<uuid:public_id>/preview/",
        mail.template_preview,
        name="template_preview",
    ),
    path(f"{E}pages/", mail.page_list, name="page_list"),
    path(f"{E}pages/new/", mail.page_form, name="page_create"),
    path(f"{E}pages/<uuid:public_id>/edit/", mail.page_form, name="page_edit"),
    path(f"{E}pages/<uuid:public_id>/preview/", mail.page_preview, name="page_preview"),
    path(
        f"{E}settings/<str:kind>/<uuid:public_id>/delete/",
        mail.config_delete,
        name="config_delete",
    ),
    path(f"{E}library/install/", mail.library_install_view, name="library_install"),
]
