"""The public page cache: one tier, on Django's cache framework.

Public pages (the views marked by ``cache_public_page``) are kept whole in the
default cache, keyed by their full URL: Django's own Redis backend when REDIS_URL is
set, so every app server shares them, and the local-memory cache otherwise. As in
Django's own site cache, ``PublicPageCacheMiddleware`` stands first in MIDDLEWARE:
it keeps a response as the whole stack finished it (security headers, ETag), so it
can tell a response made for one reader (a cookie set, a ``Vary`` header, a CSP
nonce) and never keep it, and it answers a hit before the rest of the stack runs.

Every entry carries the *generation* it was made under, and a hit counts only under
the current one. The generation is a small value in the same cache, read with the
page in one round trip:

- ``changed()`` ends it. The workflow calls it when it publishes or withdraws, and
  the admin when a country changes (its name shows on public pages): in the writer's
  transaction, so its own next request misses, and once it commits, when a new
  generation is started from the committed rows, so that every server's next request
  misses too and no page made from the rows before the commit is served after it.
- It also ends by itself at the next scheduled go-live time, read from the database
  when the generation starts: an embargoed publication shows on time, with no job.

Entries live PUBLIC_PAGE_CACHE_SECONDS at most (60 with Redis). That bounds what a
cache outage can do: while the cache is unreachable pages are served uncached, and a
``changed()`` lost to the outage leaves no page stale for longer than that. Without
Redis each process has its own cache, which another process's ``changed()`` cannot
reach, so there entries live one second: every server shows a change within a second.

Every public page also says how long browsers and the front cache may keep it
(``_mark_shared``): the front cache is told of changes by purges
(alerts/public/front_cache.py), and no one may keep a page past the generation's end.
"""

import hashlib
import logging
import math
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models import Min
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe

from ..models import Publication

logger = logging.getLogger(__name__)

GENERATION_KEY = "public-pages:generation"
# In every page's key: a deploy that changes what an entry holds (now: generation,
# response, when it was made) never reads an entry of the old shape.
ENTRY_FORMAT = 2
# Browsers may reuse a page this long before asking again; the front cache for
# FRONT_CACHE_SECONDS (``s-maxage``), since it is told of changes. Neither ever past
# the next scheduled go-live.
MAX_AGE = 60


def cache_public_page(view):
    """Mark ``view`` as a public page: the same for every reader, kept by the page
    cache, and marked for browsers and the front cache (PublicPageCacheMiddleware)."""

    @wraps(view)
    def public_page(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    public_page.public_page = True
    return public_page


def _is_public_page(request):
    """Whether the request's route is a view marked by ``cache_public_page``: only
    those are looked up and kept (the admin, staff pages and static files never)."""
    try:
        match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return getattr(match.func, "public_page", False)


def changed():
    """Public pages may show something else now: end the generation, now and at commit."""
    _forget_generation()
    transaction.on_commit(_start_generation_after_commit, robust=True)


def _forget_generation():
    try:
        cache.delete(GENERATION_KEY)
    except Exception:
        # Entries expire within PUBLIC_PAGE_CACHE_SECONDS; failing the writer is worse.
        logger.exception("Could not end the public page cache's generation")


def _start_generation_after_commit():
    # Set, not deleted: a reader that read the rows before the commit and starts its
    # generation after this (with ``add``) finds this one there and takes it.
    try:
        cache.set(GENERATION_KEY, _new_generation(timezone.now()), timeout=None)
    except Exception:
        logger.exception("Could not end the public page cache's generation")


def _new_generation(now):
    """A new generation, ending at the next scheduled go-live time (if any)."""
    until = Publication.objects.filter(go_live_at__gt=now).aggregate(at=Min("go_live_at"))["at"]
    return {"id": uuid.uuid4().hex, "until": until}


def _current_generation(found, now):
    generation = found.get(GENERATION_KEY)
    if generation is not None and not (generation["until"] and generation["until"] <= now):
        return generation
    if generation is not None:
        cache.delete(GENERATION_KEY)  # its go-live time has passed
    fresh = _new_generation(now)
    if cache.add(GENERATION_KEY, fresh, timeout=None):
        return fresh
    # Another process started one first (or a writer, from committed rows): take it.
    return cache.get(GENERATION_KEY) or fresh


def _key(request):
    # The whole URL, scheme and host included: pages carry absolute links (canonical,
    # feeds) to the origin they were asked from. Hashed: query strings can be long.
    url = request.build_absolute_uri()
    return f"public-pages:page:{ENTRY_FORMAT}:{hashlib.sha256(url.encode()).hexdigest()}"


def _keepable(request, response):
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The key is the URL alone: a response that says it depends on anything else
        # (a cookie, the language) cannot be handed to everyone.
        and not response.has_header("Vary")
        # A nonce must be new on every response.
        and "'nonce-" not in response.get("Content-Security-Policy", "")
    )


