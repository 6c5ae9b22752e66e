"""LiveSpan, the stored answer to "which publication of each alert is current",
agrees with the definition at every moment, through every door that writes.

The definition, computed here from the rows themselves: at time t, an alert that
was never withdrawn shows its highest-numbered publication that has gone live by t.
"""

import datetime
import importlib
from collections import defaultdict

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alerts import live_spans, public_data, workflow
from alerts.models import (
    ChangeKind,
    Level,
    LiveFacet,
    LiveSetCounter,
    LiveSpan,
    LiveSpanCount,
    Publication,
    PublishedDetermination,
    Withdrawal,
)
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
    assert sorted(Publication.objects.latest_live(now).values_list("pk", flat=True)) == expected
    assert sorted(public_data.live_alerts(now).values_list("pk", flat=True)) == expected
    assert public_data.live_alerts(now).count() == len(expected)
    # The kept count (LiveSpanCount and its corrections) agrees, level by level.
    assert public_data.count_live(now) == len(expected)
    for level in Level.values:
        at_level = public_data.live_alerts(now).filter(level=level).count()
        assert public_data.count_live(now, level) == at_level, level
    assert_facets_agree(now)
    return expected


def assert_facets_agree(now):
    """The rows a country or stage filter reads (LiveFacet) are, in the list's order,
    the current alerts whose publication rates that country, or a country at that stage."""
    newest_first = list(public_data.live_alerts(now).values_list("pk", flat=True))
    rated = defaultdict(set)
    for publication_id, country_id, stage_id in PublishedDetermination.objects.filter(
        publication_id__in=newest_first
    ).values_list("publication_id", "country_id", "stage_id"):
        rated["country", country_id].add(publication_id)
        rated["stage", stage_id].add(publication_id)
    for kind, model in (("country", Country), ("stage", Stage)):
        for pk in model.objects.values_list("pk", flat=True):
            facets = public_data.live_facets(now, **{f"{kind}_id": pk})
            expected = [p for p in newest_first if p in rated[kind, pk]]
            assert list(facets.values_list("publication_id", flat=True)) == expected, (kind, pk)


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

    assert not LiveSpan.objects.filter(alert_id=alert.pk).exists()
    for moment in (now, now + 2 * DAY):
        assert assert_current_agrees(moment) == []


def test_spans_left_behind_by_a_missed_rebuild_still_never_show_a_withdrawn_alert(
    alert, editor, reviewers
):
    publish(alert, editor=editor, reviewers=reviewers)
    stale = list(LiveSpan.objects.filter(alert_id=alert.pk))
    stale_counts = list(LiveSpanCount.objects.all())
    workflow.withdraw(alert=alert, user=reviewers[0], reason="Sources retracted.")
    # As if the rebuild had not run: the spans and their count as they were.
    LiveSpan.objects.bulk_create(stale)
    LiveSpanCount.objects.bulk_create(
        stale_counts, update_conflicts=True, unique_fields=["level"], update_fields=["open"]
    )

    assert not public_data.live_alerts().filter(alert_id=alert.pk).exists()
    assert not Publication.objects.latest_live().filter(alert=alert).exists()
    assert public_data.count_live() == 0
    assert public_data.count_live(level=alert.level) == 0


def test_rebuilding_from_the_rows_gives_the_spans_the_workflow_wrote(alert, editor, reviewers):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Two", go_live_at=now + DAY)
    update(alert, editor=editor, reviewers=reviewers, title="Three")
    written, written_facets = spans(), facets()

    LiveSpan.objects.all().delete()
    LiveFacet.objects.all().delete()
    live_spans.rebuild([alert.pk])

    assert spans() == written
    assert len(written) == 3
    assert facets() == written_facets
    assert len(written_facets) == 3 * (2 + 3)  # Armenia and Azerbaijan; stages 8, 9, 10


def test_the_migration_and_the_bulk_rebuild_fill_the_facets_the_workflow_wrote(
    alert, editor, reviewers
):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Two", go_live_at=now + DAY)
    gone = make_alert(author=editor, title="Withdrawn later")
    publish(gone, editor=editor, reviewers=reviewers)
    workflow.withdraw(alert=gone, user=reviewers[0], reason="Retracted.")
    written = facets()
    assert written

    LiveFacet.objects.all().delete()
    fill = importlib.import_module("alerts.migrations.0018_live_facet").FILL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert facets() == written

    LiveFacet.objects.all().delete()
    live_spans.retag_all()
    assert facets() == written


