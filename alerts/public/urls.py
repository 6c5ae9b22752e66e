"""Public URLs. Every view here shows only live publications (Publication.objects.live)."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import api, asset_views, feeds, views
from .page_cache import cache_public_page
from .sitemaps import SITEMAPS

app_name = "public"

# Every page here is the same for every reader: kept by the page cache and the front
# cache (alerts/public/page_cache.py, front_cache.py), which the workflow tells of
# every public change. The one exception is the audit chain's head, which every
# workflow event moves (public or not): never cached (views.audit_head).

urlpatterns = [
    path("", cache_public_page(views.home), name="home"),
    path("alerts/", cache_public_page(views.alert_list), name="alert_list"),
    path("alerts/<slug:slug>/", cache_public_page(views.alert_detail), name="alert_detail"),
    path(
        "alerts/<slug:slug>/versions/",
        cache_public_page(views.alert_versions),
        name="alert_versions",
    ),
    path(
        "alerts/<slug:slug>/versions/<int:number>/",
        cache_public_page(views.alert_version),
        name="alert_version",
    ),
    # Sharing and printing: the social card and the PDF, of the current version and of
    # each version (alerts/public/asset_views.py).
    path(
        "alerts/<slug:slug>/card.png",
        cache_public_page(asset_views.alert_card),
        name="alert_card",
    ),
    path(
        "alerts/<slug:slug>/alert.pdf",
        cache_public_page(asset_views.alert_pdf),
        name="alert_pdf",
    ),
    path(
        "alerts/<slug:slug>/versions/<int:number>/card.png",
        cache_public_page(asset_views.version_card),
        name="version_card",
    ),
    path(
        "alerts/<slug:slug>/versions/<int:number>/alert.pdf",
        cache_public_page(asset_views.version_pdf),
        name="version_pdf",
    ),
    path("countries/", cache_public_page(views.country_list), name="country_list"),
    path(
        "countries/<slug:slug>/",
        cache_public_page(views.country_detail),
        name="country_detail",
    ),
    path("stages/", cache_public_page(views.stage_list), name="stage_list"),
    path("audit/", views.audit_head, name="audit_head"),
    # Machines: Atom feeds, JSON API, CSV.
    path("feeds/alerts/", cache_public_page(feeds.AlertsFeed()), name="feed_alerts"),
    path(
        "feeds/countries/<slug:slug>/",
        cache_public_page(feeds.CountryFeed()),
        name="feed_country",
    ),
    path("api/alerts/", cache_public_page(api.alert_list), name="api_alert_list"),
    path("api/alerts/<slug:slug>/", cache_public_page(api.alert_detail), name="api_alert_detail"),
    path(
        "api/alerts/<slug:slug>/versions/<int:number>/",
        cache_public_page(api.alert_version),
        name="api_alert_version",
    ),
    path("api/withdrawals/", cache_public_page(api.withdrawal_list), name="api_withdrawals"),
    path("api/audit/head/", api.audit_head, name="api_audit_head"),
    path(
        "api/determinations.csv",
        cache_public_page(api.determinations_csv),
        name="api_determinations_csv",
    ),
    # Search engines.
    path(
        "sitemap.xml",
        cache_public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "public:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_public_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", cache_public_page(views.robots_txt), name="robots_txt"),
]
