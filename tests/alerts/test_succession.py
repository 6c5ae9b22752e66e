"""``Publication.objects.current()`` (with Supersession, the stored answer to "which
publication of each alert is current") agrees with the definition at every moment,
through every door that writes.

The definition, computed here from the rows themselves: at time t, an alert that
was never withdrawn shows its highest-numbered publication that has gone live by t.
"""

import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts import succession, workflow
from alerts.models import (
    ChangeKind,
    Level,
    Publication,
    PublishedDetermination,
    Supersession,
    Withdrawal,
)
from alerts.public import queries
from alerts.public.filters import AlertFilter
from stages.models import Country, Stage
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_reviewer

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def reviewers(db):
    return [make_reviewer("span_a"), make_reviewer("span_b")]


def current_by_definition(now):
    withdrawn = set(Withdrawal.objects.values_list("alert_id", flat=True))
    newest = {}
    for p in Publication.objects.filter(go_live_at__lte=now).exclude(alert_id__in=withdrawn):
        if p.alert_id not in newest or p.number > newest[p.alert_id].number:
            newest[p.alert_id] = p
    return sorted(p.pk for p in newest.values())


def assert_current_agrees(now):
    expected = current_by_definition(now)
    assert sorted(Publication.objects.current(now).values_list("pk", flat=True)) == expected
    assert sorted(queries.live_alerts(now).values_list("pk", flat=True)) == expected
    assert queries.live_alerts(now).count() == len(expected)
    for level in Level.values:
        at_level = [p for p in expected if Publication.objects.get(pk=p).level == level]
        assert (
            sorted(queries.live_alerts(now).filter(level=level).values_list("pk", flat=True))
            == at_level
        ), level
    return expected


def assert_filters_agree(monkeypatch, now):
    """The list's country and stage filters give, in the list's order, the current
    alerts whose publication rates that country, or a country at that stage."""
    monkeypatch.setattr(timezone, "now", lambda: now)
    newest_first = list(queries.live_alerts(now).values_list("pk", flat=True))
    rated = defaultdict(set)
    for publication_id, country_id, stage_id in PublishedDetermination.objects.filter(
        publication_id__in=newest_first
    ).values_list("publication_id", "country_id", "stage_id"):
        rated["country", country_id].add(publication_id)
        rated["stage", stage_id].add(publication_id)
    countries = dict(Country.objects.values_list("pk", "slug"))
    for kind, model in (("country", Country), ("stage", Stage)):
        for pk in model.objects.values_list("pk", flat=True):
            value = countries[pk] if kind == "country" else str(pk)
            filterset = AlertFilter({kind: value}, queryset=queries.live_alerts(now))
            if not filterset.is_valid():  # a country no live publication rates
                assert not rated[kind, pk], (kind, pk)
                continue
            expected = [p for p in newest_first if p in rated[kind, pk]]
            assert list(filterset.qs.values_list("pk", flat=True)) == expected, (kind, pk)


def update(alert, *, editor, reviewers, title, go_live_at=None):
    edit_alert(alert, user=editor, title=title)
    return publish(
        alert,
        editor=editor,
        reviewers=reviewers,
        change_kind=ChangeKind.UPDATE,
        change_note=f"Now titled {title}.",
        go_live_at=go_live_at,
    )


def test_an_update_supersedes_the_previous_publication_when_it_goes_live(alert, editor, reviewers):
    now = timezone.now()
    first = publish(alert, editor=editor, reviewers=reviewers)
    second = update(alert, editor=editor, reviewers=reviewers, title="Two", go_live_at=now + DAY)

    assert assert_current_agrees(now + HOUR) == [first.pk]
    assert assert_current_agrees(now + 2 * DAY) == [second.pk]


def test_a_later_update_going_live_first_means_the_scheduled_one_is_never_current(
    alert, editor, reviewers
):
    now = timezone.now()
    first = publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Scheduled", go_live_at=now + 2 * DAY)
    third = update(alert, editor=editor, reviewers=reviewers, title="Urgent", go_live_at=now + DAY)

    assert assert_current_agrees(now + HOUR) == [first.pk]
    assert assert_current_agrees(now + DAY + HOUR) == [third.pk]
    assert assert_current_agrees(now + 3 * DAY) == [third.pk]


def test_a_scheduled_first_publication_is_not_current_before_it_goes_live(alert, editor, reviewers):
    now = timezone.now()
    scheduled = publish(alert, editor=editor, reviewers=reviewers, go_live_at=now + DAY)
    other = publish(
        make_alert(author=editor, title="Already live"), editor=editor, reviewers=reviewers
    )

    assert assert_current_agrees(now + HOUR) == [other.pk]
    assert assert_current_agrees(now + 2 * DAY) == sorted([scheduled.pk, other.pk])


def test_a_withdrawn_alert_has_no_current_publication_at_any_time(alert, editor, reviewers):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Later", go_live_at=now + DAY)
    workflow.withdraw(alert=alert, user=reviewers[0], reason="Sources retracted.")

    for moment in (now, now + 2 * DAY):
        assert assert_current_agrees(moment) == []


def test_the_list_filters_agree_with_the_determinations_at_every_moment(
    alert, editor, reviewers, monkeypatch
):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    other = make_alert(
        author=editor, title="Another", countries=("Georgia",), ratings={"Georgia": [4, 6]}
    )
    publish(other, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Later", go_live_at=now + DAY)
    for moment in (now + HOUR, now + 2 * DAY):
        assert_filters_agree(monkeypatch, moment)


def test_rebuilding_from_the_rows_gives_what_the_workflow_wrote(alert, editor, reviewers):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Scheduled", go_live_at=now + 2 * DAY)
    update(alert, editor=editor, reviewers=reviewers, title="Urgent", go_live_at=now + DAY)
    written = supersessions()
    assert len(written) == 3  # one a publication; the newest number is not superseded
    assert [at for _, _, at in written].count(None) == 1

    Supersession.objects.all().delete()
    succession.rebuild_alerts([alert.pk])

    assert supersessions() == written


def supersessions():
    return sorted(Supersession.objects.values_list("publication_id", "alert_id", "superseded_at"))


def test_the_command_repairs_publications_written_without_the_workflow(alert, editor, reviewers):
    publish(alert, editor=editor, reviewers=reviewers)
    second = update(alert, editor=editor, reviewers=reviewers, title="Corrected")
    # As if both publications had been restored by loaddata or written by raw SQL:
    # nothing says which is current. Neither is shown, rather than both.
    Supersession.objects.all().delete()
    assert list(queries.live_alerts()) == []

    out = StringIO()
    call_command("rebuild_current", stdout=out)

    assert "1 alerts" in out.getvalue()
    assert assert_current_agrees(timezone.now()) == [second.pk]