class PublicPageCacheMiddleware:
    """Answer public pages from the page cache; keep what the stack makes of them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not _is_public_page(request):
            return self.get_response(request)
        now = timezone.now()
        try:
            key = _key(request)
        except DisallowedHost:
            return self.get_response(request)  # the stack answers 400, with its headers
        try:
            found = cache.get_many([GENERATION_KEY, key])
            generation = _current_generation(found, now)
        except Exception:
            logger.warning("Page cache unavailable; serving uncached", exc_info=True)
            response = self.get_response(request)
            return _mark_shared(response, until=_new_generation(now)["until"], now=now)
        entry = found.get(key)
        if entry is not None and entry[0] == generation["id"]:
            _, response, made_at = entry
            return _mark_shared(
                _replay(request, response), until=generation["until"], now=now, made_at=made_at
            )
        response = self.get_response(request)
        if _keepable(request, response):
            # One piece: a feed is written in hundreds of small ones, which a server
            # sends (and a reader waits for) one by one, on every hit.
            response.content = response.content
            try:
                cache.set(
                    key, (generation["id"], response, now), settings.PUBLIC_PAGE_CACHE_SECONDS
                )
            except Exception:
                logger.warning("Page cache unavailable; page not kept", exc_info=True)
        return _mark_shared(response, until=generation["until"], now=now)


def _shareable(response):
    """Whether a response can be handed to every reader by a shared cache."""
    vary = response.get("Vary", "").lower()
    cache_control = response.get("Cache-Control", "").lower()
    return (
        response.status_code in (200, 304)
        # A view that said otherwise is not overruled.
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
        and not response.cookies
        and "cookie" not in vary
        and "*" not in vary
        and "'nonce-" not in response.get("Content-Security-Policy", "")
    )


def _mark_shared(response, *, until, now, made_at=None):
    """Say how long browsers and the front cache may keep the response: never past
    ``until`` (the next scheduled go-live), counting the time it was already kept here
    (``Age``), so the front cache keeps it no longer than if it had made it itself."""
    if not _shareable(response):
        return response
    seconds = settings.FRONT_CACHE_SECONDS
    if until is not None:
        seconds = min(seconds, math.floor((until - now).total_seconds()))
    seconds = max(seconds, 0)
    patch_cache_control(response, public=True, max_age=min(MAX_AGE, seconds), s_maxage=seconds)
    if made_at is not None:
        response["Age"] = str(max(0, math.floor((now - made_at).total_seconds())))
    return response


def _replay(request, response):
    """The kept response, or 304/412 with its headers when the request's
    preconditions say so (what ConditionalGetMiddleware does for a page made now)."""
    conditional = get_conditional_response(
        request, etag=response.get("ETag"), last_modified=_last_modified(response)
    )
    if conditional is None:
        return response
    for name, value in response.items():
        if name.lower() not in ("content-type", "content-length"):
            conditional[name] = value
    return conditional


def _last_modified(response):
    return parse_http_date_safe(response.get("Last-Modified", ""))
