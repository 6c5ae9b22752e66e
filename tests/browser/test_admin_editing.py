"""An editor writes an alert in the admin, in a real browser, and finds both saves in its history."""

import pytest
import reversion
from playwright.sync_api import Page, expect

from alerts.models import Alert, Level
from tests.browser.staff_login import log_in
from tests.builders import make_country, make_editor, make_source

pytestmark = [
    pytest.mark.browser,
    # live_server serves from another thread, so the data must really be committed;
    # serialized_rollback: see the reference_data fixture in conftest.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SLUG = "genocide-emergency-azerbaijan-and-artsakh"


def choose_autocomplete(page: Page, select_id: str, search: str, option_text: str) -> None:
    """Pick ``option_text`` in the admin's select2 autocomplete widget for ``select_id``."""
    # select2 hides the <select> and puts its own widget right after it.
    page.click(f"#{select_id} + .select2 .select2-selection")
    search_box = page.locator(".select2-container--open .select2-search__field")
    search_box.fill(search)
    # Results arrive from the autocomplete view; wait for the exact option, then pick it.
    option = page.locator(".select2-container--open .select2-results__option", has_text=option_text)
    expect(option).to_have_count(1)
    option.click()
    expect(page.locator(f"#{select_id} + .select2 .select2-selection__rendered")).to_contain_text(
        option_text
    )


def save_and_continue(page: Page) -> None:
    with page.expect_navigation():
        page.click("input[name=_continue]")
    errors = page.locator(".errornote, .errorlist")
    if errors.count():
        pytest.fail(f"The admin refused the save: {errors.all_inner_texts()}")
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_editor_creates_and_edits_an_alert_and_sees_two_versions(
    live_server, reference_data, page: Page
):
    editor = make_editor("browser-editor")
    make_country("Armenia", iso_code="AM")
    make_country("Azerbaijan", iso_code="AZ")
    source = make_source("Convention on the Prevention and Punishment of the Crime of Genocide")

    log_in(page, live_server.url, editor)

    # --- Create the alert -------------------------------------------------------------
    page.goto(f"{live_server.url}/admin/alerts/alert/add/")
    page.fill("#id_title", "Genocide Emergency: Azerbaijan and Artsakh")
    # The admin fills the slug from the title when the title field loses focus; wait for
    # that before typing elsewhere, or it may land in the middle of our typing.
    page.locator("#id_title").blur()
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.select_option("#id_level", label="Genocide Emergency")
    page.fill("#id_issued_on", "2020-11-01")

    # filter_horizontal: pick in the "available" box, then press "Choose".
    page.select_option("#id_countries_from", label=["Armenia", "Azerbaijan"])
    page.click("#id_countries_add")
    expect(page.locator("#id_countries_to option")).to_have_count(2)

    page.fill("#id_summary", "Azerbaijan's forces threaten the Armenians of Artsakh [1].")

    # One stage rating (the inline starts with no rows).
    page.click("#ratings-group .add-row a")
    expect(page.locator("#id_ratings-0-country")).to_be_attached()
    choose_autocomplete(page, "id_ratings-0-country", "Arm", "Armenia")
    page.select_option("#id_ratings-0-stage", label="8. Persecution")
    page.fill("#id_ratings-0-rationale", "Armenians of Artsakh are expelled and confined [1].")

    # One citation, numbered 1, of the source created above.
    page.click("#citations-group .add-row a")
    expect(page.locator("#id_citations-0-source")).to_be_attached()
    page.fill("#id_citations-0-number", "1")
    choose_autocomplete(page, "id_citations-0-source", "Prevention", source.title)
    page.fill("#id_citations-0-locator", "art. 2")

    save_and_continue(page)

    alert = Alert.objects.get(slug=SLUG)
    assert alert.level == Level.EMERGENCY
    assert alert.created_by == editor
    assert sorted(c.name for c in alert.countries.all()) == ["Armenia", "Azerbaijan"]
    rating = alert.ratings.get()
    assert (rating.country.name, rating.stage_id) == ("Armenia", 8)
    citation = alert.citations.get()
    assert (citation.number, citation.source_id) == (1, source.pk)

    # --- Edit it again ------------------------------------------------------------------
    new_summary = "Azerbaijan's forces have attacked the Armenians of Artsakh [1]."
    page.fill("#id_summary", new_summary)
    save_and_continue(page)
    alert.refresh_from_db()
    assert alert.summary == new_summary

    # --- Its history shows both saves --------------------------------------------------
    page.click("a.historylink")
    expect(page).to_have_url(f"{live_server.url}/admin/alerts/alert/{alert.pk}/history/")
    expect(page.locator("#change-history tbody tr")).to_have_count(2)

    versions = reversion.models.Version.objects.get_for_object(alert)
    assert versions.count() == 2
    assert all(v.revision.user == editor for v in versions)
