from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("alerts/<int:pk>/preview/", views.alert_preview, name="alert_preview"),
    path(
        "submissions/<int:pk>/preview/",
        views.submission_preview,
        name="submission_preview",
    ),
]
