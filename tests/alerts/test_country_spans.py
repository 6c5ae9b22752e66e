"""CountrySpan, the stored answer to "what is each country's current determination",
agrees with the definition at every moment, through every door that writes.

The definition, computed here from the rows themselves: at time t, a country's
current determination is the stages given it by the newest (latest go-live, then
highest id) of the publications current at t that rate it; the current publications
are each non-withdrawn alert's highest-numbered one that has gone live by t.
"""

import datetime
from io import StringIO

import pytest
from django.core import serializers
from django.core.management import call_command
from django.utils import timezone

from alerts import succession, workflow
from alerts.editing import revision
from alerts.models import ChangeKind, CountrySpan, Publication, PublishedDetermination, StageRating
from alerts.public import queries
from tests.alerts.test_succession import current_by_definition
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_reviewer

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def reviewers(db):
    return [make_reviewer("country_span_a"), make_reviewer("country_span_b")]


def determinations_by_definition(now):
    current = Publication.objects.filter(pk__in=current_by_definition(now))
    newest = {}
    for publication in current.order_by("go_live_at", "pk"):
        for row in PublishedDetermination.objects.filter(publication=publication):
            newest[row.country.name] = publication
    return {
        country: (
            sorted(
                publication.determinations.filter(country__name=country).values_list(
                    "stage_id", flat=True
                ),
                reverse=True,
            ),
            publication.title,
        )
        for country, publication in newest.items()
    }


def assert_countries_agree(now):
    """What the public pages show at ``now`` is the definition's answer; returns it."""
    expected = determinations_by_definition(now)
    shown = {
        d.country.name: ([s.number for s in d.stages], d.alert_title)
        for d in queries.current_determinations(now)
    }
    assert shown == expected
    return shown


def publish_rating(editor, reviewers, title, ratings, **submit):
    alert = make_alert(author=editor, title=title, countries=tuple(ratings), ratings=ratings)
    return publish(alert, editor=editor, reviewers=reviewers, **submit)


def update(publication, *, editor, reviewers, go_live_at=None, drop=(), title=None):
    alert = publication.alert
    if drop:
        with revision(user=editor, comment="Drops a rating"):
            StageRating.objects.filter(alert=alert, country__name__in=drop).delete()
            alert.save()
    edit_alert(alert, user=editor, title=title or f"{alert.title} (updated)")
    return publish(
        alert,
        editor=editor,
        reviewers=reviewers,
        change_kind=ChangeKind.UPDATE,
        change_note="Updated.",
        go_live_at=go_live_at,
    )


def country_spans():
    return sorted(
        CountrySpan.objects.values_list(
            "country_id", "stage_id", "publication_id", "alert_id", "starts_at", "ends_at"
        )
    )


def test_a_scheduled_publication_becomes_the_countrys_determination_when_it_goes_live(
    editor, reviewers
):
    now = timezone.now()
    publish_rating(editor, reviewers, "Live", {"Armenia": [5]})
    publish_rating(editor, reviewers, "Scheduled", {"Armenia": [8, 9]}, go_live_at=now + DAY)

    assert assert_countries_agree(now + HOUR) == {"Armenia": ([5], "Live")}
    # No write in between: the change was stored at approval, with its time.
    assert assert_countries_agree(now + 2 * DAY) == {"Armenia": ([9, 8], "Scheduled")}


def test_a_scheduled_update_that_drops_a_rating_hands_the_country_back_when_it_goes_live(
    editor, reviewers
):
    now = timezone.now()
    publish_rating(editor, reviewers, "Older", {"Armenia": [3]})
    newer = publish_rating(editor, reviewers, "Newer", {"Armenia": [7], "Azerbaijan": [2]})
    update(newer, editor=editor, reviewers=reviewers, go_live_at=now + DAY, drop=["Armenia"])

    assert assert_countries_agree(now + HOUR)["Armenia"] == ([7], "Newer")
    assert assert_countries_agree(now + 2 * DAY)["Armenia"] == ([3], "Older")


def test_a_later_update_going_live_first_means_the_scheduled_ratings_never_show(editor, reviewers):
    now = timezone.now()
    first = publish_rating(editor, reviewers, "First", {"Armenia": [4]})
    update(first, editor=editor, reviewers=reviewers, go_live_at=now + 2 * DAY, title="Scheduled")
    update(first, editor=editor, reviewers=reviewers, go_live_at=now + DAY, title="Urgent")

    for moment, title in ((HOUR, "First"), (DAY + HOUR, "Urgent"), (3 * DAY, "Urgent")):
        assert assert_countries_agree(now + moment)["Armenia"] == ([4], title)


def test_a_withdrawal_hands_the_country_back_at_every_moment(editor, reviewers):
    now = timezone.now()
    publish_rating(editor, reviewers, "Older", {"Armenia": [3]})
    newer = publish_rating(editor, reviewers, "Newer", {"Armenia": [7]})
    update(newer, editor=editor, reviewers=reviewers, go_live_at=now + DAY)
    workflow.withdraw(alert=newer.alert, user=reviewers[0], reason="Sources retracted.")

    for moment in (HOUR, 2 * DAY):
        assert assert_countries_agree(now + moment) == {"Armenia": ([3], "Older")}


