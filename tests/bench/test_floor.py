"""The benchmark floor page is routed by the benchmarks' settings, never by the site's."""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from bench.floor import floor


def test_the_sites_urlconf_does_not_route_the_floor():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")


@pytest.mark.django_db
def test_the_benchmark_urlconf_routes_a_constant_floor_beside_the_site(settings):
    settings.ROOT_URLCONF = "bench.urls"
    client = Client()
    first, second = client.get("/bench/floor/"), client.get("/bench/floor/")
    assert first.status_code == 200
    assert 1800 <= len(first.content) <= 2300
    assert first.content == second.content == floor(None).content
    assert client.get("/stages/").status_code == 200  # the site is still there


def test_no_site_module_imports_the_benchmarks():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("alerts", "stages", "sources", "config")
        for path in (root / app).rglob("*.py")
        if "bench"
        in {
            line.split()[1].split(".")[0]
            for line in path.read_text().splitlines()
            if line.startswith(("import ", "from "))
        }
    ]
    assert offenders == []
