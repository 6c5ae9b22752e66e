"""The workers' settings (config/gunicorn.py)."""

import gc

import pytest

from config import gunicorn


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_worker_freezes_what_loading_the_site_made(unfrozen):
    assert gc.get_freeze_count() == 0

    gunicorn.post_worker_init(worker=None)

    assert gc.get_freeze_count() > 10_000  # everything alive now, this test's process too
