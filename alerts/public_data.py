"""What the public may see, as queries.

Every public view, feed, API, CSV, sitemap and search starts here, and everything here
starts from the definitions in alerts/models.py: ``Publication.objects.live()`` (gone
live, not withdrawn) and ``LiveSpan.objects.current()`` (each alert's current
publication); determination rows are tested the same way on their own columns
(``_live_rows``). Nothing reads the editors' working copy (Alert and its children); what the
public sees is always a stored, approved snapshot.
"""

import functools
import hashlib
import json
import weakref
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Paginator
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Subquery,
    Sum,
    Window,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone

from stages.models import Country, Stage

from . import search
from .models import (
    CountrySpan,
    Level,
    LiveFacet,
    LiveSpan,
    LiveSpanCount,
    Publication,
    PublicationPage,
    PublishedDetermination,
    Withdrawal,
)

# The columns lists need. The snapshot itself can be large (every citation and every
# paragraph), so lists leave it in the database and take only the two keys they show.
LIST_FIELDS = (
    "id",
    "alert_id",
    "number",
    "title",
    "slug",
    "level",
    "issued_on",
    "published_at",
    "go_live_at",
    "change_kind",
    "change_note",
)
# The lists' order, on LiveSpan (go-live time and id are the publication's).
NEWEST_FIRST = ("-issued_on", "-starts_at", "-publication_id")
COUNTRY_FIELDS = ("id", "name", "slug", "iso_code", "region", "aliases")
# A publication determines each of the ten stages of a country at most once.
STAGES_PER_POINT = 10
# A country's determination rows, newest publication first.
NEWEST_ROWS_FIRST = ("-go_live_at", "-publication_id", "stage_id")


def live(now=None):
    return Publication.objects.live(now)


def latest_live(now=None):
    return Publication.objects.latest_live(now)


def for_lists(queryset):
    """Publications with only what a list shows: no full snapshot."""
    return queryset.only(*LIST_FIELDS).annotate(
        summary=KeyTextTransform("summary", "snapshot"),
        snapshot_countries=KeyTransform("countries", "snapshot"),
    )


def list_rows(ids):
    """The publications ``ids``, in that order, with what a list shows. One query.

    Lists pick their rows first (ordering, filtering, slicing on plain columns) and
    read the two snapshot keys for those rows only: reading them in the same query
    makes PostgreSQL extract them from every candidate's snapshot before it sorts,
    which at 100,000 alerts takes seconds. The ids come from live querysets.
    """
    ids = list(ids)
    rows = {p.pk: p for p in for_lists(Publication.objects.filter(pk__in=ids))}
    return [rows[pk] for pk in ids if pk in rows]


def live_alerts(now=None):
    """The span of every live alert's current publication, newest first.

    Lists sort, filter, count and slice these (a narrow table, see LiveSpan); their
    primary keys are the publications' ids, which ``paginate``/``list_rows`` turn
    into the rows a list shows.
    """
    return LiveSpan.objects.current(now).order_by(*NEWEST_FIRST)


def live_facets(now=None, *, country_id=None, stage_id=None):
    """``live_alerts()`` of the alerts whose current publication rates the country
    ``country_id`` (or, instead, any country at the stage ``stage_id``): rows of
    LiveFacet, one per alert, in the same order, read from that country's or
    stage's rows alone."""
    facets = LiveFacet.objects.current(now)
    if country_id is not None:
        facets = facets.filter(country_id=country_id)
    else:
        facets = facets.filter(stage_id=stage_id)
    return facets.order_by(*NEWEST_FIRST)


