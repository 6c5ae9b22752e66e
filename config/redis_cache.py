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
and the key read afresh on a new one (as after any reconnection, which redis-py may
make by itself: a new connection tracks nothing). Redis writes the message in the
same batch as the writer's reply, perhaps just after it; a writer that makes one
more round trip after its change (``after_write``; alerts/public_cache.py does) is
answered only once that batch is written. On one host the message is then in every
watching process's socket before the writer goes on; across hosts it is in flight
for the network's delivery time. A connection that silently stops receiving (a
partition without a reset) could miss a message, so a kept value is trusted for
WATCHED_FOR seconds at most, then read again: that is the bound on staleness when
the network misbehaves.
"""

import contextlib
import logging
import os
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

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
        self.keys = set()  # tracked on the current connection
        self.values = {}  # key: (value, monotonic time it was read)
        # Set by redis-py whenever the connection (re)connects: a connection it made
        # again by itself (a retry, a poll of a closed socket) tracks nothing.
        self.reconnected = False

    def get(self, key):
        with self.lock:
            if self.client is not None and self._stale():
                self._drop()
            kept = self.values.get(key)
            if kept is not None and time.monotonic() - kept[1] <= WATCHED_FOR:
                return kept[0]
            try:
                if self.client is None or key not in self.keys:
                    self._drop()
                    self._connect(self.keys | {key})
                value = self.client.get(key)
            except Exception:
                self._drop()
                raise
            self.values[key] = (value, time.monotonic())
            return value

    def _stale(self):
        """Whether the kept values can no longer be trusted: anything arrived on the
        tracked connection (a change, or the connection closing), it was made again,
        or this is a forked child holding its parent's socket."""
        if self.pid != os.getpid():
            return True
        try:
            told = self.client.connection.can_read(timeout=0)
        except Exception:
            return True
        return told or self.reconnected

    def _connect(self, keys):
        client = self.make_client()
        self.client, self.pid = client, os.getpid()
        client.connection.register_connect_callback(self._on_connect)
        # Redis refuses overlapping prefixes; a key's prefix covers the key.
        covering = [k for k in keys if not any(o != k and k.startswith(o) for o in keys)]
        prefixes = [part for key in sorted(covering) for part in ("PREFIX", key)]
        # Tracking must be on before the first read, or a change in between is missed.
        client.execute_command("CLIENT", "TRACKING", "ON", "BCAST", *prefixes)
        self.keys = set(keys)
        self.reconnected = False  # the connection just made is the one tracking

    def _on_connect(self, connection):
        self.reconnected = True

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
        if self._watch is None:
            return self.get(key, default)
        try:
            value = self._watch.get(key)
        except self._lib.exceptions.ResponseError:
            # Tracking refused (Redis before 6, an ACL without CLIENT): plain reads.
            logger.warning("Redis refused CLIENT TRACKING; reading watched keys each time")
            self._watch = None
            return self.get(key, default)
        return default if value is None else self._serializer.loads(value)

    def after_write(self):
        """A round trip to the primary, answered only once Redis has sent everything
        the client's earlier writes caused, tracking messages included."""
        self.get_client(write=True).ping()


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def get_watched(self, key, default=None, version=None):
        """``get`` for a key read on every request and rarely changed (see above)."""
        # make_key without the validation's warnings: the keys read this way are
        # constants in our code, and on every request the check was a third of the cost.
        return self._cache.get_watched(self.make_key(key, version=version), default)

    def after_write(self):
        """Return once every watching process has been sent the notices of this
        process's writes so far (they go out with the replies of one batch)."""
        self._cache.after_write()