def test_rows_left_behind_by_a_missed_rebuild_still_never_show_a_withdrawn_alert(editor, reviewers):
    publication = publish_rating(editor, reviewers, "Gone", {"Armenia": [9]})
    stale = list(CountrySpan.objects.all())
    workflow.withdraw(alert=publication.alert, user=reviewers[0], reason="Retracted.")
    CountrySpan.objects.bulk_create(stale)  # as if the rebuild had not run

    assert queries.current_determinations() == []


def test_only_the_present_and_the_future_are_kept(editor, reviewers):
    now = timezone.now()
    first = publish_rating(editor, reviewers, "One", {"Armenia": [4]})
    second = update(first, editor=editor, reviewers=reviewers)
    third = update(second, editor=editor, reviewers=reviewers, go_live_at=now + DAY)

    rows = CountrySpan.objects.order_by("starts_at")
    assert [(r.publication_id, r.starts_at, r.ends_at) for r in rows] == [
        (second.pk, second.go_live_at, third.go_live_at),
        (third.pk, third.go_live_at, None),
    ]


def test_rebuilding_from_the_rows_gives_what_the_workflow_wrote(editor, reviewers):
    now = timezone.now()
    publish_rating(editor, reviewers, "Older", {"Armenia": [3], "Georgia": [2]})
    newer = publish_rating(editor, reviewers, "Newer", {"Armenia": [7], "Azerbaijan": [2]})
    update(newer, editor=editor, reviewers=reviewers, go_live_at=now + DAY, drop=["Armenia"])
    written = country_spans()

    CountrySpan.objects.all().delete()
    succession.rebuild_all()

    assert country_spans() == written
    # Armenia: Newer's 7 until the update, then Older's 3; Azerbaijan: Newer, then its
    # update; Georgia: Older.
    assert len(written) == 5


def test_the_command_fills_them_by_the_rule(editor, reviewers):
    publish_rating(editor, reviewers, "Older", {"Armenia": [3]})
    publish_rating(editor, reviewers, "Newer", {"Armenia": [7], "Azerbaijan": [2]})
    written = country_spans()

    CountrySpan.objects.all().delete()
    call_command("rebuild_current", stdout=StringIO())
    assert country_spans() == written


def test_determinations_restored_by_loaddata_count_once_rebuild_current_has_run(editor, reviewers):
    publication = publish_rating(editor, reviewers, "Rated", {"Armenia": [5, 6], "Georgia": [2]})
    # Python, not JSON: the rows still exist here and are written again over themselves;
    # JSON would keep their times to the millisecond only, a change that PostgreSQL's
    # insert-only trigger refuses (a real loaddata inserts into an empty database).
    dumped = serializers.serialize(
        "python", PublishedDetermination.objects.filter(publication=publication)
    )
    CountrySpan.objects.all().delete()
    for row in serializers.deserialize("python", dumped):
        row.save()  # as loaddata saves them: nothing else is written
    assert not CountrySpan.objects.exists()

    call_command("rebuild_current", stdout=StringIO())

    assert assert_countries_agree(timezone.now()) == {
        "Armenia": ([6, 5], "Rated"),
        "Georgia": ([2], "Rated"),
    }


def test_two_publications_going_live_at_the_same_moment_the_later_approved_wins(editor, reviewers):
    at = timezone.now() + DAY
    first = publish_rating(editor, reviewers, "First", {"Armenia": [4]}, go_live_at=at)
    second = publish_rating(editor, reviewers, "Second", {"Armenia": [7]}, go_live_at=at)

    assert first.go_live_at == second.go_live_at
    assert assert_countries_agree(at + HOUR) == {"Armenia": ([7], "Second")}


def changed(now=None):
    return {
        d.country.name: (d.changed_at, d.changed_at_or_before)
        for d in queries.current_determinations(now)
    }


def test_each_run_knows_when_the_country_reached_its_stages(editor, reviewers):
    now = timezone.now()
    first = publish_rating(editor, reviewers, "First", {"Armenia": [8], "Georgia": [2]})
    same = publish_rating(editor, reviewers, "Same stages", {"Armenia": [8]})
    raised = publish_rating(editor, reviewers, "Raised", {"Armenia": [9]}, go_live_at=now + DAY)

    assert same.go_live_at > first.go_live_at
    assert changed(now + HOUR) == {
        "Armenia": (first.go_live_at, False),  # unchanged since the first
        "Georgia": (first.go_live_at, False),
    }
    assert changed(now + 2 * DAY)["Armenia"] == (raised.go_live_at, False)


def test_the_countries_page_and_the_country_page_agree_on_since_when(editor, reviewers):
    publish_rating(editor, reviewers, "First", {"Armenia": [8], "Georgia": [2]})
    publish_rating(editor, reviewers, "Lowered", {"Armenia": [5]})
    publish_rating(editor, reviewers, "Same", {"Armenia": [5], "Georgia": [2]})

    for current in queries.current_determinations():
        history = queries.country_history(current.country, 100)
        assert current.changed_at == queries.changed_at_from_history(history, current)
