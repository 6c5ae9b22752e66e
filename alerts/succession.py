"""Which publication is current: each alert's (Supersession) and each country's (CountrySpan).

The rule for alerts, in one place (``supersessions_for``): a publication is its
alert's current version from its go-live time until the earliest go-live time of any
later-numbered publication of the same alert. "Earliest" matters for scheduled
publications: when publication 2 is scheduled for next week and publication 3 goes
live today, 3 supersedes 1 today and 2 is never current. Whether a publication is
live at all (gone live, alert not withdrawn) is ``Publication.objects.live()``'s
alone; these tables only say which of the live ones is current.

Each country's current determination follows (``country_spans_for``): at any time it
is the newest current publication that rates the country, kept as CountrySpans from
the present on, with when the country reached those stages.

The workflow writes both in the transaction that publishes or withdraws
(``record``), explicitly; nothing else keeps them. After anything wrote publications
another way (a restore with loaddata, raw SQL), ``manage.py rebuild_current`` makes
every row again (``rebuild_all``).
"""

from operator import attrgetter, itemgetter

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from stages.models import Country

from .models import (
    Alert,
    CountrySpan,
    Publication,
    PublishedDetermination,
    Supersession,
    Withdrawal,
)
from .public import queries


def supersessions_for(publications):
    """Unsaved Supersessions, one per publication of one alert's ``publications``
    (any order)."""
    rows, superseded_at = [], None
    for publication in sorted(publications, key=attrgetter("number"), reverse=True):
        rows.append(
            Supersession(
                publication_id=publication.pk,
                alert_id=publication.alert_id,
                superseded_at=superseded_at,
            )
        )
        if superseded_at is None or publication.go_live_at < superseded_at:
            superseded_at = publication.go_live_at
    return rows


