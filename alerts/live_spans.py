"""Which publication is each alert's current public version, and from when to when.

The rule, in one place (``spans_for``): a publication is its alert's current
version from its go-live time until the earliest go-live time of any later-numbered
publication of the same alert; a withdrawn alert has no current version at all.
"Earliest" matters for scheduled publications: when publication 2 is scheduled for
next week and publication 3 goes live today, 3 supersedes 1 today and 2 is never
current.

Spans are rebuilt for an alert whenever one of its publications or its withdrawal
is saved (``rebuild_on_save``, connected in apps.py), so the doors that save them —
the workflow, loaddata — keep them right inside the writer's transaction. The bulk
seeder, which writes rows without saving models, writes the spans ``spans_for``
gives it. Anything else that writes publications without saving the models (raw
SQL, a data migration, an old process during a deploy) must be followed by
``manage.py rebuild_live_spans``: until then its publications are not shown, and
the ones they supersede still are.
"""

from itertools import groupby
from operator import attrgetter

from django.db import router, transaction

from .models import Alert, LiveSpan, Publication, Withdrawal


def spans_for(publications, *, withdrawn):
    """Unsaved LiveSpans for one alert's ``publications`` (any order)."""
    if withdrawn:
        return []
    spans, ends_at = [], None
    for publication in sorted(publications, key=attrgetter("number"), reverse=True):
        spans.append(
            LiveSpan(
                publication_id=publication.pk,
                alert_id=publication.alert_id,
                starts_at=publication.go_live_at,
                ends_at=ends_at,
                issued_on=publication.issued_on,
                level=publication.level,
            )
        )
        if ends_at is None or publication.go_live_at < ends_at:
            ends_at = publication.go_live_at
    return spans


def rebuild(alert_ids, *, using=None):
    """Replace the spans of the alerts ``alert_ids`` with what their rows say now.

    The alerts' rows are locked first, as the workflow's transitions lock them, so
    two writers of one alert rebuild one after the other, each from committed rows.
    """
    alert_ids = set(alert_ids)
    using = using or router.db_for_write(LiveSpan)
    with transaction.atomic(using=using):
        list(
            Alert.objects.using(using)
            .select_for_update()
            .filter(pk__in=alert_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        withdrawn = set(
            Withdrawal.objects.using(using)
            .filter(alert_id__in=alert_ids)
            .values_list("alert_id", flat=True)
        )
        publications = (
            Publication.objects.using(using)
            .filter(alert_id__in=alert_ids)
            .only("id", "alert_id", "number", "go_live_at", "issued_on", "level")
            .order_by("alert_id")
        )
        spans = []
        for alert_id, of_alert in groupby(publications, key=attrgetter("alert_id")):
            spans += spans_for(of_alert, withdrawn=alert_id in withdrawn)
        LiveSpan.objects.using(using).filter(alert_id__in=alert_ids).delete()
        LiveSpan.objects.using(using).bulk_create(spans)


def rebuild_all(*, batch_size=1000, using=None):
    """Rebuild every alert's spans, ``batch_size`` alerts a transaction. Returns the
    number of alerts. For after anything wrote publications without saving them
    through the models (raw SQL, a data migration, a deploy that overlapped writers)."""
    using = using or router.db_for_write(LiveSpan)
    ids = list(
        Publication.objects.using(using)
        .order_by("alert_id")
        .values_list("alert_id", flat=True)
        .distinct()
    )
    for start in range(0, len(ids), batch_size):
        rebuild(ids[start : start + batch_size], using=using)
    return len(ids)


def rebuild_on_save(sender, instance, using=None, **kwargs):
    """post_save receiver for Publication and Withdrawal (raw saves by loaddata too)."""
    rebuild([instance.alert_id], using=using)
