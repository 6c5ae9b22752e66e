"""Caching of public pages that can never serve stale content.

Every cached page is stored under the *generation* of the live set, so a new
publication, a withdrawal or a scheduled go-live changes the key of every page on
the very next request, and nothing is ever purged: old entries simply stop being
asked for and expire. How the generation is known depends on the cache:

- a cache shared by every app process (Redis, Memcached, files, database): writers
  bump a counter in the cache when a publication or withdrawal commits, and each
  process remembers the scheduled go-live times it saw with that counter value.
  A cache hit then costs no query at all: the counter is read from the cache (with
  Redis, kept in the process until Redis says it changed: config/redis_cache.py),
  the page comes from the process's own copy when it has one.
- a cache private to one process (the default local-memory cache): a writer in
  another process cannot reach it, so every request reads the generation from the
  database: a one-row counter that writers move inside their transaction (so it
  changes exactly when their rows become visible) and the latest go-live passed.

An alert page also carries a validator of its own (ETag and Last-Modified from the
alert's live publication), so a reader's copy stays valid across other alerts'
publications. Only complete 200 responses to GET/HEAD are stored: public pages do
not depend on who is asking, and staff pages are never wrapped by this. When the
cache server is down, pages are served uncached rather than not at all.

Pages are looked up and kept by PublicPageMiddleware, the first middleware: what it
keeps is the finished response, headers and all, so a hit is answered before any
other middleware runs. The views' wrappers (cache_public_page, cache_alert_page)
mark which routes are cached and give a miss its validators.
"""

import datetime
import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.core import checks
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.db.models import F, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.urls import Resolver404, get_resolver
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from . import pages
from .models import LiveSetCounter, Publication
from .public_data import PreparedRead, first_read, publication_for_page

logger = logging.getLogger(__name__)

# Long enough to matter under load, short enough that a template deploy shows soon
# (a deploy may also set CACHE_KEY_PREFIX to start afresh). It also bounds how long
# a page could outlive a change whose counter bump was lost to a cache outage.
TIMEOUT = 600
# Browsers and CDNs may reuse a page this long before revalidating with the ETag.
MAX_AGE = 60
COUNTER_KEY = "public:live-counter"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _generation_sql(now):
    counters = connection.ops.quote_name(LiveSetCounter._meta.db_table)
    publications = connection.ops.quote_name(Publication._meta.db_table)
    return (
        f"SELECT (SELECT value FROM {counters} WHERE id = 1),"
        f" (SELECT MAX(go_live_at) FROM {publications} WHERE go_live_at <= {now})"
    )


# Prepared: planning it cost PostgreSQL as much as running it, on every request.
GENERATION = PreparedRead(
    prefix="alerts_generation",
    types=("timestamptz",),
    sql=_generation_sql,
    plain_args=lambda now: [now],
)


def generation(now=None):
    """The live set's generation read from the database: one query, two index lookups.

    The counter row moves in commit order (LiveSetCounter); the latest go-live that
    has passed makes a scheduled publication count from its time. Plain SQL
    because this runs on every request with a process-local cache, and building
    it through the ORM cost more than the query itself.
    """
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())

    def read(cursor):
        GENERATION.run(cursor, now)
        return cursor.fetchone()

    # Often the request's only query: it is also the connection's health check.
    counter, went_live = first_read(read)
    # went_live is whatever the driver returns (a string on SQLite): it only has to
    # be the same for the same state of the database.
    return f"{counter}.{went_live or '-'}"


def _stamp(moment):
    return moment.isoformat() if moment else "-"


def signalled():
    """Whether a writer's counter bump reaches every process that serves pages."""
    return not isinstance(caches["default"], LocMemCache)


def note_change():
    """The live set may have changed: move the generation everywhere.

    For writers that bypass the models' signals (bulk COPY); saves of
    publications and withdrawals do this by themselves (note_change_on_commit).
    """
    _bump_database_counter()
    _bump_shared_counter()


def _bump_database_counter():
    counter = LiveSetCounter.objects.filter(pk=1)
    if not counter.update(value=F("value") + 1):
        LiveSetCounter.objects.get_or_create(pk=1)  # emptied by a flush, say
        counter.update(value=F("value") + 1)