def rebuild_alerts(alert_ids):
    """Replace the Supersessions of the alerts ``alert_ids`` with what their
    publications say now.

    The alerts' rows are locked first, in id order, as the workflow's transitions lock
    them: a rebuild beside an approval waits for it, then reads what it committed.
    """
    alert_ids = sorted(set(alert_ids))
    with transaction.atomic():
        list(
            Alert.objects.select_for_update()
            .filter(pk__in=alert_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        publications = (
            Publication.objects.filter(alert_id__in=alert_ids)
            .only("id", "alert_id", "number", "go_live_at")
            .order_by("alert_id")
        )
        by_alert = {}
        for publication in publications:
            by_alert.setdefault(publication.alert_id, []).append(publication)
        Supersession.objects.filter(alert_id__in=alert_ids).delete()
        Supersession.objects.bulk_create(
            [row for of_alert in by_alert.values() for row in supersessions_for(of_alert)]
        )


def record(alert, *, countries=()):
    """After the workflow wrote a publication or a withdrawal of ``alert``: its
    Supersessions, and the CountrySpans of every country it rates or rated (and of
    ``countries``, which the caller knows it touches)."""
    rebuild_alerts([alert.pk])
    rated = set(
        PublishedDetermination.objects.filter(alert=alert).values_list("country_id", flat=True)
    )
    rebuild_countries(rated | set(countries))


# --- Each country's current determination ---------------------------------------------


def country_spans_for(rows, *, now):
    """Unsaved CountrySpans for one country from ``now`` on.

    ``rows`` are the country's determination rows, as dicts with the keys
    publication_id, alert_id, country_id, stage_id, go_live_at, and starts_at and
    ends_at of the publication's time as its alert's current version, for
    publications whose time has not ended by ``now`` (rows of other publications
    never count again). At each moment the newest of the publications current then
    (latest go-live, then highest id) determines the country; it can change only
    where a publication's time starts or ends.
    """
    by_publication = {}
    for row in rows:
        by_publication.setdefault(row["publication_id"], []).append(row)
    candidates = [
        (row["go_live_at"], publication_id, row["starts_at"], row["ends_at"], of_publication)
        for publication_id, of_publication in by_publication.items()
        for row in of_publication[:1]
    ]
    changes = {now}
    for _, _, starts_at, ends_at, _ in candidates:
        changes.update(t for t in (starts_at, ends_at) if t is not None and t > now)
    runs = []  # [publication's rows or None, from]
    for at in sorted(changes):
        current = [c for c in candidates if c[2] <= at and (c[3] is None or c[3] > at)]
        newest = max(current, key=itemgetter(0, 1))[4] if current else None
        if not runs or runs[-1][0] is not newest:
            runs.append([newest, at])
    spans = []
    for i, (of_publication, at) in enumerate(runs):
        if of_publication is None:
            continue
        # The present run is dated from its publication's go-live time: what is kept
        # starts no later than any reader's "now".
        starts_at = of_publication[0]["starts_at"] if at == now else at
        ends_at = runs[i + 1][1] if i + 1 < len(runs) else None
        spans += [
            CountrySpan(
                country_id=row["country_id"],
                stage_id=row["stage_id"],
                publication_id=row["publication_id"],
                alert_id=row["alert_id"],
                starts_at=starts_at,
                ends_at=ends_at,
            )
            for row in of_publication
        ]
    return spans


def _country_rows(country_id, now):
    """The rows ``country_spans_for`` needs for one country, in two index walks.

    The newest publication rating the country that has gone live and that nothing
    supersedes (the usual case: its alert's latest version) stays current until the
    next rebuild, so no older publication can be the country's current one again: only
    it and newer ones (scheduled versions, versions a scheduled one will end) are
    read, not the country's whole history. Withdrawn alerts' rows are left out here so
    that they do not hide older ones; CountrySpan.objects.current() still asks
    ``Publication.objects.live()`` of every row it shows.
    """
    withdrawn = Withdrawal.objects.covering(OuterRef("alert_id"), OuterRef("publication__number"))
    ends_at = "publication__supersession__superseded_at"
    determinations = PublishedDetermination.objects.filter(
        ~Exists(withdrawn), country_id=country_id, publication__supersession__isnull=False
    )
    floor = (
        determinations.filter(**{f"{ends_at}__isnull": True}, go_live_at__lte=now)
        .order_by("-go_live_at", "-publication_id")
        .values_list("go_live_at", "publication_id")
        .first()
    )
    rows = determinations.filter(Q(**{f"{ends_at}__isnull": True}) | Q(**{f"{ends_at}__gt": now}))
    if floor is not None:
        rows = rows.filter(go_live_at__gte=floor[0])
    rows = rows.values(
        "publication_id",
        "alert_id",
        "country_id",
        "stage_id",
        "go_live_at",
        starts_at=F("go_live_at"),
        ends_at=F(ends_at),
    )
    return [r for r in rows if floor is None or (r["go_live_at"], r["publication_id"]) >= floor]


def rebuild_countries(country_ids):
    """Replace the CountrySpans of the countries ``country_ids`` with what the
    determinations, Supersessions and withdrawals say now.

    The countries' rows are locked first (in id order, after the alert the workflow
    locked), so two publications rating one country rebuild it one after the other,
    the second seeing the first's committed rows.
    """
    with transaction.atomic():
        # FOR NO KEY UPDATE: rebuilders of a country still go one after the other,
        # but a writer inserting rows that refer to the country (its FOR KEY SHARE)
        # is not blocked, so it cannot deadlock with a rebuild of several countries.
        country_ids = list(
            Country.objects.select_for_update(no_key=True)
            .filter(pk__in=list(country_ids))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        spans = []
        for country_id in country_ids:
            rows = _country_rows(country_id, now)
            of_country = country_spans_for(rows, now=now)
            _date_changes(of_country, rows, now=now)
            spans += of_country
        CountrySpan.objects.filter(country_id__in=country_ids).delete()
        CountrySpan.objects.bulk_create(spans)


def _date_changes(spans, rows, *, now):
    """Set when the country reached each run's stages and what it had before
    (queries.last_change, as of the run's start), on every row of the run."""
    go_live_at = {row["publication_id"]: row["go_live_at"] for row in rows}
    runs = {}
    for span in spans:
        runs.setdefault((span.publication_id, span.starts_at), []).append(span)
    for (publication_id, starts_at), of_run in runs.items():
        since, or_before, previous = queries.last_change(
            of_run[0].country_id,
            [span.stage_id for span in of_run],
            go_live_at[publication_id],
            max(starts_at, now),
        )
        for span in of_run:
            span.changed_at, span.changed_at_or_before = since, or_before
            span.previous_stages = previous


def rebuild_all(*, batch_size=1000):
    """Make every Supersession and CountrySpan again, ``batch_size`` alerts a
    transaction. Returns the number of alerts."""
    ids = list(
        Publication.objects.order_by("alert_id").values_list("alert_id", flat=True).distinct()
    )
    for start in range(0, len(ids), batch_size):
        rebuild_alerts(ids[start : start + batch_size])
    rebuild_countries(Country.objects.values_list("pk", flat=True))
    return len(ids)