def count_live(now=None, level=None):
    """How many alerts are live at ``now`` (of ``level``): ``live_alerts().count()``
    without counting them.

    LiveSpanCount holds how many spans have no end; the spans that make the
    difference at ``now`` are few and found through partial indexes: scheduled
    ones (no end, not started), ones that end later, and, as ``current()`` tests,
    any left behind for a withdrawn alert. One query. None when the stored counts
    are missing (a flushed database): count the spans instead.
    """
    now = now or timezone.now()
    levels = list(Level.values) if level is None else [int(level)]
    spans = LiveSpan.objects.all() if level is None else LiveSpan.objects.filter(level=level)
    by_time = spans.holding(now)
    # Per withdrawal, a probe for a span left behind (a scalar subquery, not an
    # EXISTS, which PostgreSQL turned into a scan of the level's spans).
    left_behind = Withdrawal.objects.alias(
        span=Subquery(by_time.filter(alert_id=OuterRef("alert_id")).values("pk")[:1])
    ).filter(span__isnull=False)

    def number(queryset):
        counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
        return Subquery(counted, output_field=BigIntegerField())

    row = LiveSpanCount.objects.filter(level__in=levels).aggregate(
        rows=Count("pk"),
        live=Sum("open")
        - number(spans.filter(ends_at__isnull=True, starts_at__gt=now))
        + number(spans.filter(ends_at__gt=now, starts_at__lte=now))
        - number(left_behind),
    )
    return row["live"] if row["rows"] == len(levels) else None


def paginate(queryset, per_page, number, *, small=False, count=None, rows=list_rows):
    """A page of ``queryset`` (rows with a ``publication_id``: LiveSpans or LiveFacets)
    whose object_list holds ``rows(ids)`` of the page's publication ids: list rows
    (``list_rows``) unless told otherwise (``items.for_ids``).

    Three queries: the count, the page's ids, their rows. For a ``small`` queryset
    (a search's few hundred candidates, whose choice is the costly part) two: the
    page's ids come with the count of all of them, so the choice is made once.
    ``count``, when given, is the number of rows (from ``count_live``).
    """
    paginator = Paginator(queryset.values_list("publication_id", flat=True), per_page)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not counted
    if small:
        counted = _page_with_count(queryset, per_page, number)
        if counted is not None:
            number, ids, paginator.count = counted  # count is a cached property: set it
            page = paginator.page(number)
            page.object_list = rows(ids)
            return page
    page = paginator.get_page(number)
    page.object_list = rows(page.object_list)
    return page


def _page_with_count(queryset, per_page, number):
    """(page number, the ids on that page, the count of all rows), or None when
    ``number`` is not a page that has rows (get_page then finds the right one)."""
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        return None
    offset = (number - 1) * per_page
    if number < 1 or offset > search.RANKED_MATCHES:
        return None  # a search has no more rows than that; get_page clamps
    rows = list(
        queryset.annotate(_total=Window(Count("pk"))).values_list("publication_id", "_total")[
            offset : offset + per_page
        ]
    )
    if not rows and number > 1:
        return None
    return number, [pk for pk, _ in rows], rows[0][1] if rows else 0


def current_publication(slug, now=None):
    """The latest live publication published under ``slug``, or None."""
    return latest_live(now).filter(slug=slug).order_by("-go_live_at", "-id").first()


PAGE_COLUMNS = ("id", "alert_id", "number", "slug", "go_live_at", "snapshot_hash")


@functools.cache
def _page_sql(now, slug):
    """The SQL of publication_for_page, on the tables of alerts/models.py, with the
    placeholders ``now`` and ``slug``.

    Written out because building the same query through the ORM (the live set's
    nested conditions and the versions subquery) cost more CPU than the rest of a
    request for a stored page: several times the framework floor. It tests what
    ``Publication.objects.latest_live()`` does, on the same columns;
    tests/public/test_stored_pages.py holds the two to the same answers.
    """
    q = connection.ops.quote_name
    publication, span, page, withdrawal = (
        q(m._meta.db_table) for m in (Publication, LiveSpan, PublicationPage, Withdrawal)
    )
    columns = ", ".join(f"p.{q(c)}" for c in PAGE_COLUMNS)
    return (
        f"SELECT {columns},"
        f" (SELECT MAX(v.go_live_at) FROM {publication} v WHERE v.alert_id = p.alert_id"
        f"   AND v.number <= p.number AND v.go_live_at <= {now}),"
        " g.renderer, g.modified_at, g.html, g.origin_at"
        f" FROM {span} s JOIN {publication} p ON p.id = s.publication_id"
        f" LEFT JOIN {page} g ON g.publication_id = p.id"
        f" WHERE p.slug = {slug} AND p.go_live_at <= {now} AND s.starts_at <= {now}"
        f" AND (s.ends_at IS NULL OR s.ends_at > {now})"
        f" AND NOT EXISTS (SELECT 1 FROM {withdrawal} w WHERE w.alert_id = p.alert_id)"
        " ORDER BY p.go_live_at DESC, p.id DESC LIMIT 1"
    )


