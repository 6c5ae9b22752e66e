"""An alert's current page, rendered once per publication, not once per reader.

Storing the content (alerts/rendering.py) took the Markdown out of a request; what
was left, reading the snapshot and rendering the page around the content, still
cost a cold request about ten times the framework floor, and an alert's readers
arrive all at once when it is shared. A publication never changes, so its whole
page is rendered when it is published and kept in PublicationPage; a request for
it reads one row and sends it.

Two things on the page are not fixed at publication, and the stored page allows
for both:

- the origin (scheme and host) of its canonical links is the request's: the page
  is stored without it, with the places where it goes;
- the list of versions is every version of the alert, numbered up to this one,
  that has gone live, and a version scheduled earlier may go live after this one.
  The newest go-live time among the listed versions (``modified_at``) moves exactly
  when the list grows, so a page whose ``modified_at`` is not the current one is
  made again. It is also the page's Last-Modified.

Like the content, a page is tagged with its *renderer*: a digest of the page's
templates, this module, the content's renderer and the static files' manifest (the
page links hashed file names). After a deploy that changes any of them, pages are
rendered again on their next read, or ahead of it by ``manage.py
render_publications``. Not covered, as for the content: the URLconf and Django.
"""

import functools
import hashlib
import inspect
import logging
import secrets
import sys

from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import transaction
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from . import public_data, rendering
from .models import ChangeKind, Publication, PublicationPage
from .snapshot import upgrade

PAGE_TEMPLATE = "public/alert_detail.html"
# Every template the page is made of; tests/public/test_stored_pages.py holds the
# list to what rendering the page really loads.
PAGE_TEMPLATES = (
    PAGE_TEMPLATE,
    "base.html",
    "public/_alert_head.html",
    "public/alert_body.html",
    "alerts/alert_body.html",
)
VERSION_FIELDS = ("number", "change_kind", "change_note", "go_live_at")

logger = logging.getLogger(__name__)


@functools.cache
def renderer():
    """A digest of everything that shapes a stored page."""
    digest = hashlib.sha256(rendering.renderer().encode())
    for name in PAGE_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    digest.update(inspect.getsource(sys.modules[__name__]).encode())
    # Only a manifest storage has one (production); elsewhere file names are not hashed.
    digest.update(getattr(staticfiles_storage, "manifest_hash", "").encode())
    return digest.hexdigest()[:16]


def origin(request):
    """The scheme and host the request came to, as absolute URLs begin."""
    return f"{request.scheme}://{request.get_host()}"


def alert_url(slug):
    return reverse("public:alert_detail", args=[slug])


def versions_of(publication, now=None):
    """The live versions of the alert up to ``publication``, oldest first. One query."""
    return list(
        public_data.live(now)
        .filter(alert_id=publication.alert_id, number__lte=publication.number)
        .order_by("number")
        .values(*VERSION_FIELDS)
    )


def _notes(versions):
    """The "updated/corrected on … because …" notes of the later publications."""
    return [
        v
        for v in versions
        if v["change_kind"] in (ChangeKind.UPDATE, ChangeKind.CORRECTION) and v["change_note"]
    ]


def alert_context(publication, versions, *, current, origin):
    """What the alert templates need: the current page and an older version's page."""
    snapshot = upgrade(publication.snapshot)
    first = versions[0] if versions else None
    path = (
        alert_url(publication.slug)
        if current
        else reverse("public:alert_version", args=[publication.slug, publication.number])
    )
    return {
        "alert": snapshot,
        "content_html": rendering.content_html(publication),
        "publication": publication,
        "versions": versions,
        "notes": _notes(versions),
        "first_published": first["go_live_at"] if first else publication.go_live_at,
        "is_current": current,
        # Rated countries have a public page (and only those: see country_detail).
        "linked_countries": {r["country"] for r in snapshot["ratings"]},
        "canonical_url": origin + path,
        "current_url": alert_url(publication.slug),
        "nav": "alerts",
    }


def store(publication, now=None):
    """Render the page ``publication`` has while it is current, and keep it.

    Rendered with no request at all, so that nothing of one reader's request can be
    kept and served to another.
    """
    now = now or timezone.now()
    if publication.get_deferred_fields():  # loaded to serve its page: load the rest
        publication = Publication.objects.select_related("rendering").get(pk=publication.pk)
    # A scheduled publication's page is made before it goes live: list what will be
    # live by then.
    versions = versions_of(publication, max(now, publication.go_live_at))
    # Unguessable, so that no text an editor wrote can contain it.
    marker = f"origin{secrets.token_hex(16)}"
    context = alert_context(publication, versions, current=True, origin=marker)
    pieces = render_to_string(PAGE_TEMPLATE, context).split(marker)
    origin_at, at = [], 0
    for piece in pieces[:-1]:
        at += len(piece)
        origin_at.append(at)
    page = PublicationPage(
        publication=publication,
        renderer=renderer(),
        modified_at=max((v["go_live_at"] for v in versions), default=publication.go_live_at),
        html="".join(pieces),
        origin_at=origin_at,
    )
    PublicationPage.objects.bulk_create(
        [page],
        update_conflicts=True,
        unique_fields=["publication"],
        update_fields=["renderer", "modified_at", "html", "origin_at"],
    )
    return page


def store_at_publication(publication, now):
    """``store``, for the workflow: a page that cannot be made now is made on first read.

    The page is a copy kept for speed, and publishing must not fail for want of it:
    under production settings it links hashed static file names, so a process that
    publishes before ``collectstatic`` has run (a command on a fresh host) cannot
    render it. The same error then shows on the page's first request.
    """
    try:
        with transaction.atomic():  # a failed write must not break the publication's
            return store(publication, now)
    except Exception:
        logger.exception(
            "Could not store the page of %s; it will be made on first read", publication
        )
        return None


def current_page(publication):
    """The stored page of a current publication, made again if it is out of date.

    ``publication`` comes from ``public_data.publication_for_page(slug)``, which
    loads the stored page and the ``modified_at`` it must have.
    """
    page = publication.stored_page
    if page is None or page.renderer != renderer() or page.modified_at != publication.modified_at:
        page = store(publication)
    return page