def test_determinations_saved_one_by_one_are_faceted_once_their_transaction_commits(
    alert, editor, reviewers, django_capture_on_commit_callbacks
):
    from django.core import serializers

    publication = publish(alert, editor=editor, reviewers=reviewers)
    dumped = serializers.serialize(
        "json", PublishedDetermination.objects.filter(publication=publication)
    )
    written = facets()
    LiveFacet.objects.all().delete()

    generation = LiveSetCounter.objects.get().value

    # As loaddata saves them: one row at a time, raw, in its transaction.
    with django_capture_on_commit_callbacks(execute=True):
        for row in serializers.deserialize("json", dumped):
            row.save()
        assert not LiveFacet.objects.exists()  # not yet: at the commit

    assert facets() == written
    assert_current_agrees(timezone.now())
    # Pages cached before the facets existed are not served any longer.
    assert LiveSetCounter.objects.get().value > generation


def test_many_alerts_are_faceted_batch_by_batch_the_same(editor, reviewers, monkeypatch):
    for n in range(3):
        publish(make_alert(author=editor, title=f"Batch {n}"), editor=editor, reviewers=reviewers)
    written = facets()
    monkeypatch.setattr(live_spans, "RETAG_BATCH", 2)

    live_spans.retag(Publication.objects.values_list("alert_id", flat=True))

    assert facets() == written


def test_a_span_rates_a_country_or_a_stage_once(alert, editor, reviewers):
    publish(alert, editor=editor, reviewers=reviewers)
    for kind in ("country", "stage"):
        row = LiveFacet.objects.filter(**{f"{kind}__isnull": False}).first()
        row.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save()


def test_the_migration_fills_the_same_spans_as_the_rule(alert, editor, reviewers):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Two", go_live_at=now + 2 * DAY)
    update(alert, editor=editor, reviewers=reviewers, title="Three", go_live_at=now + DAY)
    gone = make_alert(author=editor, title="Withdrawn later")
    publish(gone, editor=editor, reviewers=reviewers)
    workflow.withdraw(alert=gone, user=reviewers[0], reason="Retracted.")
    written = spans()

    LiveSpan.objects.all().delete()
    fill = importlib.import_module("alerts.migrations.0010_live_span").FILL
    with connection.cursor() as cursor:
        cursor.execute(fill)

    assert spans() == written


def spans():
    return sorted(
        LiveSpan.objects.values_list(
            "publication_id", "alert_id", "starts_at", "ends_at", "issued_on", "level"
        )
    )


def facets():
    rows = LiveFacet.objects.values_list(
        "publication_id",
        "alert_id",
        "country_id",
        "stage_id",
        "starts_at",
        "ends_at",
        "issued_on",
        "level",
    )
    return sorted(rows, key=lambda r: (r[0], r[2] or 0, r[3] or 0))


def test_the_command_repairs_spans_of_publications_written_without_the_models(
    alert, editor, reviewers
):
    from io import StringIO

    from django.core.management import call_command

    publish(alert, editor=editor, reviewers=reviewers)
    first_only = list(LiveSpan.objects.all())
    second = update(alert, editor=editor, reviewers=reviewers, title="Corrected")
    # As if the second publication had been written by raw SQL: only the first's span.
    LiveSpan.objects.all().delete()
    LiveSpan.objects.bulk_create(first_only)
    assert second.pk not in public_data.live_alerts().values_list("pk", flat=True)

    out = StringIO()
    call_command("rebuild_live_spans", stdout=out)

    assert "1 alerts" in out.getvalue()
    assert assert_current_agrees(timezone.now()) == [second.pk]


def test_the_kept_count_follows_every_change_and_can_be_made_again(alert, editor, reviewers):
    now = timezone.now()
    publish(alert, editor=editor, reviewers=reviewers)
    update(alert, editor=editor, reviewers=reviewers, title="Two", go_live_at=now + DAY)
    other = publish(make_alert(author=editor, title="Other"), editor=editor, reviewers=reviewers)
    workflow.withdraw(alert=other.alert, user=reviewers[0], reason="Retracted.")
    kept = sorted(LiveSpanCount.objects.values_list("level", "open"))
    assert public_data.count_live(now + HOUR) == 1

    LiveSpanCount.objects.all().delete()
    assert public_data.count_live(now) is None  # no kept count: the list counts instead
    fill = importlib.import_module("alerts.migrations.0015_live_span_count").FILL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert sorted(LiveSpanCount.objects.values_list("level", "open")) == kept

    LiveSpanCount.objects.all().delete()
    live_spans.recount()
    assert sorted(LiveSpanCount.objects.values_list("level", "open")) == kept


def test_a_missing_count_row_is_made_again_by_the_next_write(alert, editor, reviewers):
    LiveSpanCount.objects.all().delete()  # as a flushed database leaves it

    publish(alert, editor=editor, reviewers=reviewers)

    assert assert_current_agrees(timezone.now()) != []
