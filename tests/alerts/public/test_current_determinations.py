"""Each country's current determination: the stages of the newest current publication
that rates it (queries.current_determinations, behind home, /stages/, /countries/
and every country page)."""

import datetime

import pytest

from alerts import workflow
from alerts.editing import revision
from alerts.models import ChangeKind, StageRating
from alerts.public import queries
from tests.alerts.workflow_helpers import publish
from tests.builders import make_alert, make_reviewer

pytestmark = pytest.mark.django_db


def publish_rating(editor, title, ratings, day):
    alert = make_alert(
        author=editor,
        title=title,
        countries=tuple(ratings),
        ratings=ratings,
        issued_on=datetime.date(2024, 1, day),
    )
    return publish(alert, editor=editor)


def current(**kwargs):
    return {
        d.country.name: ([s.number for s in d.stages], d.alert_title)
        for d in queries.current_determinations(**kwargs)
    }


def test_each_country_takes_the_newest_publication_that_rates_it(editor):
    publish_rating(editor, "Older", {"Armenia": [8], "Azerbaijan": [3, 4]}, 1)
    publish_rating(editor, "Newer", {"Armenia": [5, 6]}, 2)

    assert current() == {
        "Armenia": ([6, 5], "Newer"),  # highest stage first
        "Azerbaijan": ([4, 3], "Older"),  # "Older" is still its newest
    }


def test_a_rating_dropped_by_an_update_is_no_longer_current(editor):
    publish_rating(editor, "Older", {"Armenia": [8]}, 1)
    newer = publish_rating(editor, "Newer", {"Armenia": [5], "Azerbaijan": [2]}, 2)
    with revision(user=editor, comment="Armenia no longer assessed here"):
        StageRating.objects.filter(alert=newer.alert, country__name="Armenia").delete()
        newer.alert.save()
    publish(newer.alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Drops Armenia.")

    assert current() == {"Armenia": ([8], "Older"), "Azerbaijan": ([2], "Newer")}


def test_a_withdrawn_alert_hands_its_countries_back_to_the_previous_one(editor):
    publish_rating(editor, "Older", {"Armenia": [8]}, 1)
    newer = publish_rating(editor, "Newer", {"Armenia": [5], "Azerbaijan": [2]}, 2)
    workflow.withdraw(alert=newer.alert, user=make_reviewer(), reason="Retracted.")

    assert current() == {"Armenia": ([8], "Older")}


def test_one_country_or_some_countries(editor):
    publish_rating(editor, "Older", {"Armenia": [8], "Azerbaijan": [3]}, 1)
    newer = publish_rating(editor, "Newer", {"Armenia": [5]}, 2)
    azerbaijan = newer.alert.countries.model.objects.get(name="Azerbaijan")

    assert current(country=azerbaijan) == {"Azerbaijan": ([3], "Older")}
    armenia = newer.alert.countries.model.objects.get(name="Armenia")
    assert current(country_ids=[armenia.pk]) == {"Armenia": ([5], "Newer")}
