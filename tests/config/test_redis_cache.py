"""Watched reads (config/redis_cache.py): kept in the process, never behind a change.

Against the Redis server at REDIS_URL (CI's Redis pass); without one there is no
tracking to test.
"""

import os

import pytest
import redis

from config import redis_cache

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a Redis server (CI's Redis pass sets REDIS_URL)"
)

KEY = "tests:watched"


class Counted:
    """A tracking client that counts the reads that reached the server."""

    def __init__(self):
        self.reads = 0

    def __call__(self):
        client = redis.Redis.from_url(
            os.environ["REDIS_URL"], protocol=3, single_connection_client=True
        )
        real_get = client.get

        def get(key):
            self.reads += 1
            return real_get(key)

        client.get = get
        return client


@pytest.fixture
def server():
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(KEY)
    yield client
    client.delete(KEY)
    client.close()


@pytest.fixture
def watch():
    counted = Counted()
    watch = redis_cache._Watch(counted)
    watch.counted = counted
    yield watch
    watch._drop()


def test_an_unchanged_key_is_read_from_the_server_once(server, watch):
    server.set(KEY, 41)

    values = [watch.get(KEY) for _ in range(50)]

    assert values == [b"41"] * 50
    assert watch.counted.reads == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda server: server.incr(KEY),
        lambda server: server.delete(KEY),
        lambda server: server.set(KEY, "other"),
        lambda server: server.flushdb(),
    ],
    ids=["incr", "delete", "set", "flush"],
)
def test_a_change_by_any_client_shows_on_the_next_read(server, watch, change):
    server.set(KEY, 41)
    before = watch.get(KEY)

    change(server)

    assert watch.get(KEY) == server.get(KEY) != before


def test_a_killed_connection_reads_afresh(server, watch):
    server.set(KEY, 1)
    watch.get(KEY)
    killed = server.client_kill_filter(_type="normal", skipme=True)
    assert killed >= 1
    server.set(KEY, 2)  # no one was tracking when this happened

    assert watch.get(KEY) == b"2"


def test_a_kept_value_is_confirmed_after_its_time(server, watch, monkeypatch):
    server.set(KEY, 1)
    watch.get(KEY)
    monkeypatch.setattr(redis_cache, "WATCHED_FOR", 0.0)

    watch.get(KEY)
    watch.get(KEY)

    assert watch.counted.reads == 3


def test_the_cache_reads_its_counter_through_the_watch():
    from django.core.cache import cache

    cache.set(KEY, 5, None)
    assert cache.get_watched(KEY) == 5
    cache.incr(KEY)
    assert cache.get_watched(KEY) == 6
    cache.delete(KEY)
    assert cache.get_watched(KEY, "gone") == "gone"
