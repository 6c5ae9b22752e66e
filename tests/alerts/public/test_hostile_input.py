"""Hostile editor input renders inert on every public page.

Each input of the corpus goes into every editor text field (title, summary, the
three sections, rationales, evidence, recommendations, citation locators and quotes,
source titles and publishers, country names, regions and aliases, change notes and
the withdrawal reason); every public page that shows them is then parsed the way a
browser would, and must hold no active content: no script, no event handler, no
javascript: or data: link, no style, no embedded object, no form.
"""

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.alerts.public.helpers import body_of
from tests.alerts.public.hostile import CORPUS, hostile_alert
from tests.inert import active_content

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# What the site's own templates put on pages (never editor content).
HEAD_TAGS = {"meta", "link"}


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 30
    assert len(set(CORPUS)) == len(CORPUS)


def page_urls(slug, value):
    return {
        reverse("public:home"): (),
        # The list's filter form, the versions' compare form and the 404's search form
        # are the templates' own.
        reverse("public:alert_list"): ("form",),
        reverse("public:alert_list") + "?q=" + quote(value[:200]): ("form",),
        reverse("public:alert_list") + f"?country={slug}": ("form",),
        reverse("public:alert_detail", args=[slug]): (),
        reverse("public:alert_versions", args=[slug]): ("style", "form"),  # and the diff's <style>
        reverse("public:alert_version", args=[slug, 1]): (),
        reverse("public:alert_version", args=[slug, 2]): (),
        reverse("public:country_list"): (),
        reverse("public:country_detail", args=[slug]): ("svg",),  # the chart
        reverse("public:stage_list"): (),
        reverse("public:alert_detail", args=[slug.replace("hostile", "gone")]): (),  # 410
        "/no-such-page/" + quote(value[:100]) + "/": ("form",),  # 404 echoes the path
    }


def assert_inert_html(url, html, allowed):
    head, _, body = html.partition("</head>")
    problems = active_content(head, allowed_tags=HEAD_TAGS)
    problems += active_content(body, allowed_tags=allowed)
    assert not problems, f"{url}: {problems}"
    for tag in allowed:
        assert body.count(f"<{tag}") <= 1, f"{url}: more than the template's own <{tag}>"


def assert_inert_feed(url, xml):
    root = ET.fromstring(xml)  # well-formed XML whatever the input
    for element in root.iter():
        if element.tag in (f"{ATOM}summary", f"{ATOM}content") and element.text:
            problems = active_content(element.text)
            assert not problems, f"{url}: {problems}"


@pytest.mark.parametrize("number", range(len(CORPUS)))
def test_hostile_input_is_inert_on_every_public_page(client, editor, number):
    value = CORPUS[number]
    slug = hostile_alert(editor, value, number)

    for url, allowed in page_urls(slug, value).items():
        response = client.get(url)
        assert response.status_code in (200, 404, 410), f"{url}: {response.status_code}"
        assert_inert_html(url, body_of(response), allowed)

    for url in [reverse("public:feed_alerts"), reverse("public:feed_country", args=[slug])]:
        response = client.get(url)
        assert response.status_code == 200
        assert_inert_feed(url, response.content)

    # The API hands out the editors' Markdown as data, as JSON that a browser will not
    # run (application/json, nosniff). It must at least be valid JSON.
    response = client.get(reverse("public:api_alert_detail", args=[slug]))
    assert response["Content-Type"] == "application/json"
    assert response.json()["snapshot"]["legal_analysis"] == value