def _bump_shared_counter():
    if not signalled():
        return
    try:
        try:
            cache.incr(COUNTER_KEY)
        except ValueError:  # evicted or never set: any new value is a new generation
            cache.add(COUNTER_KEY, time.time_ns(), timeout=None)
        # Processes that keep the counter (config/redis_cache.py's watched reads) are
        # told of the change in the batch that carried the reply above, perhaps just
        # after it: wait for that batch to be sent before the writer goes on.
        if hasattr(cache, "after_write"):
            cache.after_write()
    except Exception:
        # A lost bump is bounded by TIMEOUT; failing the writer's transaction is worse.
        logger.exception("Could not move the public page cache's generation")


def note_change_on_commit(sender=None, *, using=None, **kwargs):
    """Receiver for saves of publications and withdrawals (connected in apps.py).

    The database counter moves inside the writer's transaction, so it becomes
    visible exactly when the new rows do. The shared cache's counter cannot take
    part in the transaction: the bump after commit is the one other processes rely
    on (before it they could not see the new rows); the immediate one keeps the
    writer's own connection (and tests, whose transactions never commit) consistent.
    """
    _bump_database_counter()
    _bump_shared_counter()
    transaction.on_commit(_bump_shared_counter, using=using, robust=True)


# The go-live times a process saw under the current counter value: the latest that
# had passed and every later (scheduled) one. One dict, replaced whole, so a
# threaded server never reads half of it.
_schedule = {"counter": None, "times": ()}


def _go_live_times(now):
    latest_passed = Subquery(
        Publication.objects.filter(go_live_at__lte=now)
        .order_by("-go_live_at")
        .values("go_live_at")[:1]
    )
    return tuple(
        Publication.objects.filter(go_live_at__gte=Coalesce(latest_passed, Value(_EPOCH)))
        .order_by("go_live_at")
        .values_list("go_live_at", flat=True)
        .distinct()
    )


def _signalled_generation(now):
    global _schedule
    # Read on every cached page: kept in the process while Redis says it is unchanged
    # (config/redis_cache.py); other shared caches are asked each time.
    counter = getattr(cache, "get_watched", cache.get)(COUNTER_KEY)
    if counter is None:
        cache.add(COUNTER_KEY, time.time_ns(), timeout=None)
        counter = cache.get(COUNTER_KEY)
    schedule = _schedule
    if schedule["counter"] != counter:
        schedule = _schedule = {"counter": counter, "times": _go_live_times(now)}
    passed = [t for t in schedule["times"] if t <= now]
    return f"c{counter}.{_stamp(passed[-1] if passed else None)}"


def current_generation(now=None):
    now = now or timezone.now()
    return _signalled_generation(now) if signalled() else generation(now)


class _RecentPages:
    """This process's copies of the pages it served last, checked against the generation.

    With a shared cache, a hit would otherwise fetch the whole page (50 KB for an
    alert) from the cache server each time; a copy is valid as long as the
    generation it was made under, which each request reads anyway, and no longer
    than the shared cache would keep it (TIMEOUT): that is the bound on a change
    whose counter bump was lost to a cache outage.
    """

    def __init__(self, size=256):
        self.size = size
        self.entries = OrderedDict()  # key: (monotonic time stored, entry)
        self.lock = threading.Lock()

    def get(self, key, gen):
        with self.lock:
            stored = self.entries.get(key)
            if stored is None:
                return None
            at, entry = stored
            if entry[0] != gen or time.monotonic() - at > TIMEOUT:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            self.entries[key] = (time.monotonic(), entry)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_recent = _RecentPages()


def forget_recent_pages():
    """Drop this process's copies (tests, whose rolled-back ids come round again)."""
    with _recent.lock:
        _recent.entries.clear()


def _lookup(key, *, stored):
    """The current generation and the entry stored under ``key``.

    An entry made under another generation is no entry at all. With a shared cache
    the generation costs at most one small round trip (none with Redis while the
    counter is unchanged), and the page one more only when this process has no copy
    of its own; a ``stored`` page (one kept in the database already,
    alerts/pages.py) is not looked for in the shared cache at all.
    """
    gen = current_generation()
    shared = signalled()
    entry = _recent.get(key, gen) if shared else None
    if entry is None and not (shared and stored):
        entry = cache.get(key)
        if entry is not None and entry[0] != gen:
            entry = None
        if entry is not None and shared:
            _recent.put(key, entry)
    return gen, entry


