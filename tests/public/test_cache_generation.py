"""How the page cache learns that the live set changed, and what it does when it cannot."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.urls import reverse

from alerts import public_cache, workflow
from alerts.models import LiveSetCounter
from alerts.public_cache import current_generation
from tests.builders import make_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache(monkeypatch):
    """Behave as with Redis: writers bump a counter that every process reads."""
    monkeypatch.setattr(public_cache, "signalled", lambda: True)


def alert_url(publication):
    return reverse("public:alert_detail", args=[publication.slug])


def test_the_generation_moves_again_when_the_writer_commits(
    shared_cache, publication, django_capture_on_commit_callbacks
):
    """Other processes see the new rows only after the commit, so that bump is the one they need."""
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="Retracted.")
    before_commit = current_generation()

    for callback in after_commit:
        callback()

    assert current_generation() != before_commit


def test_a_lost_counter_starts_a_new_generation(shared_cache, publication):
    before = current_generation()
    cache.delete(public_cache.COUNTER_KEY)
    assert current_generation() != before


def test_pages_are_served_uncached_when_the_cache_is_down(
    shared_cache, client, publication, monkeypatch
):
    def down(*args, **kwargs):
        raise ConnectionError("cache server unreachable")

    for method in ("get", "get_many", "set", "add", "incr", "get_watched"):
        monkeypatch.setattr(cache, method, down, raising=False)

    for url in (alert_url(publication), reverse("public:alert_list")):
        assert publication.title in client.get(url).content.decode()
    workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="Retracted.")
    assert client.get(alert_url(publication)).status_code == 410


def test_a_repeat_visit_fetches_only_the_counter_from_the_shared_cache(
    shared_cache, client, publication, monkeypatch
):
    url = alert_url(publication)
    first = client.get(url)
    asked = []

    def recording(real):
        def read(key, *args, **kwargs):
            asked.append(key)
            return real(key, *args, **kwargs)

        return read

    # Redis reads the counter through get_watched (config/redis_cache.py).
    for method in ("get", "get_watched"):
        if hasattr(cache, method):
            monkeypatch.setattr(cache, method, recording(getattr(cache, method)))
    again = client.get(url)

    assert again.content == first.content
    assert asked == [public_cache.COUNTER_KEY]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two open writers: SQLite takes its write lock at BEGIN, so they cannot overlap",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_generation_moves_exactly_when_each_writer_commits():
    """Two overlapping writers: the second queues behind the first, and each commit
    (not each insert) moves the generation, so no page is cached under a generation
    that a still-open transaction's rows will not change."""
    first_bumped, release_first = threading.Event(), threading.Event()
    second_bumped = threading.Event()

    def writer(bumped, release=None):
        try:
            with transaction.atomic():
                public_cache._bump_database_counter()
                bumped.set()
                if release is not None:
                    assert release.wait(10)
        finally:
            connections.close_all()

    # Migrations create the row, but an earlier transactional test's flush may not
    # have left it (a missing row is created by the first bump; see the model).
    LiveSetCounter.objects.get_or_create(pk=1)
    before = public_cache.generation()
    first = threading.Thread(target=writer, args=(first_bumped, release_first))
    second = threading.Thread(target=writer, args=(second_bumped,))
    first.start()
    try:
        assert first_bumped.wait(10)
        second.start()
        # The first writer's bump is not visible yet, and the second waits for its row.
        assert public_cache.generation() == before
        assert not second_bumped.wait(0.5)
    finally:
        release_first.set()  # never leave a transaction open behind a failed assertion
        first.join(10)
        if second.ident is not None:  # started
            second.join(10)
    assert second_bumped.is_set()
    after = public_cache.generation()
    assert after != before
    assert after.split(".")[0] == str(int(before.split(".")[0]) + 2)


def test_a_lost_counter_bump_is_outlived_by_a_kept_page_no_longer_than_the_timeout(
    shared_cache, client, publication, monkeypatch
):
    """A cache that took no bump (out of memory, say) must not keep a page forever."""
    url = alert_url(publication)
    assert client.get(url).status_code == 200

    def refused(*args, **kwargs):
        raise ConnectionError("OOM command not allowed")

    for method in ("incr", "add"):
        monkeypatch.setattr(cache, method, refused)
    workflow.withdraw(alert=publication.alert, user=make_reviewer(), reason="Retracted.")
    assert client.get(url).status_code == 200  # the process's copy, under the old counter

    now = time.monotonic()
    monkeypatch.setattr(public_cache.time, "monotonic", lambda: now + public_cache.TIMEOUT + 1)

    assert client.get(url).status_code == 410
