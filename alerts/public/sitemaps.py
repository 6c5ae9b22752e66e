"""Sitemaps of the public site: live alerts, countries with live determinations, pages."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from . import queries


class AlertSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000  # URLs per sitemap page; the index lists the pages

    def items(self):
        return queries.current().only("slug", "go_live_at").order_by("-go_live_at", "-id")

    def location(self, item):
        return reverse("public:alert_detail", args=[item.slug])

    def lastmod(self, item):
        return item.go_live_at

    def get_latest_lastmod(self):
        # The default takes the max over every item in Python: one query instead.
        return queries.current().aggregate(latest=Max("go_live_at"))["latest"]


class CountrySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        # Under the address the public knows it by: the one its publications recorded.
        return queries.live_countries().only("pk").order_by("public_slug")

    def location(self, item):
        return reverse("public:country_detail", args=[item.public_slug])


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return ["public:home", "public:alert_list", "public:country_list", "public:stage_list"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"alerts": AlertSitemap, "countries": CountrySitemap, "pages": PageSitemap}
