"""What the public sees of a country (name, address, region, other names) is what a
reviewed publication recorded: an edit to a Country reaches readers only with the
next publication that includes it, and every address it had leads to it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import workflow
from alerts.models import ChangeKind
from alerts.public import queries
from stages.models import Country
from tests.alerts.public.helpers import body_of, crawl, machine_urls
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, edit_country, make_alert, make_editor, make_reviewer

pytestmark = pytest.mark.django_db

NEW_NAME = "Quorvania"  # a word found nowhere else, so its absence proves something


def every_public_page(client):
    sitemaps = [
        reverse("public:sitemap_section", args=[section]) for section in ("countries", "pages")
    ]
    pages = crawl(client, [reverse("public:home"), *machine_urls(), *sitemaps])
    # The list page's filter choices, the country's own feed.
    for url in [reverse("public:alert_list"), reverse("public:feed_country", args=["armenia"])]:
        response = client.get(url)
        pages[url] = (response.status_code, body_of(response))
    return pages


def assert_nowhere(client, word):
    for url, (_, body) in every_public_page(client).items():
        assert word not in body, f"{word} shows on {url} before any review"


def update(alert, *, editor, note):
    edit_alert(alert, user=editor, title=f"{alert.title}, updated")
    return publish(alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note=note)


@pytest.fixture
def published(editor):
    alert = make_alert(author=editor, title="Blockade of the corridor")
    publish(alert, editor=editor)
    return alert


def test_an_edit_to_a_country_shows_nowhere_until_a_publication_carries_it(
    client, published, editor
):
    armenia = Country.objects.get(slug="armenia")
    edit_country(
        armenia,
        user=make_editor("geographer"),
        name=NEW_NAME,
        slug="quorvania",
        region="Nowhere region",
        aliases="Old Quorv",
    )

    assert_nowhere(client, NEW_NAME)
    assert_nowhere(client, "Nowhere region")
    assert client.get(reverse("public:country_detail", args=["quorvania"])).status_code == 404
    assert client.get(reverse("public:country_detail", args=["armenia"])).status_code == 200

    update(published, editor=editor, note="Armenia's name as the country uses it now.")

    for url in [
        reverse("public:home"),
        reverse("public:country_list"),
        reverse("public:stage_list"),
        reverse("public:country_detail", args=["quorvania"]),
        reverse("public:feed_country", args=["quorvania"]),
        reverse("public:alert_list"),  # the country filter's choices
        reverse("public:api_determinations_csv"),
        reverse("public:sitemap_section", args=["countries"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = body_of(response)
        assert NEW_NAME in body or "/countries/quorvania/" in body, f"{url}: not the new name"
    assert queries.public_countries([armenia.pk])[armenia.pk].region == "Nowhere region"
    assert queries.public_countries([armenia.pk])[armenia.pk].aliases == "Old Quorv"


def test_every_old_address_of_a_country_redirects_permanently(client, published, editor):
    armenia = Country.objects.get(slug="armenia")
    edit_country(armenia, user=editor, name="Armenia (first rename)", slug="armenia-one")
    update(published, editor=editor, note="First rename.")
    edit_country(armenia, user=editor, name=NEW_NAME, slug="quorvania")
    update(published, editor=editor, note="Second rename.")

    for old in ("armenia", "armenia-one"):
        response = client.get(reverse("public:country_detail", args=[old]))
        assert response.status_code == 301, old
        assert response["Location"] == reverse("public:country_detail", args=["quorvania"])
        response = client.get(reverse("public:feed_country", args=[old]))
        assert response.status_code == 301, old
        assert response["Location"] == reverse("public:feed_country", args=["quorvania"])
    page = client.get(reverse("public:country_detail", args=["quorvania"]))
    assert page.status_code == 200
    assert NEW_NAME in page.content.decode()
    csv = client.get(reverse("public:api_determinations_csv") + "?country=armenia-one")
    assert "quorvania" in b"".join(csv.streaming_content).decode()


def test_a_withdrawn_publication_takes_its_record_of_the_country_with_it(client, published, editor):
    armenia = Country.objects.get(slug="armenia")
    other = make_alert(author=editor, title="Another alert on Armenia")
    edit_country(armenia, user=editor, name=NEW_NAME)
    publish(other, editor=editor)
    assert queries.public_countries([armenia.pk])[armenia.pk].name == NEW_NAME

    workflow.withdraw(alert=other, user=make_reviewer("withdrawer"), reason="Sources retracted.")

    assert queries.public_countries([armenia.pk])[armenia.pk].name == "Armenia"
    assert NEW_NAME not in client.get(reverse("public:country_list")).content.decode()


def test_a_scheduled_publication_renames_the_country_only_when_it_goes_live(published, editor):
    armenia = Country.objects.get(slug="armenia")
    edit_country(armenia, user=editor, name=NEW_NAME, slug="quorvania")
    go_live = timezone.now() + datetime.timedelta(hours=2)
    edit_alert(published, user=editor, title="Scheduled update")
    publish(
        published,
        editor=editor,
        change_kind=ChangeKind.UPDATE,
        change_note="Renamed.",
        go_live_at=go_live,
    )

    assert queries.public_countries([armenia.pk])[armenia.pk].name == "Armenia"
    assert queries.published_country("quorvania") is None
    later = go_live + datetime.timedelta(minutes=1)
    assert queries.public_countries([armenia.pk], now=later)[armenia.pk].name == NEW_NAME
    assert queries.published_country("armenia", now=later).slug == "quorvania"
