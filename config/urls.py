from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Under /staff/, which no cache in front keeps (deploy/varnish/alerts.vcl).
    path("staff/sign-in/", include("accounts.urls")),
    path("staff/", include("alerts.staff.urls")),
    path("", include("alerts.public.urls")),
]

admin.site.site_header = "Genocide alerts — editorial"
admin.site.site_title = "Alerts editorial"
admin.site.index_title = "Alerts, ratings and sources"
