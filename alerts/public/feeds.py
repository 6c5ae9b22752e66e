"""Atom feeds: every live publication (first, update, correction) and every withdrawal.

An update or correction is a new entry carrying its public change note, so a reader
following the feed sees each change as it happens. A withdrawn alert's publications
leave the feed (they start from ``Publication.objects.live()``, which excludes
them) and a withdrawal entry with the date and reason takes their place.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from ..models import ChangeKind, Level, PublishedDetermination
from . import queries

MAX_ENTRIES = 50
# XML 1.0 cannot carry these; Django's feed writer refuses them rather than drop them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    """``value`` without the characters XML 1.0 forbids (editors' text may hold any)."""
    return _NOT_XML.sub("", str(value))


KIND_PREFIX = {ChangeKind.UPDATE: "Updated: ", ChangeKind.CORRECTION: "Corrected: "}


@dataclass
class Entry:
    title: str
    link: str
    description: str
    when: datetime
    guid: str
    categories: list = field(default_factory=list)


def _publication_entry(pub):
    """The entry of a publication: its change note, then its summary (rendered at
    publication, alerts/rendering.py)."""
    link = reverse("public:alert_version", args=[pub.slug, pub.number])
    note = ""
    if pub.change_note:
        kind = ChangeKind(pub.change_kind).label
        note = format_html("<p><strong>{}:</strong> {}</p>", kind, pub.change_note)
    summary = pub.summary_html
    title = KIND_PREFIX.get(pub.change_kind, "") + pub.title
    if pub.withheld_at is not None:
        # Withheld for someone's safety: the notice, never the text (nor the title).
        note = ""
        title = queries.withheld_notice(pub.number, pub.withheld_at, pub.withheld_reason)
        summary = format_html("<p>{}</p>", title)
    return Entry(
        title=title,
        link=link,
        description=f"{note}{summary}",
        when=pub.go_live_at,
        guid=link,
        categories=[Level(pub.level).label, *(c.get("name", "") for c in pub.countries)],
    )


def _withdrawal_entry(withdrawal):
    link = reverse("public:alert_detail", args=[withdrawal.slug])
    return Entry(
        title="Alert withdrawn",
        link=link,
        description=format_html(
            "<p>The alert formerly at this address was withdrawn on {}.</p><p>Reason: {}</p>",
            f"{withdrawal.withdrawn_at:%Y-%m-%d}",
            withdrawal.reason,
        ),
        when=withdrawal.withdrawn_at,
        # One id a withdrawal: an alert restored and withdrawn again has two.
        guid=f"{link}#withdrawn-{withdrawal.pk}",
        categories=["Withdrawn"],
    )


def _entries(publications, withdrawals):
    publications = publications.only(*queries.LIST_FIELDS).with_withholding()[:MAX_ENTRIES]
    entries = [_publication_entry(pub) for pub in publications]
    entries += [_withdrawal_entry(w) for w in withdrawals[:MAX_ENTRIES]]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:MAX_ENTRIES]


class _AtomFeed(Feed):
    feed_type = Atom1Feed
    author_name = "Genocide alerts editors"

    def item_title(self, item):
        return xml_text(item.title)

    def item_link(self, item):
        return item.link

    def item_description(self, item):
        return xml_text(item.description)

    def item_guid(self, item):
        return item.guid

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.when

    def item_updateddate(self, item):
        return item.when

    def item_categories(self, item):
        return [xml_text(c) for c in item.categories]

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        # Atom ids must be absolute IRIs (RFC 4287, 4.2.6); made like the links are.
        domain = get_current_site(request).domain
        for item in feed.items:
            item["unique_id"] = add_domain(domain, item["unique_id"], request.is_secure())
        return feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class AlertsFeed(_AtomFeed):
    title = "Genocide alerts: new alerts, updates, corrections and withdrawals"
    subtitle = "Every publication of a genocide alert, with its change note."

    def link(self):
        return reverse("public:alert_list")

    def feed_url(self):
        return reverse("public:feed_alerts")

    def items(self):
        publications = queries.live().order_by("-go_live_at", "-id")
        return _entries(publications, queries.public_withdrawals())


def _country_withdrawals(country):
    """Public withdrawals of alerts that had publicly rated ``country``."""
    rated_before = PublishedDetermination.objects.filter(
        alert=OuterRef("alert"),
        country=country,
        go_live_at__lte=OuterRef("withdrawn_at"),
    )
    return queries.public_withdrawals().filter(Exists(rated_before))


class CountryFeed(_AtomFeed):
    def __call__(self, request, slug):
        # An address the country had in an earlier publication leads to its feed now.
        country = queries.published_country(slug)
        if country is not None and country.slug != slug:
            return redirect("public:feed_country", country.slug, permanent=True)
        return super().__call__(request, slug=slug)

    def get_object(self, request, slug):
        country = queries.published_country(slug)
        # A country known only from drafts must not be revealed. One whose only alert
        # was withdrawn keeps its feed: its readers must learn of the withdrawal.
        if country is None or not (
            queries.live().filter(determinations__country=country).exists()
            or _country_withdrawals(country).exists()
        ):
            raise Http404("No published alert rates this country.")
        return country

    def title(self, country):
        return xml_text(f"Genocide alerts: {country.name}")

    def subtitle(self, country):
        return xml_text(f"Every publication of an alert that determines {country.name}'s stage.")

    def link(self, country):
        return reverse("public:country_detail", args=[country.slug])

    def feed_url(self, country):
        return reverse("public:feed_country", args=[country.slug])

    def items(self, country):
        rated = PublishedDetermination.objects.filter(publication=OuterRef("pk"), country=country)
        publications = queries.live().filter(Exists(rated)).order_by("-go_live_at", "-id")
        return _entries(publications, _country_withdrawals(country))
