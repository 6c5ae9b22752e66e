"""A reader's journey through the public site in a real browser, by mouse and by keyboard."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.public_site import SLUG, build_public_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_home_list_filter_alert_footnote_back_country_chart(
    page: Page, live_server, reference_data
):
    build_public_site()
    base = live_server.url

    # Home: the latest alerts and the countries by stage.
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Latest alerts")).to_be_visible()
    expect(
        page.locator(".alert-items").get_by_role("link", name="Emergency in the Caucasus")
    ).to_be_visible()

    # → the list, through the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    expect(page).to_have_url(f"{base}/alerts/")
    expect(page.locator(".results-count")).to_have_text("2 alerts")

    # → filtered by country; the filter state is in the URL.
    page.get_by_label("Country").select_option(label="Armenia")
    page.get_by_role("button", name="Show alerts").click()
    expect(page).to_have_url(re.compile(r"/alerts/\?.*country=armenia"))
    expect(page.locator(".results-count")).to_have_text("1 alert")
    expect(page.get_by_role("link", name="Warning for Ruritania")).to_have_count(0)

    # → the alert.
    page.get_by_role("link", name="Emergency in the Caucasus").click()
    expect(page).to_have_url(f"{base}/alerts/{SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency in the Caucasus")
    expect(page.locator(".change-notes")).to_contain_text("Reports of expulsions.")

    # → a footnote: the marker jumps to its reference ...
    marker = page.locator("sup.citation a").first
    marker_text = marker.inner_text()
    marker.click()
    expect(page).to_have_url(re.compile(r"#ref-1$"))
    reference = page.locator("#ref-1")
    expect(reference).to_be_in_viewport()
    expect(reference).to_contain_text("Convention on the Prevention")
    assert marker_text == "[1]"
    # ... and the reference links back to where it was cited.
    reference.locator("a.backref").first.click()
    expect(page).to_have_url(re.compile(r"#cite-1-1$"))

    # ← back (twice: the back-link, then the footnote), to the alert as it was.
    page.go_back()
    expect(page).to_have_url(re.compile(r"#ref-1$"))
    page.go_back()
    expect(page).to_have_url(f"{base}/alerts/{SLUG}/")

    # → the country page, from the alert's list of countries.
    page.locator(".alert-meta").get_by_role("link", name="Armenia").click()
    expect(page).to_have_url(f"{base}/countries/armenia/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Armenia")

    # → its chart: an SVG image with a title, dots for each determination, and the table.
    chart = page.get_by_role("img", name="Stage history of Armenia")
    expect(chart).to_be_visible()
    # Both publications rated Armenia at stage 8: one determination, confirmed twice.
    expect(chart.locator("circle")).to_have_count(1)
    page.get_by_role("link", name="The same data as a table").click()
    expect(page).to_have_url(re.compile(r"#history-table$"))
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    expect(page.locator("#history-table")).to_contain_text("2 publications")


def test_the_list_works_with_the_keyboard_alone(page: Page, live_server, reference_data):
    build_public_site()
    page.goto(f"{live_server.url}/alerts/")

    # The first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    # Tab along until the country filter has focus, choose with the arrows, submit.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_country":
            break
    expect(page.locator("#id_country")).to_be_focused()
    page.keyboard.press("ArrowDown")  # "Any country" → the first country
    # (Each date field takes three Tabs in Chromium: day, month, year.)
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    expect(page.get_by_role("button", name="Show alerts")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"country=armenia"))

    # Every alert link in the results is reachable with Tab, and Enter follows it.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == (
            "Emergency in the Caucasus"
        ):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/alerts/{SLUG}/")
