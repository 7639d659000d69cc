from django.urls import path

from rempart.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("e/<slug:establishment>/", views.establishment, name="establishment"),
    path("operator/", views.regional, name="regional"),
]
