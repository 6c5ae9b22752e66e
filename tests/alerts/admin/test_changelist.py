"""The alert changelist: every alert counted and reachable, the country links made quickly."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.admin import changelist
from alerts.models import Alert
from tests.builders import login_verified, make_alert, make_country

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:alerts_alert_changelist")


@pytest.fixture
def editor_client(client, editor):
    login_verified(client, editor)
    return client


@pytest.fixture
def countries():
    return [make_country(name) for name in ("Armenia", "Côte d'Ivoire", "Sudan & South Sudan")]


def counts_rows(query):
    """Whether ``query`` is the paginator's count of the list's rows."""
    return query["sql"].startswith('SELECT COUNT(*) AS "__count"')


def country_filter(rf, editor, query):
    request = rf.get(CHANGELIST, query)
    request.user = editor
    cl = admin.site.get_model_admin(Alert).get_changelist_instance(request)
    (spec,) = [s for s in cl.filter_specs if isinstance(s, changelist.QuickLinksRelatedFilter)]
    return spec, cl


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"level__exact": "3"},
        # Parameters sorting before and after the country's, one of them repeated,
        # the country chosen, a search with characters to encode, an ordering.
        {
            "all": "",  # sorts before the country's parameter
            "countries__id__exact": "1",
            "countries__isnull": "True",
            "issued_on__gte": "2020-01-01",
            "level__exact": ["2", "3"],
            "q": "Côte & co/?",
            "o": "2.-5",
            "workflow_state": "draft",
        },
    ],
)
def test_the_country_links_are_the_ones_django_makes(rf, editor, countries, query):
    spec, cl = country_filter(rf, editor, query)

    quick = list(spec.choices(cl))
    django = list(admin.RelatedFieldListFilter.choices(spec, cl))

    assert len(quick) == len(countries) + 2  # "All", each country, "None"
    assert quick == django


def test_the_changelist_links_each_country_and_marks_the_chosen_one(editor_client, countries):
    sudan = countries[2]
    response = editor_client.get(CHANGELIST, {"countries__id__exact": sudan.pk})

    assert response.status_code == 200
    text = response.text
    assert f'<li class="selected"><a href="?countries__id__exact={sudan.pk}">' in text
    assert "Sudan &amp; South Sudan</a></li>" in text
    armenia = countries[0]
    assert f'<li><a href="?countries__id__exact={armenia.pk}">Armenia</a></li>' in text
    assert '<li><a href="?">All</a></li>' in text


def test_the_list_is_counted(editor_client, editor):
    for n in range(3):
        make_alert(author=editor, title=f"Alert {n}", slug=f"alert-{n}", level=3 if n else 1)

    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(CHANGELIST)
    assert "3 alerts" in response.text
    assert "3 results" in response.text  # the search bar's count too
    assert "About" not in response.text
    assert [q for q in queries if counts_rows(q)]

    response = editor_client.get(CHANGELIST, {"level__exact": "3"})
    assert "2 alerts" in response.text
    assert "2 results" in response.text

    response = editor_client.get(CHANGELIST, {"q": "alert-1"})  # a slug
    assert "1 alert\n" in response.text
    assert "1 result " in response.text


def test_every_alert_can_be_paged_to(editor_client, editor, monkeypatch):
    for n in range(9):
        make_alert(author=editor, title=f"Alert {n}", slug=f"alert-{n}")
    monkeypatch.setattr(admin.site.get_model_admin(Alert), "list_per_page", 2)

    seen, page = set(), 1
    while True:
        response = editor_client.get(CHANGELIST, {"p": page})
        if response.status_code != 200:
            break
        assert "9 alerts" in response.text
        shown = {f"Alert {n}" for n in range(9) if f">Alert {n}</a>" in response.text}
        assert shown, f"page {page} is empty"
        seen |= shown
        page += 1

    assert page == 6  # five pages of two
    assert seen == {f"Alert {n}" for n in range(9)}
    assert response.status_code == 302  # past the last page: the changelist's own error
    assert "e=1" in response.url
