"""The benchmark floor page exists only when a benchmark asks for it (BENCH_FLOOR=1)."""

import importlib

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, clear_url_caches, resolve

import config.urls
from bench.floor import floor


def test_not_routed_by_default():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")


def test_routed_with_bench_floor_and_constant(monkeypatch, settings):
    monkeypatch.setenv("BENCH_FLOOR", "1")
    try:
        urls = importlib.reload(config.urls)
        assert any(str(p.pattern) == "bench/floor/" for p in urls.urlpatterns)
    finally:
        monkeypatch.delenv("BENCH_FLOOR")
        importlib.reload(config.urls)
        clear_url_caches()
    response = floor(RequestFactory().get("/bench/floor/"))
    assert response.status_code == 200
    assert 1800 <= len(response.content) <= 2300
    assert response.content == floor(RequestFactory().get("/")).content
