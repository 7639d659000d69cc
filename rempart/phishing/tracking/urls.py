"""Public tracking paths of simulations: the token is a path segment (never a query value)."""

from django.urls import path

from rempart.phishing.tracking import views as tracking

T = "p/<str:token>/"
urlpatterns = [
    path(T, tracking.click, name="track_click"),
    path(f"{T}o.gif", tracking.pixel, name="track_open"),
    path(f"{T}submit", tracking.submit, name="track_submit"),
    path(f"{T}h", tracking.human, name="track_human"),
    path(f"{T}learn", tracking.learn, name="track_learn"),
    path(f"{T}report", tracking.report, name="track_report"),
]
