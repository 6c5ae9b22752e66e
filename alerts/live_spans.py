"""Which publication is each alert's current public version, and from when to when.

The rule, in one place (``spans_for``): a publication is its alert's current
version from its go-live time until the earliest go-live time of any later-numbered
publication of the same alert; a withdrawn alert has no current version at all.
"Earliest" matters for scheduled publications: when publication 2 is scheduled for
next week and publication 3 goes live today, 3 supersedes 1 today and 2 is never
current.

Each country's current determination follows from the spans (``country_spans_for``):
at any time it is the newest current publication that rates the country, and its
rows are kept as CountrySpans, from the present on. Each span's facets (``retag``:
a row per country and per stage its publication rates, LiveFacet) are what the
list's country and stage filters read.

Spans are rebuilt for an alert whenever one of its publications or its withdrawal
is saved (``rebuild_on_save``, connected in apps.py), and with them their facets
and the country spans of every country the alert's publications rate; a
determination saved by itself (loaddata) does the same for its alert and country.
So the doors that save them — the workflow, loaddata — keep them right inside the
writer's transaction. The workflow writes determinations in bulk and makes their
facets and countries itself. The bulk seeder, which writes rows without saving
models, writes the spans ``spans_for`` gives it and makes every facet and country at
the end. Anything else that writes publications
without saving the models (raw SQL, a data migration, an old process during a
deploy) must be followed by ``manage.py rebuild_live_spans``: until then its
publications are not shown, and the ones they supersede still are.
"""

import threading
from collections import Counter
from contextlib import contextmanager
from itertools import groupby
from operator import attrgetter, itemgetter

from django.db import connections, router, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from stages.models import Country

from . import public_data
from .models import (
    Alert,
    CountrySpan,
    Level,
    LiveFacet,
    LiveSpan,
    LiveSpanCount,
    Publication,
    PublishedDetermination,
    Withdrawal,
)


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


def rebuild(alert_ids, *, using=None, countries=True):
    """Replace the spans of the alerts ``alert_ids`` with what their rows say now,
    and (unless ``countries`` is false) the country spans of the countries their
    publications rate.

    The alerts' rows are locked first, as the workflow's transitions lock them, so
    two writers of one alert rebuild one after the other, each from committed rows.
    """
    alert_ids = set(alert_ids)
    using = using or router.db_for_write(LiveSpan)
    with transaction.atomic(using=using):
        _lock_alerts(alert_ids, using)
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
        old = LiveSpan.objects.using(using).filter(alert_id__in=alert_ids)
        change = Counter(s.level for s in spans if s.ends_at is None)
        change.subtract(
            dict(old.filter(ends_at__isnull=True).values_list("level").annotate(n=Count("pk")))
        )
        old.delete()
        LiveSpan.objects.using(using).bulk_create(spans)
        counts = LiveSpanCount.objects.using(using)
        for level, n in sorted(change.items()):
            if n and not counts.filter(level=level).update(open=F("open") + n):
                recount(using=using)  # the row is missing (a flushed database)
                break
        deferred = getattr(_deferred, "countries", None)
        if deferred is not None:
            _deferred.alerts.update(alert_ids)
        else:
            retag(alert_ids, using=using)
        if not countries:
            return
        rated = (
            PublishedDetermination.objects.using(using)
            .filter(alert_id__in=alert_ids)
            .values_list("country_id", flat=True)
            .distinct()
        )
        if deferred is not None:
            deferred.update(rated)
        else:
            rebuild_countries(rated, using=using)


