"""Django's Redis cache backend, reusing its redis clients, with watched reads.

The built-in backend builds a new ``redis.Redis`` for every cache call, and with it
a table of about a hundred response callbacks: on a cached public page that was
about a third of the request's CPU. A ``redis.Redis`` is safe to share between
threads (each command borrows a connection from the pool), so one per pool does.

``get_watched`` is for a small key that is read on every request and changes
rarely (the public page cache's generation counter): the value is kept in this
process, on a connection that asked Redis to track the key (``CLIENT TRACKING ...
BCAST``), so Redis sends a message on it whenever any client changes the key. A
read only polls that connection: nothing arrived, the kept value is current;
anything arrived (a change, or the connection closing), the connection is dropped
and the key read afresh on a new one. Redis writes the message in the same batch
as the writer's reply, perhaps just after it; a writer that makes one more round
trip after its change (alerts/public_cache.py does) is answered only once that
batch is written, so every watching connection has the message before the writer
goes on. A connection that silently stops receiving (a partition without a reset)
could miss a message, so a kept value is trusted for WATCHED_FOR seconds at most,
then read again.
"""

import contextlib
import os
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# How long a kept value may go unconfirmed by the server: the bound on staleness if
# the connection fails silently, and one real read per process per period.
WATCHED_FOR = 1.0


class _Watch:
    """One process's tracked connection and the values read on it."""

    def __init__(self, make_client):
        self.make_client = make_client
        self.lock = threading.Lock()
        self.client = None
        self.pid = None
        self.values = {}  # key: (value, monotonic time it was read)

    def get(self, key):
        with self.lock:
            client = self.client
            if client is not None and (self.pid != os.getpid() or self._told(client)):
                self._drop()
            kept = self.values.get(key)
            if kept is not None and time.monotonic() - kept[1] <= WATCHED_FOR:
                return kept[0]
            if self.client is None:
                self._connect()
            if key not in self.values:
                # Tracking must be on before the read, or a change in between is missed.
                self.client.execute_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", key)
            try:
                value = self.client.get(key)
            except Exception:
                self._drop()
                raise
            self.values[key] = (value, time.monotonic())
            return value

    def _told(self, client):
        """Whether anything arrived on the tracked connection (or it broke)."""
        try:
            return client.connection.can_read(timeout=0)
        except Exception:
            return True

    def _connect(self):
        self.client = self.make_client()
        self.pid = os.getpid()

    def _drop(self):
        client, self.client, self.values = self.client, None, {}
        if client is not None and self.pid == os.getpid():
            # Already broken, perhaps: closing is only tidying up.
            with contextlib.suppress(Exception):
                client.close()


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._watch = _Watch(self._tracking_client)

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client

    def _tracking_client(self):
        # The primary (index 0), where writers change keys; RESP3, which carries the
        # tracking messages on the same connection; a connection of its own.
        options = self._pool_options | {"protocol": 3}
        return self._lib.Redis.from_url(self._servers[0], single_connection_client=True, **options)

    def get_watched(self, key, default):
        value = self._watch.get(key)
        return default if value is None else self._serializer.loads(value)


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def get_watched(self, key, default=None, version=None):
        """``get`` for a key read on every request and rarely changed (see above)."""
        # make_key without the validation's warnings: the keys read this way are
        # constants in our code, and on every request the check was a third of the cost.
        return self._cache.get_watched(self.make_key(key, version=version), default)
