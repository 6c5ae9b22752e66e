"""The workers' settings (config/gunicorn.py)."""

import gc

import pytest
from django.urls import clear_url_caches, get_resolver

from config import gunicorn


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_worker_loads_the_urlconf_then_freezes_what_loading_the_site_made(unfrozen):
    clear_url_caches()  # as in a fresh worker: no URL patterns loaded yet
    assert "url_patterns" not in get_resolver().__dict__
    assert gc.get_freeze_count() == 0

    gunicorn.post_worker_init(worker=None)

    assert "url_patterns" in get_resolver().__dict__
    assert gc.get_freeze_count() > 10_000  # everything alive now, this test's process too
