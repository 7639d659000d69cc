"""URLs of the phishing module (settings of an establishment)."""

from django.urls import URLPattern, path

from rempart.phishing.views import config, config_mail

E = "e/<slug:establishment>/phishing/"
urlpatterns: list[URLPattern] = [
    path(f"{E}settings/", config.settings_hub, name="settings"),
    path(f"{E}domains/", config.domain_list, name="domain_list"),
    path(f"{E}domains/add/", config.domain_add, name="domain_add"),
    path(f"{E}domains/<uuid:public_id>/check/", config.domain_check, name="domain_check"),
    path(
        f"{E}domains/<uuid:public_id>/deliverability/",
        config.domain_deliverability,
        name="domain_deliverability",
    ),
    path(f"{E}groups/", config.group_list, name="group_list"),
    path(f"{E}groups/new/", config.group_form, name="group_create"),
    path(f"{E}groups/<uuid:public_id>/", config.group_detail, name="group_detail"),
    path(f"{E}groups/<uuid:public_id>/edit/", config.group_form, name="group_edit"),
    path(f"{E}groups/<uuid:public_id>/import/", config.group_import, name="group_import"),
    path(f"{E}profiles/", config_mail.profile_list, name="profile_list"),
    path(f"{E}profiles/new/", config_mail.profile_form, name="profile_create"),
    path(f"{E}profiles/<uuid:public_id>/edit/", config_mail.profile_form, name="profile_edit"),
    path(f"{E}profiles/<uuid:public_id>/test/", config_mail.profile_test, name="profile_test"),
    path(f"{E}templates/", config_mail.template_list, name="template_list"),
    path(f"{E}templates/new/", config_mail.template_form, name="template_create"),
    path(f"{E}templates/<uuid:public_id>/edit/", config_mail.template_form, name="template_edit"),
    path(
        f"{E}templates/<uuid:public_id>/preview/",
        config_mail.template_preview,
        name="template_preview",
    ),
    path(f"{E}pages/", config_mail.page_list, name="page_list"),
    path(f"{E}pages/new/", config_mail.page_form, name="page_create"),
    path(f"{E}pages/<uuid:public_id>/edit/", config_mail.page_form, name="page_edit"),
    path(f"{E}pages/<uuid:public_id>/preview/", config_mail.page_preview, name="page_preview"),
    path(
        f"{E}settings/<str:kind>/<uuid:public_id>/delete/",
        config_mail.config_delete,
        name="config_delete",
    ),
]
