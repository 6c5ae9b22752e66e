"""The site's URLs and the benchmark floor (bench/floor.py): bench/settings.py only."""

from django.urls import include, path

from bench.floor import floor

urlpatterns = [
    path("bench/floor/", floor),
    path("", include("config.urls")),
]