@dataclass(frozen=True)
class PreparedRead:
    """A read that PostgreSQL plans once per connection, not once per request.

    ``sql(*placeholders)`` gives the query with the placeholders given; ``types``
    are its parameters' types, and ``plain_args(*args)`` the arguments of the plain
    query, which may use one several times. The statement is named after its SQL,
    so that a changed query is never confused with an old session's statement.
    """

    prefix: str
    types: tuple
    sql: object
    plain_args: object

    @functools.cached_property
    def name(self):
        signature = f"{self.types}:{self.prepared_sql}"
        return f"{self.prefix}_{hashlib.sha256(signature.encode()).hexdigest()[:12]}"

    @functools.cached_property
    def prepared_sql(self):
        return self.sql(*(f"${n}" for n in range(1, len(self.types) + 1)))

    @functools.cached_property
    def prepare(self):
        return f"PREPARE {self.name} ({', '.join(self.types)}) AS {self.prepared_sql}"

    @functools.cached_property
    def execute(self):
        return f"EXECUTE {self.name} ({', '.join(['%s'] * len(self.types))})"

    @functools.cached_property
    def plain(self):
        return self.sql(*(["%s"] * len(self.types)))

    def run(self, cursor, *args):
        """Run the read on ``cursor``; on PostgreSQL as the prepared statement.

        Planning a query costs the server as much as running it or more (the page
        lookup: 1.9 ms to plan five tables with their indexes, 0.25 to run), and
        connections are kept (CONN_MAX_AGE), so each is planned once per connection:
        on the connection's first use, PREPARE and EXECUTE go in one round trip.
        Prepared statements belong to the session and survive a rolled-back
        transaction; a new connection (after a restart, or CONN_MAX_AGE) is a new
        object here and prepares again.

        Should the session lose the statement behind our back (a connection pooler
        handing out another server session, DISCARD ALL), the read runs unprepared
        and the next one prepares again: slower, never an error page (behind a
        pooler in transaction mode, slower than not preparing at all). A first use
        that fails after its PREPARE (a statement timeout) leaves the statement in
        the session: the next use finds it there.

        Only in autocommit, as requests run: inside a transaction a failed statement
        would abort it, so there the read runs unprepared. And only with Django's
        default client-side binding, which sends PREPARE and EXECUTE as one query;
        with ``server_side_binding`` the read runs unprepared.
        """
        if (
            connection.vendor != "postgresql"
            or not connection.get_autocommit()
            or connection.settings_dict["OPTIONS"].get("server_side_binding")
        ):
            cursor.execute(self.plain, self.plain_args(*args))
            return
        raw = connection.connection
        ready = _prepared.setdefault(self.name, weakref.WeakSet())
        if raw not in ready:
            try:
                cursor.execute(f"{self.prepare}; {self.execute}", args)
            except DatabaseError as error:
                if _sqlstate(error) != DUPLICATE_PREPARED_STATEMENT:
                    raise
            else:
                ready.add(raw)
                cursor.nextset()  # past PREPARE's result to EXECUTE's rows
                return
            ready.add(raw)
        try:
            cursor.execute(self.execute, args)
        except DatabaseError as error:
            if _sqlstate(error) != UNDEFINED_PREPARED_STATEMENT:
                raise
            ready.discard(raw)
            cursor.execute(self.plain, self.plain_args(*args))


# Statement name -> the database connections on which it is prepared.
_prepared = {}

PAGE_LOOKUP = PreparedRead(
    prefix="alerts_page",
    types=("timestamptz", "text"),
    sql=_page_sql,
    plain_args=lambda now, slug: [now, slug, now, now, now],
)

DUPLICATE_PREPARED_STATEMENT = "42P05"
UNDEFINED_PREPARED_STATEMENT = "26000"


def _sqlstate(error):
    return getattr(error.__cause__, "sqlstate", None)


def _datetime(value):
    # What the ORM would do: SQLite gives text or naive datetimes, and its backend has
    # a converter to aware ones; psycopg gives aware datetimes and needs none.
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    return value if convert is None else convert(value, None, connection)


