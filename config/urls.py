from django.contrib import admin
from django.urls import include, path

from alerts import staff_views

staff_patterns = (
    [
        path("alerts/<int:pk>/preview/", staff_views.alert_preview, name="alert_preview"),
    ],
    "staff",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/", include(staff_patterns)),
]

admin.site.site_header = "Genocide alerts — editorial"
admin.site.site_title = "Alerts editorial"
admin.site.index_title = "Alerts, ratings and sources"
