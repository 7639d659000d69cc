from django.urls import path

from rempart.tenancy import views

app_name = "tenancy"
urlpatterns = [
    path("e/", views.establishment_list_view, name="establishment_list"),
    path("e/<slug:establishment>/settings/", views.establishment_edit, name="establishment_edit"),
    path("e/<slug:establishment>/sites/new/", views.site_form, name="site_create"),
    path("e/<slug:establishment>/sites/<uuid:public_id>/", views.site_form, name="site_edit"),
    path("e/<slug:establishment>/contacts/new/", views.contact_form, name="contact_create"),
    path(
        "e/<slug:establishment>/contacts/<uuid:public_id>/", views.contact_form, name="contact_edit"
    ),
    path(
        "e/<slug:establishment>/<str:kind>/<uuid:public_id>/delete/",
        views.owned_delete,
        name="owned_delete",
    ),
    path("e/<slug:establishment>/members/", views.member_list, name="member_list"),
    path("e/<slug:establishment>/members/invite/", views.member_invite, name="member_invite"),
    path(
        "e/<slug:establishment>/members/<uuid:public_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "e/<slug:establishment>/members/<uuid:public_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "e/<slug:establishment>/invitations/<uuid:public_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("operator/establishments/new/", views.establishment_create, name="establishment_create"),
    path("operator/groups/", views.group_list, name="group_list"),
    path("operator/groups/new/", views.group_form, name="group_create"),
    path("operator/groups/<uuid:public_id>/", views.group_form, name="group_edit"),
]