def _keep(key, entry, *, stored):
    shared = signalled()
    if shared:
        _recent.put(key, entry)
    if not (shared and stored):
        try:
            cache.set(key, entry, TIMEOUT)
        except Exception:
            logger.warning("Page cache unavailable; page not stored", exc_info=True)


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


# What a public page is made by besides the data: the project's templates and code.
SITE_SOURCES = ("templates", "alerts", "stages", "sources", "config")
SITE_SUFFIXES = (".py", ".html", ".txt", ".xml")


def _site_files():
    base = Path(settings.BASE_DIR)
    return sorted(
        path
        for root in SITE_SOURCES
        for path in (base / root).rglob("*")
        if path.suffix in SITE_SUFFIXES and path.is_file()
    )


def _read(path):
    return path.read_bytes()


@functools.cache
def site_version():
    """A digest of what makes the public pages: the stored pages' renderer, every template
    and module, and Django.

    Part of every validator and kept response's key, so that after a deploy that
    changes how any page looks (a list template, a view, a security fix) no browser,
    CDN or other app process is told its old copy is still current. Deliberately
    broad: a deploy that changes nothing public costs each reader one full response.
    """
    base = Path(settings.BASE_DIR)
    # The renderer adds what the files do not hold: the Markdown and sanitiser
    # libraries' versions and the static files' manifest (pages link hashed names).
    digest = hashlib.sha256(f"{pages.renderer()}:{django.get_version()}".encode())
    for path in _site_files():
        digest.update(str(path.relative_to(base)).encode())
        digest.update(hashlib.sha256(_read(path)).digest())
    return digest.hexdigest()[:16]


def _etag(key):
    # The site's version and the key prefix too: after a deploy, a browser's or CDN's
    # copy must not be confirmed as current.
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f'"{_digest(f"{prefix}:{site_version()}:{key}")[:32]}"'


def _render(view, request, *args, **kwargs):
    response = view(request, *args, **kwargs)
    if getattr(response, "render", None) and not response.is_rendered:
        response.render()
    return response


def _finish(response, etag, last_modified):
    if response.status_code in (200, 304):
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


@dataclass
class _Miss:
    """What the front door knows of a page it could not answer, for the view's wrapper."""

    key: str
    gen: str
    # Set by the wrapper when the response it made may be kept: (etag, last_modified).
    validators: tuple | None = None


class PublicPageMiddleware:
    """The page cache's front door: the first middleware, answering a hit by itself.

    A kept entry is the whole response as the middleware below left it (security and
    CSP headers, ETag, Cache-Control), so a hit needs nothing the rest of the stack
    does for a page made on request (sessions, CSRF, authentication, URL dispatch to
    the view) and costs less than Django's cheapest page. Only pages whose view is
    wrapped by cache_public_page or cache_alert_page are looked up, and a response is
    kept only when nothing in it is particular to the request: no cookie set, no
    ``Vary`` header, no CSP nonce. Host validation and the HTTPS redirect still
    apply, because the key is the full URL (scheme and validated host included) and
    only 200 responses are kept; a host that is not allowed is left to the stack,
    whose error page carries the security headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stored = _cached_route(request)
        if stored is None:
            return self.get_response(request)
        # The whole URL, origin included: pages carry absolute links (canonical,
        # feeds) to the origin they were asked from. Hashed: query strings can be
        # long (search text), and cache keys must stay short.
        try:
            key = f"response:{_headers_version()}:{_digest(request.build_absolute_uri())}"
        except DisallowedHost:
            return self.get_response(request)
        try:
            gen, entry = _lookup(key, stored=stored)
        except Exception:
            logger.warning("Page cache unavailable; serving uncached", exc_info=True)
            return self.get_response(request)
        if entry is not None:
            return _replay(request, entry)

        miss = request.public_page_miss = _Miss(key=key, gen=gen)
        response = self.get_response(request)
        if miss.validators is not None and _keepable(request, response):
            etag, last_modified = miss.validators
            entry = (gen, response.content, list(response.items()), etag, last_modified)
            _keep(key, entry, stored=stored)
        return response


# What shapes a kept response's headers besides its view: a deploy that changes any of
# it must not replay headers made by the old settings (nor share entries with old
# processes during a rolling deploy).
HEADER_SETTINGS = (
    "MIDDLEWARE",
    "SECURE_CSP",
    "SECURE_CSP_REPORT_ONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
)


@functools.cache
def _headers_version():
    shaping = repr([getattr(settings, name, None) for name in HEADER_SETTINGS])
    return _digest(f"{site_version()}:{shaping}")[:12]


def _cached_route(request):
    """None, or whether the page's route is a cached page kept in the database."""
    if request.method not in ("GET", "HEAD") or request.path_info.startswith(_STATIC):
        return None
    return _route(get_resolver(), request.path_info)