def first_read(query):
    """``query(cursor)``, a read whose success stands in for the connection's health check.

    With CONN_HEALTH_CHECKS (config/settings.py), Django sends ``SELECT 1`` before
    the first query of each request on a kept connection, so that one the database
    dropped (a restart) is replaced before the request uses it. The page cache's
    requests are one query each (a hit with the local cache reads the generation, a
    miss for an alert page its stored page), and that check was a round trip costing
    as much as the query. Here the read is the check: when it fails because the
    connection is gone, the connection is replaced and the read run once more, as
    the check would have done; when it succeeds, the connection has just been shown
    to work, and the request's later queries skip the check. Outside a transaction
    only: inside one, a new connection would silently lose what came before.
    """
    pending = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and connection.get_autocommit()  # not in a transaction (atomic or by hand)
    )
    if pending:
        connection.health_check_done = True
        try:
            with connection.cursor() as cursor:
                return query(cursor)
        except (InterfaceError, OperationalError):
            # A failure of the read itself (a statement timeout) is not a dropped
            # connection: asking costs a round trip, on this path only.
            if connection.is_usable():
                raise
            connection.close()
    with connection.cursor() as cursor:
        return query(cursor)


def publication_for_page(slug, now=None):
    """What serving the current page of ``slug`` needs, in one query; or None.

    The publication ``current_publication`` gives, with only PAGE_COLUMNS loaded
    (not the snapshot, whose transfer and decoding were most of a cold request),
    and two attributes for alerts.pages: ``stored_page``, its PublicationPage or
    None, and ``modified_at``, the newest go-live time of the versions its page
    must list.
    """
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())

    def lookup(cursor):
        PAGE_LOOKUP.run(cursor, now, slug)
        return cursor.fetchone()

    row = first_read(lookup)
    if row is None:
        return None
    loaded = dict(zip(PAGE_COLUMNS, row[: len(PAGE_COLUMNS)], strict=True))
    loaded["go_live_at"] = _datetime(loaded["go_live_at"])
    publication = Publication.from_db(
        connection.alias,
        list(PAGE_COLUMNS),
        [loaded[f.attname] for f in Publication._meta.concrete_fields if f.attname in loaded],
    )
    publication.modified_at = _datetime(row[len(PAGE_COLUMNS)])
    renderer, modified_at, html, origin_at = row[len(PAGE_COLUMNS) + 1 :]
    publication.stored_page = None
    if renderer is not None:
        publication.stored_page = PublicationPage.from_db(
            connection.alias,
            ["publication_id", "renderer", "modified_at", "html", "origin_at"],
            [
                publication.pk,
                renderer,
                _datetime(modified_at),
                html,
                json.loads(origin_at) if isinstance(origin_at, str) else origin_at,
            ],
        )
    return publication


def renamed_to(slug, now=None):
    """The current slug of a live alert that was once published under ``slug``, or None."""
    older = live(now).filter(slug=slug).values("alert_id")
    return (
        latest_live(now)
        .filter(alert_id__in=older)
        .order_by("-go_live_at")
        .values_list("slug", flat=True)
        .first()
    )


def _public_before_withdrawal():
    """Publications of the withdrawal's alert that went live before it was withdrawn."""
    return Publication.objects.filter(
        alert=OuterRef("alert"), go_live_at__lte=OuterRef("withdrawn_at")
    ).order_by("-number")


def public_withdrawals(now=None):
    """Withdrawals of alerts that had been public, newest first.

    Each carries ``slug``: the address its last public publication had. An alert
    withdrawn before any publication went live was never public, so it is not here:
    neither its existence nor the reason leaks.
    """
    now = now or timezone.now()
    public = _public_before_withdrawal()
    return (
        Withdrawal.objects.filter(Exists(public), withdrawn_at__lte=now)
        .annotate(slug=Subquery(public.values("slug")[:1]))
        .order_by("-withdrawn_at", "-id")
    )


def withdrawal_for(slug, now=None):
    """The withdrawal of an alert that was public under ``slug``, or None."""
    now = now or timezone.now()
    public_under_slug = _public_before_withdrawal().filter(slug=slug)
    return (
        Withdrawal.objects.filter(Exists(public_under_slug), withdrawn_at__lte=now)
        .annotate(slug=Subquery(_public_before_withdrawal().values("slug")[:1]))
        .order_by("-withdrawn_at")
        .first()
    )


# --- Determinations ----------------------------------------------------------------------


