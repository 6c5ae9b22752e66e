"""Django's Redis cache backend, reusing its redis clients.

The built-in backend builds a new ``redis.Redis`` for every cache call, and with it
a table of about a hundred response callbacks: on a cached public page that was
about a third of the request's CPU. A ``redis.Redis`` is safe to share between
threads (each command borrows a connection from the pool), so one per pool does.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
