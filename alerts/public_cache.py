"""The public page cache: one tier, on Django's cache framework.

Public pages (the views wrapped by ``cache_public_page``) are kept whole in the
default cache, keyed by their full URL: Django's own Redis backend when REDIS_URL is
set, so every app server shares them, and the local-memory cache otherwise.

Every entry carries the *generation* it was made under, and a hit counts only under
the current one. The generation is a small value in the same cache, read with the
page in one round trip:

- ``changed()`` ends it. The workflow calls it when it publishes or withdraws, and
  the admin when a country or stage changes (their names show on public pages): in
  the writer's transaction, and again once it commits, so neither a page made
  before the commit nor one made in between survives. The next request on any server
  sharing the cache starts a new generation.
- It also ends by itself at the next scheduled go-live time, read from the database
  when the generation starts: an embargoed publication shows on time, with no job.

Entries live PUBLIC_PAGE_CACHE_SECONDS at most (60 with Redis). That bounds what a
cache outage can do: while the cache is unreachable pages are served uncached, and a
``changed()`` lost to the outage leaves no page stale for longer than that. Without
Redis each process has its own cache, which another process's ``changed()`` cannot
reach, so there entries live one second: every server shows a change within a second.
"""

import hashlib
import logging
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.cache import patch_cache_control

from .models import Publication

logger = logging.getLogger(__name__)

GENERATION_KEY = "public-pages:generation"
# Browsers and shared caches may reuse a page this long before asking again.
MAX_AGE = 60


def changed():
    """Public pages may show something else now: end the generation, now and at commit."""
    _end_generation()
    transaction.on_commit(_end_generation, robust=True)


def _end_generation():
    try:
        cache.delete(GENERATION_KEY)
    except Exception:
        # Entries expire within PUBLIC_PAGE_CACHE_SECONDS; failing the writer is worse.
        logger.exception("Could not end the public page cache's generation")


def _start_generation(now):
    """A new generation, ending at the next scheduled go-live time (if any)."""
    until = Publication.objects.filter(go_live_at__gt=now).aggregate(at=Min("go_live_at"))["at"]
    generation = {"id": uuid.uuid4().hex, "until": until}
    cache.set(GENERATION_KEY, generation, timeout=None)
    return generation


def _key(request):
    # The whole URL, scheme and host included: pages carry absolute links (canonical,
    # feeds) to the origin they were asked from. Hashed: query strings can be long.
    url = request.build_absolute_uri()
    return f"public-pages:page:{hashlib.sha256(url.encode()).hexdigest()}"


def _keepable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The key is the URL alone: a response that depends on anything else cannot
        # be handed to everyone.
        and not response.has_header("Vary")
    )


def cache_public_page(view):
    """Serve ``view`` from the page cache; keep what it makes (200s only)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        now = timezone.now()
        key = _key(request)
        try:
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY)
            if generation is None or (generation["until"] and generation["until"] <= now):
                generation = _start_generation(now)
        except Exception:
            logger.warning("Page cache unavailable; serving uncached", exc_info=True)
            return _public(view(request, *args, **kwargs))
        entry = found.get(key)
        if entry is not None and entry[0] == generation["id"]:
            return _public(entry[1])
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _keepable(response):
            try:
                cache.set(key, (generation["id"], response), settings.PUBLIC_PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("Page cache unavailable; page not kept", exc_info=True)
        return _public(response)

    return wrapper


def _public(response):
    if response.status_code == 200:
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