def _live_rows(now=None):
    """Determination rows of live publications, tested on the row itself.

    A row carries its publication's go-live time and alert, so ``live()`` needs no
    lookup of the publication: only of the (small) withdrawal table.
    """
    now = now or timezone.now()
    withdrawn = Withdrawal.objects.filter(alert=OuterRef("alert_id"))
    return PublishedDetermination.objects.filter(~Exists(withdrawn), go_live_at__lte=now)


@dataclass
class CurrentDetermination:
    """A country's stages in the newest live publication that rates it."""

    country: Country
    stages: list = field(default_factory=list)  # Stage objects, highest first
    publication_id: int = 0
    alert_slug: str = ""
    alert_title: str = ""
    go_live_at: datetime | None = None
    changed_at: datetime | None = None
    changed_at_or_before: bool = False  # changed_at is only the start of what was looked at

    @property
    def highest(self):
        return self.stages[0].number if self.stages else 0


def current_determinations(now=None, country=None, country_slugs=None):
    """Every country's current determination, highest stage first.

    "Current" comes from the newest *current* publication (one per alert, see
    LiveSpan) that rates the country: if an alert's update drops a rating, the
    dropped rating is no longer current. Kept as CountrySpans by
    alerts/live_spans.py whenever publications or withdrawals are written, so this
    is one query over the current rows (about a thousand at 100,000 alerts), with
    when each country reached its stages (``changed_at``).
    """
    rows = CountrySpan.objects.current(now)
    if country is not None:
        rows = rows.filter(country=country)
    if country_slugs is not None:
        rows = rows.filter(country__slug__in=list(country_slugs))
    rows = rows.order_by("country_id", "-stage_id").values_list(
        *(f"country__{name}" for name in COUNTRY_FIELDS),
        "stage_id",
        "stage__name",
        "publication_id",
        "publication__slug",
        "publication__title",
        "publication__go_live_at",
        "changed_at",
        "changed_at_or_before",
    )
    # Plain rows, and one Country and one Stage object each however many rows name
    # them: four model instances a row would cost more than the query.
    by_country, stages = {}, {}
    width = len(COUNTRY_FIELDS)
    for row in rows:
        country_fields, (stage_id, stage_name, pub_id, slug, title, go_live_at, since, before) = (
            row[:width],
            row[width:],
        )
        determination = by_country.get(country_fields[0])
        if determination is None:
            determination = by_country[country_fields[0]] = CurrentDetermination(
                country=Country(**dict(zip(COUNTRY_FIELDS, country_fields, strict=True))),
                publication_id=pub_id,
                alert_slug=slug,
                alert_title=title,
                go_live_at=go_live_at,
                changed_at=since,
                changed_at_or_before=before,
            )
        stage = stages.get(stage_id)
        if stage is None:
            stage = stages[stage_id] = Stage(number=stage_id, name=stage_name)
        determination.stages.append(stage)
    return sorted(by_country.values(), key=lambda d: (-d.highest, d.country.name))


@dataclass
class HistoryPoint:
    """One live publication's determination of one country: a point on its history."""

    go_live_at: datetime
    publication_id: int
    alert_slug: str
    alert_title: str
    number: int
    change_kind: str
    stages: list = field(default_factory=list)  # stage numbers, ascending
    alert_id: int | None = None

    @property
    def highest(self):
        return max(self.stages)


def country_history(country, last, now=None):
    """The newest ``last`` live publications that rated ``country``, oldest first,
    with their stages.

    Older publications of an alert stay in the history: they were the public
    determination at their time. One query, reading at most ten rows (stages) for
    each publication and one more.
    """
    rows = _live_rows(now).filter(country=country)
    # Newest first, then cut: a point has at most one row per stage, so the newest
    # `last` points are complete within (last + 1) * 10 rows.
    rows = rows.order_by(*NEWEST_ROWS_FIRST)[: (last + 1) * STAGES_PER_POINT].values_list(
        "go_live_at",
        "publication_id",
        "publication__slug",
        "publication__title",
        "publication__number",
        "publication__change_kind",
        "stage_id",
        "alert_id",
    )
    points = {}
    for go_live_at, pub_id, slug, title, number, kind, stage, alert_id in rows:
        point = points.get(pub_id)
        if point is None:
            point = points[pub_id] = HistoryPoint(
                go_live_at, pub_id, slug, title, number, kind, alert_id=alert_id
            )
        point.stages.append(stage)
    return list(points.values())[:last][::-1]


