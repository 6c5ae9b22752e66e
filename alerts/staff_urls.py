from django.urls import path

from . import staff_views

app_name = "staff"

urlpatterns = [
    path("alerts/<int:pk>/preview/", staff_views.alert_preview, name="alert_preview"),
    path(
        "submissions/<int:pk>/preview/",
        staff_views.submission_preview,
        name="submission_preview",
    ),
]
