"""Caching of public pages that can never serve stale content.

A page is cached under a key made of what it renders, read from the database on
every request with one cheap, indexed query:

- an alert page by the id of the alert's current live publication, so a new
  publication or a withdrawal changes the key on the very next request;
- every other public page by the *generation* of the live set: the newest
  publication id, the newest withdrawal id, and the latest go-live time that has
  passed. A scheduled publication going live moves the last one, so it shows up
  without anyone purging anything (and without a cron job).

Nothing is ever invalidated; old entries simply stop being asked for and expire.
Only complete 200 responses to anonymous-looking GETs are stored: public pages
do not depend on who is asking, and staff pages are never wrapped by this.
"""

import functools
import hashlib

from django.core.cache import cache
from django.db.models import Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from .models import Publication, Withdrawal

# Long enough to matter under load, short enough that a template deploy shows soon
# (a deploy may also set CACHE_KEY_PREFIX to start afresh).
TIMEOUT = 600
# Browsers and CDNs may reuse a page this long before revalidating with the ETag.
MAX_AGE = 60
CACHED_HEADERS = ("Content-Type", "Content-Language", "Link", "Location")


def generation(now=None):
    """What every list-like public page depends on: one query, three index lookups."""
    now = now or timezone.now()
    row = (
        Publication.objects.order_by("-pk")
        .values(
            "pk",
            withdrawn=Subquery(Withdrawal.objects.order_by("-pk").values("pk")[:1]),
            went_live=Subquery(
                Publication.objects.filter(go_live_at__lte=now)
                .order_by("-go_live_at")
                .values("go_live_at")[:1]
            ),
        )
        .first()
    )
    if row is None:
        return "empty"
    went_live = row["went_live"].isoformat() if row["went_live"] else "-"
    return f"{row['pk']}.{row['withdrawn'] or 0}.{went_live}"


def alert_version_key(slug, now=None):
    """The current live publication of ``slug`` (id, hash, go-live), or None."""
    return (
        Publication.objects.latest_live(now)
        .filter(slug=slug)
        .order_by("-go_live_at", "-id")
        .values("pk", "snapshot_hash", "go_live_at")
        .first()
    )


def _etag(key):
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _store(key, response):
    headers = {h: response[h] for h in CACHED_HEADERS if response.has_header(h)}
    cache.set(key, (response.status_code, response.content, headers), TIMEOUT)


def _replay(entry):
    status, content, headers = entry
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _cached(view, request, key, last_modified, *args, **kwargs):
    etag = _etag(key)
    last_modified_ts = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified_ts)
    if not_modified is not None:
        response = not_modified
    else:
        entry = cache.get(key)
        if entry is not None:
            response = _replay(entry)
        else:
            response = view(request, *args, **kwargs)
            if getattr(response, "render", None) and not response.is_rendered:
                response.render()
            if response.status_code == 200 and not response.streaming:
                _store(key, response)
    if response.status_code in (200, 304):
        response["ETag"] = etag
        if last_modified_ts is not None:
            response["Last-Modified"] = http_date(last_modified_ts)
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def _path_key(request):
    # Hashed: query strings can be long (search text), and cache keys must stay short.
    return hashlib.sha256(request.get_full_path().encode()).hexdigest()


def _cacheable(request):
    return request.method in ("GET", "HEAD")


def cache_public_page(view):
    """Cache a list-like public page under the live set's generation and its full URL."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = f"public:{generation()}:{_path_key(request)}"
        return _cached(view, request, key, None, *args, **kwargs)

    return wrapper


def cache_alert_page(view):
    """Cache an alert page under its current publication; send ETag and Last-Modified."""

    @functools.wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        if not _cacheable(request):
            return view(request, slug, *args, **kwargs)
        current = alert_version_key(slug)
        if current is None:
            # Withdrawn, renamed or unknown: the view explains which, uncached.
            return view(request, slug, *args, **kwargs)
        key = f"alert:{current['pk']}:{current['snapshot_hash']}:{_path_key(request)}"
        return _cached(view, request, key, current["go_live_at"], slug, *args, **kwargs)

    return wrapper
