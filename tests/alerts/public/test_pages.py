"""The public pages show live publications, rendered from their snapshots."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from alerts import diff
from alerts.models import ImmutableError, Level, PublicationDiff
from alerts.templatetags.page_tags import iso
from sources.models import Source
from tests.alerts.public.conftest import publish_alert
from tests.alerts.public.helpers import fetch
from tests.builders import edit_alert, make_source

pytestmark = pytest.mark.django_db


def alert_url(slug):
    return reverse("public:alert_detail", args=[slug])


def titles_in_order(html, titles):
    positions = [html.index(t) for t in titles]
    return positions == sorted(positions)


# --- Home and list ---------------------------------------------------------------------


def test_home_lists_latest_alerts_and_countries_highest_stage_first(client, publication):
    html = fetch(client, reverse("public:home"))

    assert "Emergency in the Caucasus" in html
    assert f'href="{alert_url(publication.slug)}"' in html
    # make_alert rates Armenia at 8 and Azerbaijan at 9 and 10: Azerbaijan comes first.
    assert titles_in_order(html, ["Azerbaijan</a>", "Armenia</a>"])
    assert reverse("public:country_detail", args=["azerbaijan"]) in html


def test_home_and_list_say_so_when_nothing_is_published(client, db):
    assert "No alerts have been published yet" in fetch(client, reverse("public:home"))
    assert "No alerts have been published yet" in fetch(client, reverse("public:alert_list"))


@pytest.fixture
def three_alerts(editor):
    return [
        publish_alert(
            editor,
            title="Watch over the northern valley",
            level=Level.WATCH,
            countries=("Northland",),
            ratings={"Northland": [3]},
            issued_on=datetime.date(2021, 3, 1),
        ),
        publish_alert(
            editor,
            title="Warning for the coastal plain",
            level=Level.WARNING,
            countries=("Coastland", "Northland"),
            ratings={"Coastland": [6], "Northland": [5]},
            issued_on=datetime.date(2022, 6, 1),
        ),
        publish_alert(
            editor,
            title="Emergency in the southern hills",
            level=Level.EMERGENCY,
            countries=("Southland",),
            ratings={"Southland": [9]},
            issued_on=datetime.date(2023, 9, 1),
            summary="Massacres of villagers are reported [1].",
        ),
    ]


def list_titles(client, query=""):
    html = fetch(client, reverse("public:alert_list") + query)
    return re.findall(r'<h3 id="alert-\d+">\s*<a href="[^"]+">([^<]+)</a>', html), html


def test_list_shows_every_live_alert_newest_first(client, three_alerts):
    titles, html = list_titles(client)
    assert titles == [
        "Emergency in the southern hills",
        "Warning for the coastal plain",
        "Watch over the northern valley",
    ]
    assert "3 alerts" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?country=northland", ["Warning for the coastal plain", "Watch over the northern valley"]),
        ("?level=3", ["Emergency in the southern hills"]),
        ("?stage=6", ["Warning for the coastal plain"]),
        # Country and stage apply to the same determination: Northland is never at 6.
        ("?country=northland&stage=6", []),
        ("?country=northland&stage=5", ["Warning for the coastal plain"]),
        ("?issued_after=2022-01-01&issued_before=2022-12-31", ["Warning for the coastal plain"]),
        ("?issued_after=2022-06-02", ["Emergency in the southern hills"]),
        ("?q=massacres", ["Emergency in the southern hills"]),
        ("?q=coastal", ["Warning for the coastal plain"]),
    ],
)
def test_list_filters(client, three_alerts, query, expected):
    titles, _ = list_titles(client, query)
    assert titles == expected


def test_filter_state_is_in_the_url_and_the_form(client, three_alerts):
    _, html = list_titles(client, "?country=northland&level=2&q=coastal")
    assert re.search(r'<option value="northland" selected>', html)
    assert re.search(r'<option value="2" selected>', html)
    assert 'value="coastal"' in html


def test_an_empty_result_says_so(client, three_alerts):
    titles, html = list_titles(client, "?q=nothingmatchesthis")
    assert titles == []
    assert "No alerts match these filters" in html


def test_an_invalid_filter_value_shows_an_error_and_no_alerts(client, three_alerts):
    titles, html = list_titles(client, "?country=atlantis")
    assert titles == []
    assert "Select a valid choice" in html


def test_pagination_keeps_the_filters(client, editor, monkeypatch):
    monkeypatch.setattr("alerts.public.views.PER_PAGE", 2)
    for n in range(5):
        publish_alert(editor, title=f"Paged alert {n}", level=Level.WARNING)
    html = fetch(client, reverse("public:alert_list") + "?level=2")
    assert "Page 1 of 3" in html
    assert 'href="?level=2&amp;page=2"' in html
    titles, html = list_titles(client, "?level=2&page=3")
    assert titles == ["Paged alert 0"]


# --- Alert page --------------------------------------------------------------------------


def test_alert_page_renders_the_snapshot_with_everything_a_reader_needs(client, publication):
    html = fetch(client, alert_url(publication.slug))

    assert '<h1 id="alert-title">Emergency in the Caucasus</h1>' in html
    assert "Genocide Warning" in html
    assert 'href="/countries/armenia/"' in html
    assert "Issued" in html
    assert "2020-11-01" in html
    assert "First published" in html
    assert "Version</dt>" in html
    assert "Stage determinations" in html
    assert "Persecution" in html
    assert "Evidence of persecution" in html
    assert "The UN Security Council" in html
    # Footnotes: marker → reference, reference → back to the marker.
    assert 'href="#ref-1"' in html
    assert 'id="ref-1"' in html
    assert 'href="#cite-1-1"' in html
    assert 'id="cite-1-1"' in html
    # External links open safely.
    for tag in re.findall(r'<a [^>]*target="_blank"[^>]*>', html):
        assert "noopener" in tag
        assert "noreferrer" in tag
    # Sharing, search engines and print.
    canonical = f"http://testserver{alert_url(publication.slug)}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert 'property="og:title" content="Genocide Warning: Emergency in the Caucasus"' in html
    assert 'property="og:description" content="A summary that cites the convention."' in html
    assert f"Printed from {canonical} · version 1" in html
    assert 'media="print"' in html


def test_archive_links_are_shown_where_present(client, editor):
    source = make_source("Archived report", archive_url="https://web.archive.org/web/2020/x")
    pub = publish_alert(editor, title="Alert with an archive", sources=[source, make_source()])
    html = fetch(client, alert_url(pub.slug))
    assert 'href="https://web.archive.org/web/2020/x"' in html
    assert "Archived copy" in html


def test_the_page_shows_the_published_snapshot_not_later_edits(client, publication, editor):
    edit_alert(publication.alert, user=editor, title="An unpublished new title")
    Source.objects.filter(pk__in=publication.alert.citations.values("source")).update(
        title="A renamed source"
    )
    html = fetch(client, alert_url(publication.slug))
    assert "Emergency in the Caucasus" in html
    assert "An unpublished new title" not in html
    assert "A renamed source" not in html


def test_updates_show_last_updated_and_the_change_note(client, updated):
    html = fetch(client, alert_url(updated.slug))
    assert "A revised summary" in html
    assert "Last updated" in html
    assert "Updated" in html
    assert "New reports of forced displacement." in html
    assert "?from=1&amp;to=2" in html


def test_corrections_are_labelled_as_corrections(client, publication, editor):
    edit_alert(publication.alert, user=editor, assessment="Corrected assessment.")
    from tests.alerts.workflow_helpers import publish

    corrected = publish(
        publication.alert,
        editor=editor,
        change_kind="correction",
        change_note="The date of the attack was wrong.",
    )
    html = fetch(client, alert_url(corrected.slug))
    assert "Corrected" in html
    assert "The date of the attack was wrong." in html


# --- Versions ----------------------------------------------------------------------------


def test_versions_page_lists_every_publication_and_diffs_the_last_two(client, updated):
    html = fetch(client, reverse("public:alert_versions", args=[updated.slug]))
    assert "Version 2" in html
    assert "Version 1" in html
    assert "First publication" in html
    assert "Update" in html
    assert "New reports of forced displacement." in html
    assert "Changes from version 1 to version 2" in html
    assert "<ins>" in html
    assert "revised" in html


def test_versions_diff_between_any_two(client, updated):
    url = reverse("public:alert_versions", args=[updated.slug])
    html = fetch(client, url + "?from=none&to=1")
    assert "Version 1 compared with nothing published before" in html
    html = fetch(client, url + "?from=2&to=2")
    assert "nothing to compare" in html
    # Nonsense numbers fall back to the newest pair rather than failing.
    html = fetch(client, url + "?from=x&to=99")
    assert "Changes from version 1 to version 2" in html


def test_a_diff_between_two_publications_is_made_once_and_kept(client, updated, monkeypatch):
    url = reverse("public:alert_versions", args=[updated.slug])
    # Kept as it was published: its versions page shows it first.
    kept = PublicationDiff.objects.get(new=updated)
    assert kept.old.number == 1
    first = fetch(client, url)
    assert first.count("<ins>") > 0
    # Any other pair is kept when first asked for.
    PublicationDiff.objects.get(new=updated.alert.publications.get(number=1))
    fetch(client, url + "?from=none&to=2")
    assert PublicationDiff.objects.filter(old=None, new=updated).exists()
    cache.clear()  # past the page cache: the view itself must not diff again

    def no_second_diff(old, new):
        raise AssertionError("a kept diff was worked out again")

    monkeypatch.setattr(diff, "snapshot_changes", no_second_diff)
    again = fetch(client, url)

    assert "Changes from version 1 to version 2" in again
    assert again.count("<ins>") == first.count("<ins>")
    assert fetch(client, url + "?from=none&to=2").count("<ins>") > first.count("<ins>")
    assert PublicationDiff.objects.count() == 3


def test_a_kept_diff_never_changes(updated):
    kept = PublicationDiff.objects.get(new=updated)
    with pytest.raises(ImmutableError):
        kept.save()
    with pytest.raises(ImmutableError):
        PublicationDiff.objects.filter(pk=kept.pk).update(changes={})


def test_an_old_version_is_shown_as_it_was(client, updated):
    html = fetch(client, reverse("public:alert_version", args=[updated.slug, 1]))
    assert "A summary that cites the convention" in html
    assert "A revised summary" not in html
    assert "It has since been replaced" in html
    assert 'name="robots" content="noindex"' in html
    fetch(client, reverse("public:alert_version", args=[updated.slug, 3]), status=404)


# --- Countries and stages ------------------------------------------------------------


def test_countries_page_sorts_by_stage_and_by_name(client, publication):
    url = reverse("public:country_list")
    html = fetch(client, url)
    assert titles_in_order(html, ["Azerbaijan</a>", "Armenia</a>"])
    assert "Last changed" in html
    html = fetch(client, url + "?sort=name")
    assert titles_in_order(html, ["Armenia</a>", "Azerbaijan</a>"])


def test_country_page_has_a_chart_a_table_and_the_alerts(client, updated, editor):
    publish_alert(editor, title="A second alert on Armenia", ratings={"Armenia": [9]})
    html = fetch(client, reverse("public:country_detail", args=["armenia"]))

    assert "<svg" in html
    assert 'role="img"' in html
    assert '<title id="chart-title">' in html
    # Three publications rated Armenia (8, 8 again in the update, then 9): two changes.
    assert html.count("<circle") == 2
    assert "2 publications, the latest on" in html
    assert 'id="history-table"' in html
    assert "A second alert on Armenia" in html
    assert "Emergency in the Caucasus" in html
    # The current determination comes from the newest alert that rates the country.
    current = re.search(r"<dt>Current stages</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1)
    assert "Extermination" in current
    assert "Persecution" not in current


def test_countries_page_dates_a_long_unchanged_run_on_or_before_what_it_read(
    client, editor, publication, monkeypatch
):
    from alerts import succession
    from alerts.public import queries

    later = [publish_alert(editor, title=f"Later {n}", ratings={"Armenia": [8]}) for n in (1, 2)]
    armenia_row = re.compile(
        r'<tr>\s*<th scope="row">\s*<a href="/countries/armenia/".*?</tr>', re.S
    )

    row = armenia_row.search(fetch(client, reverse("public:country_list"))).group(0)
    assert "On or before" not in row
    assert f'datetime="{iso(publication.go_live_at)}"' in row  # read it all: exact

    # Armenia has one row per publication: two rows is one whole point after the cut.
    # The date is worked out when the country's spans are written, so write them again.
    monkeypatch.setattr(queries, "CHANGED_AT_ROWS", 2)
    succession.rebuild_all()
    cache.clear()
    row = armenia_row.search(fetch(client, reverse("public:country_list"))).group(0)
    assert "On or before" in row
    assert f'datetime="{iso(later[1].go_live_at)}"' in row


def test_a_long_country_history_shows_its_latest_part_and_links_the_rest(
    client, editor, publication, monkeypatch
):
    from alerts.public import views

    monkeypatch.setattr(views, "COUNTRY_HISTORY", 2)
    for n in (1, 2):
        publish_alert(editor, title=f"Later alert {n}", ratings={"Armenia": [8]})
    publish_alert(editor, title="An alert on Georgia only", countries=("Georgia",))

    html = fetch(client, reverse("public:country_detail", args=["armenia"]))

    # Armenia was rated 8 three times; the page looks at the latest two only.
    assert "over its latest 2 publications" in html
    assert "Later alert 2" in html
    assert "2 publications, the latest on" in html
    assert "since at least" in html
    csv_link = reverse("public:api_determinations_csv") + "?country=armenia"
    assert f'href="{csv_link}"' in html

    monkeypatch.setattr(views, "COUNTRY_HISTORY", 3)
    cache.clear()  # the page is cached, and nothing published since
    html = fetch(client, reverse("public:country_detail", args=["armenia"]))
    assert "over its latest" not in html
    assert "since at least" not in html
    assert csv_link not in html


def test_unknown_and_unrated_countries_are_404(client, publication):
    from tests.builders import make_country

    make_country("Nowhere")
    fetch(client, reverse("public:country_detail", args=["nowhere"]), status=404)
    fetch(client, reverse("public:country_detail", args=["atlantis"]), status=404)


def test_stages_page_lists_the_ten_stages_with_current_countries(client, publication):
    html = fetch(client, reverse("public:stage_list"))
    assert html.count('class="stage-badge') == 10
    stage_8 = re.search(r'id="stage-8".*?</li>', html, re.S).group(0)
    assert "Armenia" in stage_8
    assert "Azerbaijan" not in stage_8


# --- Withdrawn, unknown, renamed, broken ------------------------------------------------


def test_withdrawn_alert_answers_410_with_the_notice(client, withdrawn):
    for url in [
        alert_url("withdrawn-alert"),
        reverse("public:alert_versions", args=["withdrawn-alert"]),
        reverse("public:alert_version", args=["withdrawn-alert", 1]),
    ]:
        html = fetch(client, url, status=410)
        assert "This alert has been withdrawn" in html
        assert "Its main source was discredited." in html
        assert re.search(r"withdrawn on\s*<time", html)


def test_withdrawn_alert_drops_out_of_lists_and_counts(client, publication, withdrawn):
    for url in [reverse("public:home"), reverse("public:alert_list")]:
        html = fetch(client, url)
        assert "An alert later withdrawn" not in html
    assert "1 alert" in fetch(client, reverse("public:alert_list"))


def test_unknown_slug_is_a_helpful_404(client, db):
    html = fetch(client, alert_url("no-such-alert"), status=404)
    assert "We could not find that page" in html
    assert 'name="q"' in html  # a search box
    assert reverse("public:alert_list") in html


def test_a_renamed_alert_redirects_from_its_old_address(client, publication, editor):
    from tests.alerts.workflow_helpers import publish

    edit_alert(publication.alert, user=editor, slug="caucasus-emergency")
    publish(publication.alert, editor=editor, change_kind="update", change_note="Renamed.")
    response = client.get(alert_url(publication.slug))
    assert response.status_code == 301
    assert response["Location"] == alert_url("caucasus-emergency")


def test_a_renamed_alert_is_listed_once_on_a_country_page_under_its_new_name(
    client, publication, editor
):
    from tests.alerts.workflow_helpers import publish

    edit_alert(publication.alert, user=editor, slug="caucasus-emergency")
    publish(publication.alert, editor=editor, change_kind="update", change_note="Renamed.")
    html = fetch(client, reverse("public:country_detail", args=["armenia"]))
    section = html[html.index("Alerts that rated") :]
    assert section.count(">Emergency in the Caucasus<") == 1, section
    assert alert_url("caucasus-emergency") in section


def test_errors_show_a_page_without_a_stack_trace(db, monkeypatch, settings):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("alerts.public.queries.live_alerts", broken)
    client = Client(raise_request_exception=False)
    response = client.get(reverse("public:home"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "secret internals" not in html
    assert "Traceback" not in html


def test_public_pages_refuse_to_change_anything(client, publication):
    response = client.post(reverse("public:alert_list"))
    assert response.status_code in (403, 405)


def test_robots_txt_points_to_the_sitemap_and_keeps_robots_out_of_staff_pages(client, db):
    text = fetch(client, reverse("public:robots_txt"))
    assert "Disallow: /admin/" in text
    assert "Disallow: /staff/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text
