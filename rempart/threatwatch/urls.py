from django.urls import path

from rempart.threatwatch import views
from rempart.threatwatch.alerts import urls as alert_urls
from rempart.threatwatch.inventory.urls import urlpatterns as inventory_urlpatterns

app_name = "threatwatch"
urlpatterns = [
    path("intel/", views.cve_search, name="cve_search"),
    path("intel/status/", views.status, name="status"),
    path("intel/status/sync/", views.sync, name="sync"),
    path("intel/cve/<str:cve_id>/", views.cve_detail, name="cve_detail"),
    path("intel/vendors/<str:vendor>/", views.vendor_detail, name="vendor_detail"),
    path("intel/vendors/<str:vendor>/<path:product>/", views.product_detail, name="product_detail"),
    *inventory_urlpatterns,
]
urlpatterns += alert_urls.urlpatterns
