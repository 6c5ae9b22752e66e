"""The JSON API and the CSV of determinations: live data only, with stable field names."""

import csv
import io

import pytest
from django.urls import reverse

from alerts.public.api import CSV_COLUMNS, safe_cell
from tests.alerts.public.conftest import publish_alert
from tests.alerts.public.helpers import body_of
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_country

pytestmark = pytest.mark.django_db

# The documented field names (docs/api.md). Renaming one breaks researchers' scripts.
LIST_ITEM_FIELDS = {
    "slug",
    "title",
    "level",
    "level_label",
    "issued_on",
    "summary",
    "countries",
    "withdrawn",
    "url",
    "api_url",
    "publication",
}
PUBLICATION_FIELDS = {"number", "change_kind", "change_note", "go_live_at", "url", "api_url"}
DETAIL_FIELDS = {
    "api_version",
    "slug",
    "withdrawn",
    "is_current",
    "url",
    "publication",
    "current_publication",
    "versions",
    "withheld",
    "snapshot",
}


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_alert_list_is_paginated_with_stable_fields(client, editor, monkeypatch):
    monkeypatch.setattr("alerts.public.api.PER_PAGE", 2)
    for n in range(3):
        publish_alert(editor, title=f"Listed alert {n}")
    data = get_json(client, reverse("public:api_alert_list"))

    assert data["api_version"] == 1
    assert data["count"] == 3
    assert data["num_pages"] == 2
    assert data["previous"] is None
    assert data["next"] == "http://testserver/api/alerts/?page=2"
    item = data["results"][0]
    assert set(item) == LIST_ITEM_FIELDS
    assert set(item["publication"]) == PUBLICATION_FIELDS
    assert item["countries"][0] == {"slug": "armenia", "name": "Armenia", "iso_code": ""}
    assert item["withdrawn"] is False
    page_2 = get_json(client, data["next"])
    assert len(page_2["results"]) == 1
    assert page_2["next"] is None


def test_alert_detail_is_the_latest_live_snapshot_with_its_versions(client, updated):
    data = get_json(client, reverse("public:api_alert_detail", args=[updated.slug]))

    assert set(data) == DETAIL_FIELDS
    assert data["snapshot"] == updated.snapshot
    assert data["publication"]["number"] == 2
    assert data["publication"]["change_kind"] == "update"
    assert data["publication"]["change_note"] == "New reports of forced displacement."
    assert data["is_current"] is True
    assert [v["number"] for v in data["versions"]] == [1, 2]


def test_a_version_is_that_publication_as_it_was(client, updated, publication):
    url = reverse("public:api_alert_version", args=[updated.slug, 1])
    data = get_json(client, url)
    assert data["snapshot"] == publication.snapshot
    assert data["is_current"] is False
    assert data["current_publication"] == 2
    get_json(client, reverse("public:api_alert_version", args=[updated.slug, 9]), status=404)


def test_withdrawn_alerts_answer_410_marked_withdrawn(client, withdrawn):
    data = get_json(client, reverse("public:api_alert_detail", args=[withdrawn.slug]), status=410)
    assert data["withdrawn"] is True
    assert data["reason"] == "Its main source was discredited."
    assert data["withdrawn_at"]
    assert get_json(client, reverse("public:api_alert_list"))["count"] == 0
    [entry] = get_json(client, reverse("public:api_withdrawals"))["results"]
    assert entry["slug"] == withdrawn.slug
    assert entry["withdrawn"] is True


def test_a_renamed_alert_redirects_from_its_old_api_address(client, publication, editor):
    edit_alert(publication.alert, user=editor, slug="caucasus-emergency")
    publish(publication.alert, editor=editor, change_kind="update", change_note="Renamed.")
    old_detail = client.get(reverse("public:api_alert_detail", args=[publication.slug]))
    assert old_detail.status_code == 301
    assert old_detail["Location"] == reverse("public:api_alert_detail", args=["caucasus-emergency"])
    old_version = client.get(reverse("public:api_alert_version", args=[publication.slug, 1]))
    assert old_version.status_code == 301
    assert old_version["Location"] == reverse(
        "public:api_alert_version", args=["caucasus-emergency", 1]
    )
    assert client.get(old_version["Location"]).json()["slug"] == "caucasus-emergency"


def test_unknown_alert_is_a_json_404(client, db):
    data = get_json(client, reverse("public:api_alert_detail", args=["nope"]), status=404)
    assert data["error"] == "not_found"


def read_csv(client):
    response = client.get(reverse("public:api_determinations_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(body_of(response))))


@pytest.fixture
def armenia_with_its_code(db):
    return make_country("Armenia", iso_code="AM")


def test_csv_has_one_row_per_published_determination(
    client, armenia_with_its_code, updated, withdrawn
):
    rows = read_csv(client)

    assert list(rows[0]) == list(CSV_COLUMNS)
    # Two live publications, each rating Armenia 8 and Azerbaijan 9 and 10; the
    # withdrawn alert's determinations are not there.
    assert len(rows) == 6
    first = rows[0]
    assert first["country"] == "Armenia"
    assert first["iso_code"] == "AM"
    assert first["stage"] == "8"
    assert first["stage_name"] == "Persecution"
    assert first["alert_slug"] == updated.slug
    assert first["publication"] == "1"
    assert first["go_live_date"] == first["go_live_at"][:10]
    assert [r["publication"] for r in rows] == ["1", "1", "1", "2", "2", "2"]
    assert {r["alert_slug"] for r in rows} == {updated.slug}


def test_csv_can_be_limited_to_one_country(client, updated, withdrawn):
    response = client.get(reverse("public:api_determinations_csv") + "?country=armenia")
    rows = list(csv.DictReader(io.StringIO(body_of(response))))
    assert [(r["country_slug"], r["publication"]) for r in rows] == [
        ("armenia", "1"),
        ("armenia", "2"),
    ]


@pytest.mark.parametrize("country", ["a\x00b", "armenia;x", "arménie"])
def test_csv_refuses_a_country_that_is_not_a_slug_before_sending_a_row(client, updated, country):
    response = client.get(reverse("public:api_determinations_csv"), {"country": country})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_country"


def test_csv_with_an_empty_country_is_every_country(client, updated):
    everything = body_of(client.get(reverse("public:api_determinations_csv")))
    response = client.get(reverse("public:api_determinations_csv") + "?country=")
    assert body_of(response) == everything


def test_csv_of_a_country_without_determinations_is_the_header_alone(client, updated):
    response = client.get(reverse("public:api_determinations_csv") + "?country=atlantis")
    assert response.status_code == 200
    assert list(csv.DictReader(io.StringIO(body_of(response)))) == []


def test_csv_cells_cannot_become_spreadsheet_formulas(client, editor):
    publish_alert(editor, title="Formula country", countries=("=HYPERLINK(1)",))
    rows = read_csv(client)
    assert {r["country"] for r in rows} == {"'=HYPERLINK(1)"}
    assert safe_cell("+1") == "'+1"
    assert safe_cell("Armenia") == "Armenia"


def test_no_csv_text_cell_can_start_a_formula(client, editor):
    """OWASP's rule on every text column, whatever typed it: names, slugs, codes."""
    country = make_country("@Risky", iso_code="+12")
    publish_alert(
        editor,
        title="Minus alert",
        slug="-minus-alert",
        countries=(country.name,),
        ratings={country.name: [4]},
    )
    rows = read_csv(client)
    assert rows
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    assert {r["alert_slug"] for r in rows} == {"'-minus-alert"}
    assert {r["iso_code"] for r in rows} == {"'+12"}
