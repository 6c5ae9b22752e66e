"""Sitemaps of the public site: live alerts, countries with live determinations, pages."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import public_data


class AlertSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000  # URLs per sitemap page; the index lists the pages

    def items(self):
        # Spans (counted without reading publications) with each one's slug.
        return (
            public_data.live_alerts()
            .select_related("publication")
            .only("starts_at", "publication__slug")
            .order_by("-starts_at", "-publication_id")
        )

    @property
    def paginator(self):
        paginator = super().paginator
        count = public_data.count_live()
        if count is not None:
            paginator.count = count  # kept, not counted (public_data.count_live)
        return paginator

    def location(self, item):
        return reverse("public:alert_detail", args=[item.publication.slug])

    def lastmod(self, item):
        return item.starts_at

    def get_latest_lastmod(self):
        # The default takes the max over every item in Python: 100,000 rows loaded for
        # one date in the sitemap index (2 s), and the newest of the items, sorted,
        # 47 ms. The newest open-ended span is read backwards off its partial index;
        # the spans that end later are few.
        live = public_data.live_alerts().order_by("-starts_at")
        starts = [
            live.filter(ends_at__isnull=True).values_list("starts_at", flat=True).first(),
            live.filter(ends_at__isnull=False).values_list("starts_at", flat=True).first(),
        ]
        return max((s for s in starts if s is not None), default=None)


class CountrySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return public_data.live_countries().only("slug").order_by("slug")

    def location(self, item):
        return reverse("public:country_detail", args=[item.slug])


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return ["public:home", "public:alert_list", "public:country_list", "public:stage_list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"alerts": AlertSitemap, "countries": CountrySitemap, "pages": PageSitemap}
