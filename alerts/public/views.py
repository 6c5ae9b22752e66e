"""The public site: server-rendered pages of live publications only.

Every query starts from ``alerts.public.queries`` (and so from ``Publication.objects.live()``
or its narrowing ``current()``). An alert's content was rendered when it was
published (alerts/rendering.py); the page around it renders here, so no request runs
Markdown. Each view issues a small, fixed number of queries whatever the size of the
content (tests/alerts/public/test_query_counts.py holds them to it).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import http_date
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import audit
from ..assets import card_alt
from ..diff import publication_diff
from ..models import ChangeKind, Level
from . import charts, queries, search
from .filters import AlertFilter

HOME_ALERTS = 10
HOME_CHANGES = 8  # the countries whose determination changed most recently
COUNTRY_ALERTS = 50  # the rest are one click away, in the filtered list
# A country's page shows its latest publications' determinations; the whole series
# is in the CSV. Without a bound, one busy country's page grew to megabytes.
COUNTRY_HISTORY = 100
PER_PAGE = 20
COUNTRY_SORTS = {
    "stage": ("Highest stage first", lambda d: (-d.highest, d.country.name)),
    "name": ("Name", lambda d: d.country.name),
    "changed": ("Most recently changed", lambda d: (-d.changed_at.timestamp(), d.country.name)),
}


def _not_live(request, slug, *, view_name, args=()):
    """Why ``slug`` has no live alert: withdrawn (410), renamed (301) or unknown (404)."""
    withdrawal = queries.withdrawal_for(slug)
    if withdrawal is not None:
        # The record stays public: the notice, and the list of versions (without their
        # text, which was withdrawn).
        return render(
            request,
            "410.html",
            {
                "withdrawal": withdrawal,
                "slug": slug,
                "versions": list(reversed(queries.public_record(withdrawal.alert_id))),
            },
            status=410,
        )
    new_slug = queries.renamed_to(slug)
    if new_slug and new_slug != slug:
        return redirect(reverse(view_name, args=[new_slug, *args]), permanent=True)
    raise Http404("No live alert has this address.")


def alert_url(slug):
    return reverse("public:alert_detail", args=[slug])


def origin(request):
    """The scheme and host the request came to, as absolute URLs begin."""
    return f"{request.scheme}://{request.get_host()}"


def alert_context(request, publication, versions, *, is_current):
    """What the alert templates need, for the current page and an older version's."""
    first = versions[0] if versions else None
    path = (
        alert_url(publication.slug)
        if is_current
        else reverse("public:alert_version", args=[publication.slug, publication.number])
    )
    # Its social card and PDF (alerts/public/asset_views.py).
    files, args = (
        ("public:alert_", [publication.slug])
        if is_current
        else ("public:version_", [publication.slug, publication.number])
    )
    return {
        # The header's fields, as the staff preview's snapshot has them.
        "alert": {
            "title": publication.title,
            "level": publication.level,
            "level_label": Level(publication.level).label,
            "issued_on": publication.issued_on.isoformat(),
            "countries": publication.countries,
            "summary_text": publication.summary_text,
        },
        # Rendered and sanitised at publication (alerts/rendering.py).
        "content_html": SafeString(publication.content_html),
        "publication": publication,
        "versions": versions,
        "notes": [v for v in versions if v["change_kind"] != ChangeKind.FIRST and v["change_note"]],
        "first_published": first["go_live_at"] if first else publication.go_live_at,
        "is_current": is_current,
        # Rated countries have a public page (and only those: see country_detail).
        "linked_countries": {c["slug"] for c in publication.countries if c["rated"]},
        "canonical_url": origin(request) + path,
        "card_url": origin(request) + reverse(files + "card", args=args),
        "card_alt": card_alt(publication),
        "pdf_url": reverse(files + "pdf", args=args),
        "current_url": alert_url(publication.slug),
        "nav": "alerts",
    }


@require_safe
def home(request):
    determinations = queries.current_determinations()
    return render(
        request,
        "public/home.html",
        {
            "alerts": queries.live_alerts()[:HOME_ALERTS],
            "determinations": determinations,
            "bands": queries.stage_bands(determinations),
            "recent_changes": queries.recent_changes(determinations, HOME_CHANGES),
        },
    )


@require_safe
def alert_list(request):
    filterset = AlertFilter(request.GET or None, queryset=queries.live_alerts())
    queryset = filterset.qs
    if filterset.is_bound and not filterset.is_valid():
        queryset = queryset.none()
    page = queries.paginate(queryset, PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "public/alert_list.html",
        {
            "filter": filterset,
            "page": page,
            "alerts": page.object_list,
            "search_capped": filterset.search_capped(page.paginator.count),
            "ranked_matches": search.RANKED_MATCHES,
            "nav": "alerts",
        },
    )


@require_safe
def alert_detail(request, slug):
    publication = queries.current_publication(slug, content=True)
    if publication is None:
        return _not_live(request, slug, view_name="public:alert_detail")
    versions = queries.versions_of(publication)
    response = render(
        request,
        "public/alert_detail.html",
        alert_context(request, publication, versions, is_current=True),
    )
    # The page changes only when a version joins its list (ConditionalGetMiddleware
    # answers If-Modified-Since with it).
    response["Last-Modified"] = http_date(max(v["go_live_at"] for v in versions).timestamp())
    return response


