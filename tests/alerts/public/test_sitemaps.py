"""The sitemap lists live alerts and rated countries, and nothing else."""

import pytest
from django.urls import reverse

from tests.alerts.public.helpers import fetch
from tests.builders import make_alert

pytestmark = pytest.mark.django_db


def test_sitemap_index_and_sections(client, publication, withdrawn, editor):
    make_alert(author=editor, title="A draft alert", slug="a-draft-alert")
    index = fetch(client, reverse("public:sitemap"))
    for section in ("alerts", "countries", "pages"):
        assert f"http://testserver/sitemap-{section}.xml" in index

    alerts = fetch(client, reverse("public:sitemap_section", args=["alerts"]))
    assert f"<loc>http://testserver/alerts/{publication.slug}/</loc>" in alerts
    assert "<lastmod>" in alerts
    assert withdrawn.slug not in alerts
    assert "a-draft-alert" not in alerts

    countries = fetch(client, reverse("public:sitemap_section", args=["countries"]))
    assert "<loc>http://testserver/countries/armenia/</loc>" in countries

    pages = fetch(client, reverse("public:sitemap_section", args=["pages"]))
    assert "<loc>http://testserver/stages/</loc>" in pages


def test_sitemap_index_dates_the_alerts_by_the_newest_live_one(client, publication, withdrawn):
    # `withdrawn` went live after `publication` but is not live any more.
    index = fetch(client, reverse("public:sitemap"))
    alerts_entry = index.split("sitemap-alerts.xml</loc>")[1].split("</sitemap>")[0]
    assert withdrawn.go_live_at > publication.go_live_at
    assert f"<lastmod>{publication.go_live_at.isoformat()}</lastmod>" in alerts_entry
