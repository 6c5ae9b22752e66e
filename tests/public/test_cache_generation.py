"""How the page cache learns that the live set changed, and what it does when it cannot."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import OperationalError, close_old_connections, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts import public_cache, public_data, workflow
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


# --- The connection's health check ------------------------------------------------


@pytest.fixture
def local_cache(monkeypatch):
    """Behave as with the local-memory cache, whatever this run's cache: every page
    request reads the generation from the database."""
    monkeypatch.setattr(public_cache, "signalled", lambda: False)
    cache.clear()
    public_cache.forget_recent_pages()


def start_request():
    """What Django does with a kept connection when a request starts (the test client
    leaves it out): the health check is due again."""
    close_old_connections()
    assert connection.connection is not None, "the connection should have been kept"
    assert connection.health_check_enabled
    assert not connection.health_check_done


@pytest.fixture
def health_checks(monkeypatch):
    """The health checks Django runs (``is_usable``, a ``SELECT 1`` round trip)."""
    calls = []
    is_usable = connection.is_usable

    def counted():
        calls.append(True)
        return is_usable()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as requests
def test_a_cached_page_costs_one_query_and_no_health_check_round_trip(
    local_cache, health_checks, client, publication
):
    url = reverse("public:alert_list")
    client.get(url)  # cached now

    start_request()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(queries) == 1  # the generation, which also showed the connection works
    assert health_checks == []
    if connection.vendor == "postgresql":  # planned once per connection
        assert queries[0]["sql"].startswith(f"EXECUTE {public_cache.GENERATION.name} (")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no server to drop a connection (its health check is a no-op)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_the_database_dropped_is_replaced_before_a_page_is_served(
    local_cache, health_checks, client, publication
):
    url = reverse("public:alert_list")
    client.get(url)
    dropped = connection.connection.info.backend_pid
    other = connection.copy()
    try:
        with other.cursor() as cursor:  # as a database restart does to every session
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [dropped])
    finally:
        other.close()

    start_request()
    response = client.get(url)

    assert response.status_code == 200
    assert publication.title in response.text
    assert connection.connection.info.backend_pid != dropped
    assert health_checks == [True]  # asked only once the read had failed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as requests
def test_a_read_that_fails_on_a_working_connection_is_not_run_again(health_checks):
    connection.ensure_connection()
    connection.health_check_done = False  # as when a request starts
    runs = []

    def timed_out(cursor):
        runs.append(True)
        raise OperationalError("canceling statement due to statement timeout")

    with pytest.raises(OperationalError):
        public_data.first_read(timed_out)
    assert len(runs) == 1
    assert health_checks == [True]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_in_an_open_transaction_is_never_run_again_on_a_new_connection(monkeypatch):
    runs = []

    def dropped(cursor):
        runs.append(True)
        raise OperationalError("server closed the connection unexpectedly")

    connection.set_autocommit(False)  # a transaction begun by hand, not by atomic()
    connection.health_check_done = False  # its first query, as at a request's start
    monkeypatch.setattr(connection, "is_usable", lambda: False)  # as if the database dropped it
    try:
        with pytest.raises(OperationalError):
            public_data.first_read(dropped)
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    # Run again on a new connection, the rest of the transaction would silently run
    # in autocommit.
    assert len(runs) == 1
