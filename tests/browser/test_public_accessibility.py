"""Accessibility in a real browser: axe-core finds no violations on any page type, and
every page reads on a phone (390 px wide) without sideways scrolling."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.axe import axe_source, axe_violations, describe
from tests.browser.public_site import SLUG, build_public_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = {
    "home": "/",
    "list with filters": "/alerts/?country=armenia&level=3&stage=&issued_after=&q=",
    "list, nothing found": "/alerts/?q=nothingatall",
    "alert": f"/alerts/{SLUG}/",
    "versions": f"/alerts/{SLUG}/versions/",
    "old version": f"/alerts/{SLUG}/versions/1/",
    "country": "/countries/armenia/",
    "countries": "/countries/",
    "stages": "/stages/",
    "not found": "/alerts/no-such-alert/",
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "mobile"


def test_axe_finds_no_violations_on_any_page_type(page: Page, live_server, reference_data):
    source = axe_source()
    build_public_site()
    failures = {}
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        violations = axe_violations(page, source)
        if violations:
            failures[name] = describe(violations)
    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())

    # The checker is really checking: a page with a known fault fails it.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert "image-alt" in {v["id"] for v in axe_violations(page, source)}


def test_every_page_fits_a_phone_screen(browser, live_server, reference_data):
    build_public_site()
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    try:
        for name, path in PAGES.items():
            page.goto(live_server.url + path)
            page.screenshot(path=SCREENSHOTS / f"{name.replace(' ', '-')}.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide[name] = width
    finally:
        context.close()
    assert not too_wide, f"pages wider than the 390 px screen: {too_wide}"