@dataclass
class HistoryRun:
    """A stretch of a country's history over which its determined stages did not change."""

    first: HistoryPoint  # the publication that set these stages
    last: HistoryPoint  # the latest publication that confirmed them
    count: int  # how many publications determined these same stages

    @property
    def stages(self):
        return self.first.stages

    @property
    def highest(self):
        return self.first.highest

    @property
    def go_live_at(self):
        return self.first.go_live_at


def history_runs(history):
    """``country_history`` collapsed into runs of unchanged stages, oldest first.

    Readers need the changes, and a country confirmed at the same stages by thousands
    of publications would otherwise fill the chart and the table with repetition.
    """
    runs = []
    for point in history:
        if runs and runs[-1].stages == point.stages:
            runs[-1].last = point
            runs[-1].count += 1
        else:
            runs.append(HistoryRun(first=point, last=point, count=1))
    return runs


# How far back /countries/ looks for when each country's stages last changed: its
# newest determination rows (a point has one per stage). A country unchanged over
# all of them shows "on or before" the oldest; its own page looks further.
CHANGED_AT_ROWS = 40


def changed_at(country_id, stages, go_live_at, now=None, *, using=None):
    """When the country reached ``stages``, its current determination (made by a
    publication gone live at ``go_live_at``): (time, whether it is only "on or
    before" that time).

    Walks the country's newest CHANGED_AT_ROWS rows live at ``now`` back from the
    newest point while the stages equal ``stages``: one query through the
    (country, go_live_at) index. Worked out when the country's spans are written
    (alerts/live_spans.py), not per page view.
    """
    newest_first = list(
        _live_rows(now)
        .using(using)
        .filter(country_id=country_id)
        .order_by(*NEWEST_ROWS_FIRST)
        .values_list("publication_id", "go_live_at", "stage_id")[:CHANGED_AT_ROWS]
    )
    complete = len(newest_first) < CHANGED_AT_ROWS
    if not complete:
        # The oldest point may have been cut short: leave it out.
        oldest = newest_first[-1][0]
        newest_first = [row for row in newest_first if row[0] != oldest]
    points = []
    for pub_id, at, stage in reversed(newest_first):
        if not points or points[-1][0] != pub_id:
            points.append((pub_id, at, set()))
        points[-1][2].add(stage)
    since = _since(points, set(stages), go_live_at)
    return since, not complete and bool(points) and since == points[0][1]


def _since(points, wanted, current_go_live_at):
    """The start of the final run of ``points`` (pub id, time, stages) whose stages are
    ``wanted``, the current determination's, made at ``current_go_live_at``."""
    since = current_go_live_at
    for _, go_live_at, stages in reversed(points):
        if go_live_at > current_go_live_at:
            continue  # a newer, superseded version's rating: not what is current
        if set(stages) != wanted:
            break
        since = min(since, go_live_at)
    return since


def changed_at_from_history(history, current):
    """``changed_at`` for one country from its ``country_history`` (no query)."""
    return _since(
        [(p.publication_id, p.go_live_at, p.stages) for p in history],
        {s.number for s in current.stages},
        current.go_live_at,
    )


def stages_with_countries(now=None):
    """The ten stages, each with the countries whose current determination includes it."""
    stages = list(Stage.objects.all())
    at_stage = {s.number: [] for s in stages}
    for current in current_determinations(now):
        for stage in current.stages:
            at_stage[stage.number].append(current.country)
    for stage in stages:
        stage.current_countries = sorted(at_stage[stage.number], key=lambda c: c.name)
    return stages


def live_countries(now=None):
    """Countries rated by at least one live publication (for filters and sitemaps).

    Per country, the first of its determinations whose publication is live (a
    scalar subquery with LIMIT, which stops at the first hit; PostgreSQL turns an
    EXISTS into a join over every live row, badly misestimated).
    """
    first_live = (
        _live_rows(now)
        .filter(country=OuterRef("pk"))
        .order_by()  # any live one will do: stop at the first
        .values("pk")[:1]
    )
    return Country.objects.alias(rated=Subquery(first_live)).filter(rated__isnull=False)
