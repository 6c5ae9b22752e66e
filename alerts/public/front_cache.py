"""The front cache (Varnish, configured in deploy/varnish/) and how it learns of changes.

Public pages tell it how long it may keep them (``Cache-Control: s-maxage``, set by
PublicPageCacheMiddleware): never more than FRONT_CACHE_SECONDS, and never past the
next scheduled go-live, so an embargoed publication is never shown early and shows on
time with no job at all. Within that, a change must show on the next request: every
change that public pages show queues a ``purge`` task in its own transaction, which
the worker runs once it has committed. The task bans, on every front cache in
FRONT_CACHE_URLS, each URL the change can show on, whatever its query string; a purge
that fails is retried, and one that is lost altogether heals within ``s-maxage``.
Each change is purged twice (again after the longest a request may run, for a page
that was being made from the old rows), and a publication scheduled for later once
more when it goes live.
"""

import datetime
import logging
import re
import urllib.request

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from ..models import Publication, PublishedCountry
from ..tasks import retry_later

logger = logging.getLogger(__name__)

# Header carrying the ban's regular expression, matched against each kept page's path
# and query string (deploy/varnish/alerts.vcl).
BAN_HEADER = "X-Ban-Url"
TIMEOUT_SECONDS = 10
# Longer than any request may run (gunicorn's --timeout 30, docs/deploy.md).
LATE_PURGE_AFTER = datetime.timedelta(seconds=40)
# Straight to the front caches, whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# What every public change can show on: the lists (search is the alert list with a
# query), the feeds, the sitemap, the API's lists and the CSV.
EVERY_CHANGE = [
    r"/",
    r"/alerts/",
    r"/countries/",
    r"/stages/",
    r"/feeds/alerts/",
    r"/sitemap[^/]*\.xml",
    r"/api/alerts/",
    r"/api/withdrawals/",
    r"/api/determinations\.csv",
]


def affected_patterns(*, alert_slugs=(), country_slugs=()):
    """Regular expressions for the public URLs a change to these alerts and countries
    can show on; each matches the path with any query string."""
    # Paths without a query string end where the pattern does ("/" must not match
    # every page); an alert or a country bans everything under its path.
    patterns = [f"^{path}(\\?.*)?$" for path in EVERY_CHANGE]
    for slug in sorted(set(alert_slugs)):
        patterns += [f"^/alerts/{re.escape(slug)}/", f"^/api/alerts/{re.escape(slug)}/"]
    for slug in sorted(set(country_slugs)):
        patterns += [f"^/countries/{re.escape(slug)}/", f"^/feeds/countries/{re.escape(slug)}/"]
    return patterns


def alert_changed(alert, *, go_live_at=None):
    """Queue the purges for a publication or withdrawal of ``alert``: every address it
    has had and every country any of its publications rated (one an update dropped
    too). Call it in the transaction of the change."""
    publications = Publication.objects.filter(alert=alert)
    slugs = set(publications.values_list("slug", flat=True))
    # Under every address the public has known them by (a publication may rename one).
    countries = set(
        PublishedCountry.objects.filter(
            country__in=PublishedCountry.objects.filter(publication__alert=alert).values("country")
        ).values_list("slug", flat=True)
    )
    _queue(affected_patterns(alert_slugs=slugs, country_slugs=countries), go_live_at)


def _queue(patterns, go_live_at):
    if not settings.FRONT_CACHE_URLS:
        return
    purge.enqueue(patterns=patterns)
    # A ban drops only what the cache holds when it arrives: a page made from the rows
    # before the commit by a request still running then would be kept after it. No
    # request runs longer than the app servers' timeout, so a second ban after it
    # catches such a page.
    purge.using(run_after=timezone.now() + LATE_PURGE_AFTER).enqueue(patterns=patterns)
    if go_live_at is not None:
        # Pages made before this change may be kept until the go-live time (their
        # s-maxage knew nothing of it); this purge makes the go-live show at once.
        purge.using(run_after=go_live_at).enqueue(patterns=patterns)


def ban_expression(patterns):
    """One regular expression matching what any of ``patterns`` matches."""
    return "^(" + "|".join(f"(?:{p.removeprefix('^')})" for p in patterns) + ")"


@task
def purge(*, patterns, attempt=1):
    """Ban every page matching ``patterns`` on every front cache."""
    expression = ban_expression(patterns)
    try:
        for base in settings.FRONT_CACHE_URLS:
            _ban(base, expression)
    except Exception:
        retry_later(purge, attempt=attempt, patterns=patterns)
        raise


def _ban(base, expression):
    request = urllib.request.Request(
        base.rstrip("/") + "/", method="BAN", headers={BAN_HEADER: expression}
    )
    # It raises for any answer but 2xx: a refused ban (an address not on the proxy's
    # list, a proxy that is down) fails the task, which then tries again.
    with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
        logger.info("Front cache %s: %s", base, response.status)
