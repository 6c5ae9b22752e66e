"""The public JSON API and the CSV of determinations. Field names are documented in
docs/api.md and are a promise: add fields, never rename or remove them.

Everything starts from ``alerts.public.queries`` (so from ``Publication.objects.live()``,
the one definition in alerts/models.py, or its narrowing ``current()``).
"""

import csv

from django.core.validators import slug_re
from django.db.models.fields.json import KeyTextTransform
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import audit
from ..models import Level, PublishedDetermination
from ..snapshot import upgrade
from . import queries

API_VERSION = 1
PER_PAGE = 50
CSV_COLUMNS = (
    "country",
    "country_slug",
    "iso_code",
    "stage",
    "stage_name",
    "alert_slug",
    "publication",
    "change_kind",
    "go_live_at",
    "go_live_date",
)


def _json(request, data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(request, status, code, detail):
    return _json(request, {"error": code, "detail": detail}, status=status)


def _absolute(request, name, *args):
    return request.build_absolute_uri(reverse(name, args=args))


def _iso(value):
    return value.isoformat() if value else None


def _publication_meta(request, pub):
    """What identifies one publication: its number, kind, note and go-live time."""
    return {
        "number": pub["number"],
        "change_kind": pub["change_kind"],
        "change_note": pub["change_note"],
        "go_live_at": _iso(pub["go_live_at"]),
        "url": _absolute(request, "public:alert_version", pub["slug"], pub["number"]),
        "api_url": _absolute(request, "public:api_alert_version", pub["slug"], pub["number"]),
    }


def _meta_of(pub):
    return {
        "number": pub.number,
        "change_kind": pub.change_kind,
        "change_note": pub.change_note,
        "go_live_at": pub.go_live_at,
        "slug": pub.slug,
    }


def _withdrawn(request, slug, withdrawal):
    return _json(
        request,
        {
            "api_version": API_VERSION,
            "slug": slug,
            "withdrawn": True,
            "withdrawn_at": _iso(withdrawal.withdrawn_at),
            "reason": withdrawal.reason,
            "url": _absolute(request, "public:alert_detail", slug),
        },
        status=410,
    )


def _not_live(request, slug, *, view_name, args=()):
    """Why ``slug`` has no live alert: withdrawn (410), renamed (301) or unknown (404)."""
    withdrawal = queries.withdrawal_for(slug)
    if withdrawal is not None:
        return _withdrawn(request, slug, withdrawal)
    # As the pages do: an old name (in the CSV's alert_slug, say) leads to the alert.
    new_slug = queries.renamed_to(slug)
    if new_slug and new_slug != slug:
        return redirect(reverse(view_name, args=[new_slug, *args]), permanent=True)
    return _error(request, 404, "not_found", "No live alert has this slug.")


@require_safe
def alert_list(request):
    # The summary as editors wrote it (Markdown): read out of the snapshot for the
    # page's rows only.
    alerts = queries.live_alerts().annotate(
        snapshot_summary=KeyTextTransform("summary", "snapshot")
    )
    page = queries.paginate(alerts, PER_PAGE, request.GET.get("page"))
    paginator = page.paginator

    def page_url(number):
        return request.build_absolute_uri(f"{reverse('public:api_alert_list')}?page={number}")

    results = [
        {
            "slug": pub.slug,
            "title": pub.title,
            "level": pub.level,
            "level_label": Level(pub.level).label,
            "issued_on": _iso(pub.issued_on),
            "summary": pub.snapshot_summary,
            "countries": [
                {"slug": c["slug"], "name": c["name"], "iso_code": c["iso_code"]}
                for c in pub.countries
            ],
            "withdrawn": False,
            "url": _absolute(request, "public:alert_detail", pub.slug),
            "api_url": _absolute(request, "public:api_alert_detail", pub.slug),
            "publication": _publication_meta(request, _meta_of(pub)),
        }
        for pub in page.object_list
    ]
    return _json(
        request,
        {
            "api_version": API_VERSION,
            "count": paginator.count,
            "page": page.number,
            "num_pages": paginator.num_pages,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": results,
        },
    )


def _alert_document(request, current, pub):
    versions = list(
        queries.live()
        .filter(alert_id=current.alert_id)
        .with_withholding()
        .order_by("number")
        .values(
            "number",
            "change_kind",
            "change_note",
            "go_live_at",
            "slug",
            "withheld_at",
            "withheld_reason",
        )
    )
    withheld = {}
    for version in versions:
        version["slug"] = current.slug  # versions are addressed under the current slug
        at, reason = version.pop("withheld_at"), version.pop("withheld_reason")
        if at is not None:
            withheld[version["number"]] = queries.withheld_notice(version["number"], at, reason)
    return {
        "api_version": API_VERSION,
        "slug": current.slug,
        "withdrawn": False,
        "is_current": pub.number == current.number,
        "url": _absolute(request, "public:alert_detail", current.slug),
        "publication": _publication_meta(request, _meta_of(pub) | {"slug": current.slug}),
        "current_publication": current.number,
        "versions": [
            _publication_meta(request, v) | {"withheld": withheld.get(v["number"])}
            for v in versions
        ],
        # A withheld version's text is not public: the notice says so instead.
        "withheld": withheld.get(pub.number),
        "snapshot": None if pub.number in withheld else upgrade(pub.snapshot),
    }


@require_safe
def alert_detail(request, slug):
    current = queries.current_publication(slug)
    if current is None:
        return _not_live(request, slug, view_name="public:api_alert_detail")
    return _json(request, _alert_document(request, current, current))


@require_safe
def alert_version(request, slug, number):
    current = queries.current_publication(slug)
    if current is None:
        return _not_live(request, slug, view_name="public:api_alert_version", args=[number])
    pub = (
        current
        if number == current.number
        else queries.live().filter(alert_id=current.alert_id, number=number).first()
    )
    if pub is None:
        return _error(request, 404, "not_found", "This alert has no live version with that number.")
    return _json(request, _alert_document(request, current, pub))


@require_safe
def withdrawal_list(request):
    rows = queries.public_withdrawals()[:500]
    return _json(
        request,
        {
            "api_version": API_VERSION,
            "results": [
                {
                    "slug": w.slug,
                    "withdrawn": True,
                    "withdrawn_at": _iso(w.withdrawn_at),
                    "reason": w.reason,
                    "url": _absolute(request, "public:alert_detail", w.slug),
                }
                for w in rows
            ],
        },
    )


@never_cache
@require_safe
def audit_head(request):
    """The audit chain's head (alerts/audit.py); uncached, like its page."""
    head = audit.current_head()
    return _json(
        request,
        {
            "api_version": API_VERSION,
            "count": head.count,
            "hash": head.hash,
            "algorithm": "sha256",
            "url": _absolute(request, "public:audit_head"),
        },
    )


class _Echo:
    def write(self, value):
        return value


def safe_cell(value):
    """Neutralise spreadsheet formulas: a cell must never start with = + - @ or a control."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def determination_rows(country_slug=None):
    """One row per published determination of every live publication, oldest first,
    each with its country as the public sees it now (``queries.public_countries``)."""
    now = timezone.now()
    rows = PublishedDetermination.objects.filter(publication__in=queries.live(now))
    if country_slug is not None:
        country = queries.published_country(country_slug, now)
        rows = rows.filter(country_id=country.pk) if country else rows.none()
    countries = queries.public_countries(now=now)
    rows = rows.order_by("go_live_at", "publication_id", "country_id", "stage_id").values_list(
        "country_id",
        "stage_id",
        "stage__name",
        "publication__slug",
        "publication__number",
        "publication__change_kind",
        "go_live_at",
    )
    return countries, rows


@require_safe
def determinations_csv(request):
    only = request.GET.get("country") or None  # an empty choice, as in the list's filters
    # Checked before the response starts: once the header row is out, an error in the
    # query could only cut the file short.
    if only is not None and not slug_re.fullmatch(only):
        return _error(request, 400, "bad_country", "country must be a country's slug.")
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        countries, rows = determination_rows(only)
        for (
            country_id,
            stage,
            stage_name,
            alert,
            number,
            kind,
            when,
        ) in rows.iterator(chunk_size=2000):
            country = countries[country_id]
            # Every text cell, not only those editors type today: a slug or a stage
            # name is text someone chose too (OWASP's CSV injection rule).
            yield writer.writerow(
                [
                    safe_cell(country.name),
                    safe_cell(country.slug),
                    safe_cell(country.iso_code),
                    stage,
                    safe_cell(stage_name),
                    safe_cell(alert),
                    number,
                    safe_cell(kind),
                    when.isoformat(),
                    when.date().isoformat(),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="determinations.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