# Resolving the path was a fifth of a hit's time (20 of 93 microseconds with Redis).
# Keyed by the resolver too, which a change of URLconf replaces (clear_url_caches);
# bounded, because paths come from anyone.
@functools.lru_cache(maxsize=1024)
def _route(resolver, path):
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return getattr(match.func, "public_page_stored", None)


# Static files (whitenoise, below) are never cached pages: not worth a URL resolution.
_STATIC = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"


def _keepable(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Set-Cookie")
        # The key is the URL alone: a response that says it depends on anything else
        # (a cookie, the language, the encoding) cannot be handed to everyone.
        and not response.has_header("Vary")
        and not get_nonce(request)
    )


def _replay(request, entry):
    _gen, content, headers, etag, last_modified = entry
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is None:
        return HttpResponse(content, headers=headers)
    # 304 or 412: the page's headers (security, validators), none of its body's.
    for name, value in headers:
        if name.lower() not in ("content-type", "content-length"):
            not_modified[name] = value
    return not_modified


def _serve(view, request, validators, *args, **kwargs):
    """Serve ``view`` on a miss of the front door (PublicPageMiddleware).

    ``validators(gen, key)`` gives (etag, last_modified timestamp, extra view
    kwargs), or None when the page is not to be cached. Without the front door's
    miss (the cache was unavailable) the page is served uncached.
    """
    miss = getattr(request, "public_page_miss", None)
    if miss is None:
        return view(request, *args, **kwargs)
    found = validators(miss.gen, miss.key)
    if found is None:
        return view(request, *args, **kwargs)
    etag, last_modified, extra = found
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return _finish(not_modified, etag, last_modified)
    response = _render(view, request, *args, **kwargs, **extra)
    miss.validators = (etag, last_modified)
    return _finish(response, etag, last_modified)


def cache_public_page(view):
    """Cache a list-like public page under the live set's generation and its full URL."""

    def validators(gen, key):
        return _etag(f"{gen}:{key}"), None, {}

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return _serve(view, request, validators, *args, **kwargs)

    wrapper.public_page_stored = False
    return wrapper


def cache_alert_page(view):
    """Cache an alert page; its ETag and Last-Modified follow its own live publication.

    On a miss the publication is looked up here and handed to the view as
    ``publication``, so the page's validators cost no query of their own.
    """

    @functools.wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        def validators(gen, key):
            publication = publication_for_page(slug)
            if publication is None:
                # Withdrawn, renamed or unknown: the view explains which, uncached.
                return None
            # modified_at moves when an earlier-numbered version goes live late and
            # joins the page's list of versions (alerts/pages.py).
            modified_at = publication.modified_at
            version = f"{publication.pk}:{publication.snapshot_hash}:{modified_at}:{key}"
            last_modified = int(modified_at.timestamp())
            return _etag(version), last_modified, {"publication": publication}

        return _serve(view, request, validators, slug, *args, **kwargs)

    # The page itself is kept in the database (alerts/pages.py): a shared cache holds
    # no copy, only each process.
    wrapper.public_page_stored = True
    return wrapper


def check_front_door(app_configs=None, **kwargs):
    """System check: the front door must come first, or hits would skip security headers' makers."""
    name = f"{PublicPageMiddleware.__module__}.{PublicPageMiddleware.__qualname__}"
    if settings.MIDDLEWARE[:1] != [name]:
        return [
            checks.Error(
                f"{name} must be the first entry of MIDDLEWARE.",
                hint="Public pages are cached and served by it; without it they are "
                "served uncached, and below other middleware a hit would skip their work.",
                id="alerts.E001",
            )
        ]
    return []
