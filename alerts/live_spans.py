"""Which publication is each alert's current public version, and from when to when.

The rule, in one place (``spans_for``): a publication is its alert's current
version from its go-live time until the earliest go-live time of any later-numbered
publication of the same alert; a withdrawn alert has no current version at all.
"Earliest" matters for scheduled publications: when publication 2 is scheduled for
next week and publication 3 goes live today, 3 supersedes 1 today and 2 is never
current.

Spans are rebuilt for an alert whenever one of its publications or its withdrawal
is saved (``rebuild_on_save``, connected in apps.py), so every door that writes
them — the workflow, loaddata, the admin — keeps them right inside the writer's
transaction. The bulk seeder, which writes rows without saving models, writes the
spans ``spans_for`` gives it.
"""

from itertools import groupby
from operator import attrgetter

from django.db import transaction

from .models import LiveSpan, Publication, Withdrawal


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


def rebuild(alert_ids):
    """Replace the spans of the alerts ``alert_ids`` with what their rows say now."""
    alert_ids = set(alert_ids)
    withdrawn = set(
        Withdrawal.objects.filter(alert_id__in=alert_ids).values_list("alert_id", flat=True)
    )
    publications = (
        Publication.objects.filter(alert_id__in=alert_ids)
        .only("id", "alert_id", "number", "go_live_at", "issued_on", "level")
        .order_by("alert_id")
    )
    spans = []
    for alert_id, of_alert in groupby(publications, key=attrgetter("alert_id")):
        spans += spans_for(of_alert, withdrawn=alert_id in withdrawn)
    with transaction.atomic():
        LiveSpan.objects.filter(alert_id__in=alert_ids).delete()
        LiveSpan.objects.bulk_create(spans)


def rebuild_on_save(sender, instance, **kwargs):
    """post_save receiver for Publication and Withdrawal (raw saves by loaddata too)."""
    rebuild([instance.alert_id])