def _parse_number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_safe
def alert_versions(request, slug):
    current = queries.current_publication(slug)
    if current is None:
        return _not_live(request, slug, view_name="public:alert_versions")
    versions = queries.versions_of(current)
    # Only live versions can be compared; the list shows withdrawn ones too.
    numbers = [v["number"] for v in versions]
    new = _parse_number(request.GET.get("to"))
    old = _parse_number(request.GET.get("from"))
    if new not in numbers:
        new = numbers[-1]
    if old not in numbers and "from" in request.GET and request.GET["from"] == "none":
        old = None
    elif old not in numbers:
        earlier = [n for n in numbers if n < new]
        old = earlier[-1] if earlier else None
    diff = None
    record = queries.public_record(current.alert_id)
    withheld = {v["number"]: v["withheld"] for v in record if v["withheld"]}
    withheld_in_diff = [withheld[n] for n in (old, new) if n in withheld]
    if old != new and not withheld_in_diff:
        diff = publication_diff(
            queries.live().filter(alert_id=current.alert_id),
            old,
            new,
            old_label=f"Version {old}" if old else "Nothing published before",
            new_label=f"Version {new}",
        )
    return render(
        request,
        "public/alert_versions.html",
        {
            "publication": current,
            "versions": list(reversed(record)),
            "numbers": numbers,
            "diff": diff,
            "withheld_in_diff": withheld_in_diff,
            "diff_old": old,
            "diff_new": new,
            "current_url": alert_url(current.slug),
            "nav": "alerts",
        },
    )


@require_safe
def alert_version(request, slug, number):
    current = queries.current_publication(slug)
    if current is None:
        return _not_live(request, slug, view_name="public:alert_version", args=[number])
    publication = (
        queries.live()
        .filter(alert_id=current.alert_id, number=number)
        .defer("snapshot", "search_document")
        .first()
    )
    if publication is None:
        raise Http404("This alert has no live version with that number.")
    versions = queries.versions_of(publication)
    context = alert_context(request, publication, versions, is_current=False) | {
        "current_number": current.number,
    }
    notice = queries.withheld_versions(current.alert_id).get(publication.number)
    if notice is not None:
        # Withheld for someone's safety: the notice instead of the text.
        context["content_html"] = format_html('<p class="withheld-notice">{}</p>', notice)
        context["alert"]["summary_text"] = notice
        context["alert"]["title"] = current.title
        context["withheld"] = notice
        # Nor its card or PDF (they answer 410).
        context["card_url"] = context["pdf_url"] = None
    return render(request, "public/alert_version.html", context)


@require_safe
def country_list(request):
    determinations = queries.current_determinations()
    sort = request.GET.get("sort")
    if sort not in COUNTRY_SORTS:
        sort = "stage"
    determinations.sort(key=COUNTRY_SORTS[sort][1])
    return render(
        request,
        "public/country_list.html",
        {
            "determinations": determinations,
            "sort": sort,
            "sorts": {key: label for key, (label, _) in COUNTRY_SORTS.items()},
            "nav": "countries",
        },
    )


@require_safe
def country_detail(request, slug):
    # As its publications recorded it: an edit to the country shows only once a
    # reviewed publication carries it, and every address it had leads here.
    country = queries.published_country(slug)
    if country is not None and country.slug != slug:
        return redirect("public:country_detail", country.slug, permanent=True)
    history = queries.country_history(country, COUNTRY_HISTORY + 1) if country else []
    withdrawals = queries.country_withdrawals(country) if country else []
    if not history and not withdrawals:
        # Only countries some public version rates (or rated, before a withdrawal)
        # have a page: a country that exists only in drafts must not be revealed.
        raise Http404("No published alert rates this country.")
    complete = len(history) <= COUNTRY_HISTORY
    history = history[-COUNTRY_HISTORY:]
    current = queries.current_determinations(country=country)
    current = current[0] if current else None
    if current is not None:
        current.changed_at = queries.changed_at_from_history(history, current)
        # What it replaced, from the same history as the date (it reads further back
        # than the spans did): None, no direction, when it does not reach the change.
        current.previous_stages = queries.previous_from_history(history, current, complete=complete)
        # Unchanged over the whole window shown: it may have held for longer.
        current.changed_at_or_before = not complete and current.changed_at == history[0].go_live_at
    alerts = {}
    for point in reversed(history):  # newest first: each alert under its latest name
        alerts.setdefault(point.alert_id, point)
    runs = queries.history_runs(history)
    return render(
        request,
        "public/country_detail.html",
        {
            "country": country,
            "current": current,
            "runs": runs,
            "history_complete": complete,
            "history_size": len(history),
            "chart": charts.stage_history(runs),
            "alerts": list(alerts.values())[:COUNTRY_ALERTS],
            # Older alerts may lie before the history shown: the list links them all.
            "more_alerts": len(alerts) > COUNTRY_ALERTS or not complete,
            "withdrawals": withdrawals,
            "nav": "countries",
        },
    )


@require_safe
def stage_list(request):
    return render(
        request,
        "public/stage_list.html",
        {"stages": queries.stages_with_countries(), "nav": "stages"},
    )


@never_cache
@require_safe
def audit_head(request):
    """The head of the audit chain, for readers to keep. Never cached: every workflow
    event moves it, most of them (a submission, a review) without changing any other
    public page, so a kept copy would be stale with nothing to purge it."""
    return render(
        request,
        "public/audit_head.html",
        {"head": audit.current_head(), "nav": "audit"},
    )


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /staff/",
        f"Sitemap: {request.build_absolute_uri(reverse('public:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
