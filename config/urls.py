import os

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/", include("alerts.staff_urls")),
    path("", include("alerts.public_urls")),
]

# Benchmarks only (bench/README.md): the constant "floor" page other pages are compared with.
if os.environ.get("BENCH_FLOOR") == "1":
    from bench.floor import floor

    urlpatterns.insert(0, path("bench/floor/", floor))

admin.site.site_header = "Genocide alerts — editorial"
admin.site.site_title = "Alerts editorial"
admin.site.index_title = "Alerts, ratings and sources"
