"""URLs of the declared inventory and the regional catalogue (included by threatwatch.urls)."""

from django.urls import URLPattern, path

from rempart.threatwatch.inventory import views

E = "e/<slug:establishment>/inventory/"
urlpatterns: list[URLPattern] = [
    path(E, views.inventory_list, name="inventory_list"),
    path(f"{E}new/", views.inventory_form, name="inventory_create"),
    path(f"{E}import/", views.inventory_import, name="inventory_import"),
    path(f"{E}suggest/", views.inventory_suggest, name="inventory_suggest"),
    path(f"{E}<uuid:public_id>/", views.inventory_detail, name="inventory_detail"),
    path(f"{E}<uuid:public_id>/edit/", views.inventory_form, name="inventory_edit"),
    path(f"{E}<uuid:public_id>/delete/", views.inventory_delete, name="inventory_delete"),
    path("intel/catalogue/", views.catalogue_list, name="catalogue_list"),
    path("intel/catalogue/new/", views.catalogue_form, name="catalogue_create"),
    path("intel/catalogue/<uuid:public_id>/edit/", views.catalogue_form, name="catalogue_edit"),
    path(
        "intel/catalogue/<uuid:public_id>/delete/",
        views.catalogue_delete,
        name="catalogue_delete",
    ),
]
