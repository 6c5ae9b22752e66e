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
    """The tracking client the cache makes, counting the reads that reached the server."""

    def __init__(self):
        self.reads = 0
        self.made = 0
        self.cache_client = redis_cache.ReusingRedisCacheClient([os.environ["REDIS_URL"]])

    def __call__(self):
        client = self.cache_client._tracking_client()
        self.made += 1
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
    assert server.client_kill_filter(_id=watch.client.client_id()) == 1
    server.set(KEY, 2)  # no one was tracking when this happened

    assert watch.get(KEY) == b"2"


def test_a_connection_redis_py_made_again_by_itself_is_not_trusted(server, watch):
    """redis-py reconnects silently (a retry, a poll of a closed socket); the new
    connection tracks nothing, so what was kept must be read again."""
    server.set(KEY, 1)
    watch.get(KEY)
    watch.client.connection.disconnect()  # as a dropped socket leaves it

    watch.client.connection.can_read(timeout=0)  # reconnects, tracking nothing
    server.set(KEY, 2)

    assert watch.get(KEY) == b"2"
    server.set(KEY, 3)
    assert watch.get(KEY) == b"3"  # tracking again


def test_a_forked_child_does_not_use_its_parents_connection(server, watch, monkeypatch):
    server.set(KEY, 1)
    watch.get(KEY)
    parent = watch.client
    monkeypatch.setattr(redis_cache.os, "getpid", lambda: -1)

    assert watch.get(KEY) == b"1"
    assert watch.client is not parent
    assert watch.counted.made == 2


def test_several_keys_are_tracked_on_one_connection(server, watch):
    other = KEY + ":other"
    server.set(KEY, 1)
    server.set(other, 1)
    watch.get(KEY)
    watch.get(other)

    server.incr(KEY)
    server.incr(other)

    assert (watch.get(KEY), watch.get(other)) == (b"2", b"2")
    server.delete(other)


def test_a_writer_round_trip_returns_after_the_notices_went_out(server):
    """Through the cache as deployed: the change's notice is in the watching socket
    once the writer's after_write returns (tracking on, one connection per watch).
    That the writer calls after_write is the next test's business."""
    from django.core.cache import cache

    cache.set(KEY, 1, None)
    cache.get_watched(KEY)
    cache.incr(KEY)
    cache.after_write()

    # After the writer's extra round trip, the notice is in this process's socket.
    assert cache._cache._watch._stale()
    assert cache.get_watched(KEY) == 2


def test_without_tracking_the_key_is_read_each_time(monkeypatch):
    from django.core.cache import cache

    def refuse(self, keys):
        raise redis.exceptions.ResponseError("unknown command 'CLIENT'")

    monkeypatch.setattr(redis_cache._Watch, "_connect", refuse)
    monkeypatch.setattr(cache._cache, "_watch", redis_cache._Watch(lambda: None))
    cache.set(KEY, 7, None)

    assert cache.get_watched(KEY) == 7
    cache.incr(KEY)
    assert cache.get_watched(KEY) == 8
    assert cache._cache._watch is None


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


def test_a_writer_waits_for_the_notices_after_bumping_the_page_cache(monkeypatch):
    from django.core.cache import cache

    from alerts import public_cache

    calls = []

    def recording(name):
        real = getattr(cache, name)

        def call(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        return call

    for name in ("incr", "after_write"):
        monkeypatch.setattr(cache, name, recording(name))

    public_cache._bump_shared_counter()

    assert calls == ["incr", "after_write"]
