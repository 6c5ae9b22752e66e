"""The social card (PNG) and the PDF of an alert's current version and of each of its
versions (alerts/assets.py makes them).

They answer exactly as the pages they belong to, through the same queries (and so the
one definition of live): 404 before go-live and for an unknown address, 410 after a
withdrawal, 301 from an old slug (``views._not_live``). A version whose text is
withheld for someone's safety has no card and no PDF: 410, with the notice the version
page shows instead of its text. Nothing of its content is served, though its files
may have been made while it was public.

A file the worker has not made yet is made by the request and kept (``assets.keep``),
so the first reader gets it; where it cannot be made at all (WeasyPrint's libraries
missing), 503 with Retry-After. Each carries a strong ETag (its SHA-256), so a reader
that has it is answered 304.
"""

from django.http import Http404, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .. import assets
from . import queries
from .views import _not_live

Kind = assets.Kind
RETRY_AFTER_SECONDS = 300


def _file_response(publication, kind):
    try:
        asset = assets.keep(publication, kind)
    except assets.AssetUnavailable:
        response = HttpResponse(
            "This file cannot be made at the moment. Please try again later.\n",
            content_type="text/plain; charset=utf-8",
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    response = HttpResponse(bytes(asset.content), content_type=assets.CONTENT_TYPES[kind])
    response["ETag"] = f'"{asset.sha256}"'
    response["Last-Modified"] = http_date(asset.made_at.timestamp())
    if kind == Kind.PDF:
        filename = f"{publication.slug}-version-{publication.number}.pdf"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _current(request, slug, kind, view_name):
    publication = queries.current_publication(slug)
    if publication is None:
        return _not_live(request, slug, view_name=view_name)
    # The current version is never withheld (workflow._require_past_versions).
    return _file_response(publication, kind)


def _version(request, slug, number, kind, view_name):
    current = queries.current_publication(slug)
    if current is None:
        return _not_live(request, slug, view_name=view_name, args=[number])
    publication = (
        queries.live()
        .filter(alert_id=current.alert_id, number=number)
        .defer("snapshot", "search_document", "content_html")
        .first()
    )
    if publication is None:
        raise Http404("This alert has no live version with that number.")
    notice = queries.withheld_versions(current.alert_id).get(publication.number)
    if notice is not None:
        return HttpResponse(notice + "\n", content_type="text/plain; charset=utf-8", status=410)
    return _file_response(publication, kind)


@require_safe
def alert_card(request, slug):
    return _current(request, slug, Kind.CARD, "public:alert_card")


@require_safe
def alert_pdf(request, slug):
    return _current(request, slug, Kind.PDF, "public:alert_pdf")


@require_safe
def version_card(request, slug, number):
    return _version(request, slug, number, Kind.CARD, "public:version_card")


@require_safe
def version_pdf(request, slug, number):
    return _version(request, slug, number, Kind.PDF, "public:version_pdf")