def _lock_alerts(alert_ids, using):
    list(
        Alert.objects.using(using)
        .select_for_update()
        .filter(pk__in=alert_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# Alerts per statement when facets are made again: a restore retags every alert it
# loaded, and SQLite takes at most 32,766 parameters.
RETAG_BATCH = 1000


def retag(alert_ids, *, using=None):
    """Replace the LiveFacets of the alerts ``alert_ids`` with what their spans and
    determinations say now: for each span, one row per country its publication
    rates and one per stage."""
    using = using or router.db_for_write(LiveFacet)
    alert_ids = sorted(set(alert_ids))
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for start in range(0, len(alert_ids), RETAG_BATCH):
            batch = alert_ids[start : start + RETAG_BATCH]
            # Locked like rebuild locks them (a no-op inside it): loaddata retags at
            # commit. In id order, batch after batch, as everywhere else.
            _lock_alerts(batch, using)
            LiveFacet.objects.using(using).filter(alert_id__in=batch).delete()
            cursor.execute(*facets_sql(using, batch))


def retag_all(*, using=None):
    """Every span's LiveFacets, made again in two statements (after a bulk write)."""
    using = using or router.db_for_write(LiveFacet)
    facet = connections[using].ops.quote_name(LiveFacet._meta.db_table)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        if connections[using].vendor == "postgresql":
            # A publisher retagging its alert meanwhile waits, then replaces what this
            # wrote for it; without the lock its delete could miss rows inserted here
            # from its alert's old spans.
            cursor.execute(f"LOCK TABLE {facet} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {facet}")
        cursor.execute(*facets_sql(using))


def facets_sql(using, alert_ids=None):
    """(SQL, parameters): INSERT the facets of the spans of ``alert_ids`` (of every
    span when None). Migration 0018 keeps its own copy of the whole-table form."""
    connection = connections[using]
    facet, span, determination = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (LiveFacet, LiveSpan, PublishedDetermination)
    )
    # Typed: under DISTINCT, PostgreSQL would make a bare NULL text.
    no_country, no_stage = (
        f"CAST(NULL AS {LiveFacet._meta.get_field(name).cast_db_type(connection)})"
        for name in ("country", "stage")
    )
    where, params = "", []
    if alert_ids is not None:
        where = f" WHERE s.alert_id IN ({', '.join(['%s'] * len(alert_ids))})"
        params = list(alert_ids)
    select = (
        "SELECT DISTINCT s.publication_id, s.alert_id, {}, s.starts_at, s.ends_at, "
        f"s.issued_on, s.level FROM {span} s JOIN {determination} d "
        f"ON d.publication_id = s.publication_id{where}"
    )
    sql = (
        f"INSERT INTO {facet} (publication_id, alert_id, country_id, stage_id, starts_at, "
        f"ends_at, issued_on, level) {select.format(f'd.country_id, {no_stage}')} "
        f"UNION ALL {select.format(f'{no_country}, d.stage_id')}"
    )
    return sql, params * 2


def recount(*, using=None):
    """Set LiveSpanCount from the spans (after writing spans in bulk)."""
    using = using or router.db_for_write(LiveSpanCount)
    with transaction.atomic(using=using):
        for level in Level.values:
            LiveSpanCount.objects.using(using).get_or_create(level=level)
        # Locked before counting: a writer that moves a row after the count waits
        # and adds its change to this count; one that moved it before has
        # committed, and its spans are counted.
        list(LiveSpanCount.objects.using(using).select_for_update().order_by("level"))
        counts = dict(
            LiveSpan.objects.using(using)
            .filter(ends_at__isnull=True)
            .values_list("level")
            .annotate(n=Count("pk"))
        )
        for level in Level.values:
            LiveSpanCount.objects.using(using).filter(level=level).update(open=counts.get(level, 0))


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
        rebuild(ids[start : start + batch_size], using=using, countries=False)
    recount(using=using)
    rebuild_all_countries(using=using)
    return len(ids)


def rebuild_on_save(sender, instance, using=None, **kwargs):
    """post_save receiver for Publication and Withdrawal (raw saves by loaddata too)."""
    rebuild([instance.alert_id], using=using)


# --- Each country's current determination ---------------------------------------------


def country_spans_for(rows, *, now):
    """Unsaved CountrySpans for one country from ``now`` on.

    ``rows`` are the country's determination rows, as dicts with the keys
    publication_id, alert_id, country_id, stage_id, go_live_at, and starts_at and
    ends_at of the publication's LiveSpan, for publications whose span has not ended
    by ``now`` (rows of other publications never count again). At each moment the
    newest of the publications current then (latest go-live, then highest id)
    determines the country; it can change only where a span starts or ends.
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


def _country_rows(country_id, now, using):
    """The rows ``country_spans_for`` needs for one country, in two index walks.

    The newest publication rating the country that is current now and has no end
    (the usual case: its alert's latest version) stays current until the next
    rebuild, so no older publication can be the country's current one again: only
    it and newer ones (scheduled versions, versions a scheduled one will end) are
    read, not the country's whole history.
    """
    determinations = PublishedDetermination.objects.using(using).filter(country_id=country_id)
    # As LiveSpan.current(): spans left behind for a withdrawn alert never count.
    withdrawn = Withdrawal.objects.using(using).filter(alert=OuterRef("alert_id"))
    open_ended = LiveSpan.objects.using(using).filter(
        ~Exists(withdrawn), pk=OuterRef("publication_id"), starts_at__lte=now, ends_at__isnull=True
    )
    floor = (
        determinations.alias(open_ended=Subquery(open_ended.values("pk")[:1]))
        .filter(open_ended__isnull=False)
        .order_by("-go_live_at", "-publication_id")
        .values_list("go_live_at", "publication_id")
        .first()
    )
    span = "publication__live_span__"
    rows = determinations.filter(
        Q(**{f"{span}ends_at__isnull": True}) | Q(**{f"{span}ends_at__gt": now}),
        ~Exists(withdrawn),
        **{f"{span}starts_at__isnull": False},
    )
    if floor is not None:
        rows = rows.filter(go_live_at__gte=floor[0])
    rows = rows.values(
        "publication_id",
        "alert_id",
        "country_id",
        "stage_id",
        "go_live_at",
        starts_at=F(f"{span}starts_at"),
        ends_at=F(f"{span}ends_at"),
    )
    return [r for r in rows if floor is None or (r["go_live_at"], r["publication_id"]) >= floor]


_deferred = threading.local()


@contextmanager
def countries_rebuilt_once(*, using=None):
    """Within this block, ``rebuild`` collects the countries it would rebuild into
    the set it yields (which the caller may add to), and the alerts whose facets it
    would make; when the block ends without an error, the facets are made and the
    countries rebuilt, once, together. For a writer that saves a publication and
    then its determinations: the facets need the determinations, and rebuilding the
    countries at each step cost 25 ms each.
    """
    outer = getattr(_deferred, "countries", None)
    outer_alerts = getattr(_deferred, "alerts", None)
    countries = _deferred.countries = set()
    alerts = _deferred.alerts = set()
    try:
        yield countries
    finally:
        _deferred.countries, _deferred.alerts = outer, outer_alerts
    if outer is not None:  # an enclosing block does it
        outer.update(countries)
        outer_alerts.update(alerts)
    else:
        retag(alerts, using=using)
        rebuild_countries(countries, using=using)


def rebuild_countries(country_ids, *, using=None):
    """Replace the CountrySpans of the countries ``country_ids`` with what the
    determinations and LiveSpans say now.

    The countries' rows are locked first (in id order, after any alerts the caller
    locked), so two publications rating one country rebuild it one after the other,
    the second seeing the first's committed rows.
    """
    using = using or router.db_for_write(CountrySpan)
    with transaction.atomic(using=using):
        # FOR NO KEY UPDATE: rebuilders of a country still go one after the other,
        # but a writer inserting rows that refer to the country (its FOR KEY SHARE)
        # is not blocked, so it cannot deadlock with a rebuild of several countries.
        country_ids = list(
            Country.objects.using(using)
            .select_for_update(no_key=True)
            .filter(pk__in=list(country_ids))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        spans = []
        for country_id in country_ids:
            rows = _country_rows(country_id, now, using)
            of_country = country_spans_for(rows, now=now)
            _date_changes(of_country, rows, now=now, using=using)
            spans += of_country
        CountrySpan.objects.using(using).filter(country_id__in=country_ids).delete()
        CountrySpan.objects.using(using).bulk_create(spans)


def _date_changes(spans, rows, *, now, using):
    """Set when the country reached each run's stages (public_data.changed_at, as
    of the run's start), on every row of the run."""
    go_live_at = {row["publication_id"]: row["go_live_at"] for row in rows}
    runs = {}
    for span in spans:
        runs.setdefault((span.publication_id, span.starts_at), []).append(span)
    for (publication_id, starts_at), of_run in runs.items():
        since, or_before = public_data.changed_at(
            of_run[0].country_id,
            [span.stage_id for span in of_run],
            go_live_at[publication_id],
            max(starts_at, now),
            using=using,
        )
        for span in of_run:
            span.changed_at, span.changed_at_or_before = since, or_before


def rebuild_all_countries(*, using=None):
    """Rebuild every country's current determination (after a bulk write)."""
    rebuild_countries(Country.objects.using(using).values_list("pk", flat=True), using=using)


# database alias: (its outermost atomic block, countries loaded in it, their alerts)
_after_load = {}


def rebuild_country_on_save(sender, instance, using=None, raw=False, **kwargs):
    """post_save receiver for PublishedDetermination (the workflow writes them in
    bulk and rebuilds their countries and facets itself).

    loaddata saves them one row at a time (raw) in one transaction: each of its
    countries is rebuilt, and each alert's facets made, once, when that transaction
    commits, not once per row (a restore of 100,000 alerts has a million rows). Any
    other save does both at once.
    """
    using = using or router.db_for_write(CountrySpan)
    connection = transaction.get_connection(using)
    if not raw or not connection.in_atomic_block:
        retag([instance.alert_id], using=using)
        rebuild_countries([instance.country_id], using=using)
        return
    # The transaction is told apart by its outermost atomic block (Django keeps the
    # open ones in atomic_blocks): a set left by a transaction that rolled back,
    # whose commit callback was dropped, is not added to.
    block = connection.atomic_blocks[0]
    entry = _after_load.get(using)
    if entry is None or entry[0] is not block:
        entry = _after_load[using] = (block, set(), set())
        transaction.on_commit(lambda: _rebuild_loaded(using, entry), using=using)
    entry[1].add(instance.country_id)
    entry[2].add(instance.alert_id)


def _rebuild_loaded(using, entry):
    from .public_cache import note_change

    if _after_load.get(using) is entry:
        del _after_load[using]
    retag(entry[2], using=using)
    rebuild_countries(entry[1], using=using)
    # The publications' own saves moved the page cache's generation at commit,
    # before this: pages made in between may lack these rows.
    note_change()
