"""What the public may see, as queries.

Every public view, feed, API, CSV, sitemap and search starts here, and everything here
starts from the one definition in alerts/models.py: ``Publication.objects.live()``
(gone live, not withdrawn) and its narrowing ``current()`` (each alert's current
version). Nothing reads the editors' working copy (Alert and its children); what the
public sees is always a stored, approved publication.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from stages.models import Country, Stage

from ..models import (
    CountrySpan,
    Publication,
    PublishedCountry,
    PublishedDetermination,
    RedactedVersion,
    RedactionReview,
    Withdrawal,
)

# The columns lists, feeds and the API's list need: not the snapshot, nor the content.
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
    "summary_html",
    "summary_text",
    "countries",
)
# The lists' order (index publication_newest_first).
NEWEST_FIRST = ("-issued_on", "-go_live_at", "-id")
# A publication determines each of the ten stages of a country at most once.
STAGES_PER_POINT = 10
# A country's determination rows, newest publication first.
NEWEST_ROWS_FIRST = ("-go_live_at", "-publication_id", "stage_id")


def live(now=None):
    return Publication.objects.live(now)


def current(now=None):
    return Publication.objects.current(now)


def withheld_notice(number, withheld_at, reason):
    """What the public reads instead of a withheld version's text."""
    return f"Version {number} withheld on {withheld_at:%-d %B %Y} {reason}."


def withheld_versions(alert_id):
    """{number: notice} of the alert's versions whose text is withheld from the public."""
    rows = (
        Publication.objects.filter(alert_id=alert_id)
        .with_withholding()
        .filter(withheld_at__isnull=False)
        .values_list("number", "withheld_at", "withheld_reason")
    )
    return {number: withheld_notice(number, at, reason) for number, at, reason in rows}


def live_alerts(now=None):
    """Every alert's current publication, newest first, with what a list shows."""
    return current(now).only(*LIST_FIELDS).order_by(*NEWEST_FIRST)


def paginate(queryset, per_page, number):
    """The page ``number`` of ``queryset`` (any number: out of range gives the last)."""
    return Paginator(queryset, per_page).get_page(number)


def current_publication(slug, now=None, *, content=False):
    """The current publication published under ``slug``, or None.

    Without the snapshot, which only the API and diffs read; with the content HTML
    only when ``content`` (the alert page).
    """
    deferred = ["snapshot", "search_document"] + ([] if content else ["content_html"])
    return current(now).filter(slug=slug).defer(*deferred).order_by("-go_live_at", "-id").first()


def versions_of(publication, now=None):
    """The live versions of the alert up to ``publication``, oldest first. One query."""
    return list(
        live(now)
        .filter(alert_id=publication.alert_id, number__lte=publication.number)
        .order_by("number")
        .values("number", "change_kind", "change_note", "go_live_at")
    )


def public_record(alert_id, now=None):
    """Every version of the alert that went live, oldest first, withdrawn ones too: the
    public record (number, date, kind, change note, when it was withdrawn, and the
    notice if its text is withheld). Never any of their text: a withdrawn or withheld
    version's content is not public. One query."""
    now = now or timezone.now()
    withdrawn_at = (
        Withdrawal.objects.covering(OuterRef("alert_id"), OuterRef("number"))
        .filter(withdrawn_at__lte=now)
        .order_by("withdrawn_at")
        .values("withdrawn_at")[:1]
    )
    versions = list(
        Publication.objects.filter(alert_id=alert_id, go_live_at__lte=now)
        .with_withholding()
        .annotate(withdrawn_at=Subquery(withdrawn_at))
        .order_by("number")
        .values(
            "number",
            "change_kind",
            "change_note",
            "go_live_at",
            "withdrawn_at",
            "withheld_at",
            "withheld_reason",
        )
    )
    for version in versions:
        version["withheld"] = (
            withheld_notice(version["number"], version["withheld_at"], version["withheld_reason"])
            if version["withheld_at"]
            else None
        )
    return versions


def country_withdrawals(country, now=None):
    """Withdrawals in force of alerts whose public versions rated ``country``, newest
    first: a country page keeps saying that an alert about it was withdrawn, and why."""
    now = now or timezone.now()
    rated = PublishedDetermination.objects.filter(
        country=country,
        alert_id=OuterRef("alert_id"),
        publication__number__lte=OuterRef("last_number"),
        go_live_at__lte=OuterRef("withdrawn_at"),
    )
    return list(
        _in_force(now)
        .filter(Exists(rated), withdrawn_at__lte=now)
        .annotate(slug=Subquery(_public_before_withdrawal().values("slug")[:1]))
        .order_by("-withdrawn_at", "-id")
    )


def renamed_to(slug, now=None):
    """The current slug of a live alert that was once public under ``slug`` (in a
    version that may since have been withdrawn), or None."""
    now = now or timezone.now()
    older = Publication.objects.filter(slug=slug, go_live_at__lte=now).values("alert_id")
    return (
        current(now)
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


def _in_force(now):
    """Withdrawals no later version has gone live since (a restoration ends one)."""
    restored = Publication.objects.filter(
        alert=OuterRef("alert"), number__gt=OuterRef("last_number"), go_live_at__lte=now
    )
    return Withdrawal.objects.exclude(Exists(restored))


def withdrawal_for(slug, now=None):
    """The withdrawal in force of an alert that was public under ``slug``, or None."""
    now = now or timezone.now()
    public_under_slug = _public_before_withdrawal().filter(slug=slug)
    return (
        _in_force(now)
        .filter(Exists(public_under_slug), withdrawn_at__lte=now)
        .annotate(slug=Subquery(_public_before_withdrawal().values("slug")[:1]))
        .order_by("-withdrawn_at")
        .first()
    )


# --- Determinations ----------------------------------------------------------------------


def live_determinations(now=None):
    """Determination rows of live publications."""
    return PublishedDetermination.objects.filter(publication__in=live(now))


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
    # The stages the current ones replaced at changed_at (descending numbers); [] for
    # the country's first determination; None when not known (see last_change).
    previous_stages: list | None = None

    @property
    def highest(self):
        return self.stages[0].number if self.stages else 0

    @property
    def direction(self):
        """How the last change moved the country: "first", "raised", "lowered"
        (its highest stage went up or down), "changed" (other stages, the same highest),
        or None when the determination it replaced is not known."""
        return direction(self.highest, self.previous_stages)


def direction(highest, previous_stages):
    """``CurrentDetermination.direction`` for a highest stage and the stages before."""
    if previous_stages is None:
        return None
    if not previous_stages:
        return "first"
    before = max(previous_stages)
    if highest > before:
        return "raised"
    if highest < before:
        return "lowered"
    return "changed"


def public_countries(country_ids=None, now=None):
    """{country id: Country} as the public sees each country: as the newest live
    publication that includes it recorded it (unsaved Country objects). A country that
    only withdrawn alerts included is shown as the newest of those that went public
    recorded it. Edits to a Country reach readers only through a reviewed publication.
    ``country_ids``: every country when None. One query."""
    now = now or timezone.now()
    countries = Country.objects.all()
    if country_ids is not None:
        countries = countries.filter(pk__in=list(country_ids))
    latest = PublishedCountry.objects.latest_for
    newest = countries.annotate(
        row=Coalesce(
            Subquery(latest(OuterRef("pk"), live(now)).values("pk")[:1]),
            Subquery(latest(OuterRef("pk"), went_public(now)).values("pk")[:1]),
        )
    )
    rows = PublishedCountry.objects.filter(pk__in=newest.filter(row__isnull=False).values("row"))
    return {row.country_id: row.as_country() for row in rows}


def went_public(now=None):
    """Publications readers could see at some time up to ``now``: gone live, and not
    taken down by a withdrawal before they went live (which may have happened since)."""
    now = now or timezone.now()
    early = Withdrawal.objects.covering(OuterRef("alert_id"), OuterRef("number")).filter(
        withdrawn_at__lt=OuterRef("go_live_at")
    )
    return Publication.objects.filter(~Exists(early), go_live_at__lte=now)


def published_country(slug, now=None):
    """The country published under ``slug`` (its address now, or one it had in an
    earlier publication), as the public sees it now (``public_countries``); or None.
    One query, two for a country only withdrawn alerts included."""
    now = now or timezone.now()
    under_slug = (
        PublishedCountry.objects.filter(slug=slug, publication__in=went_public(now))
        .order_by("-go_live_at", "-publication_id")
        .values("country_id")[:1]
    )
    for publications in (live(now), went_public(now)):
        row = PublishedCountry.objects.latest_for(Subquery(under_slug), publications).first()
        if row is not None:
            return row.as_country()
    return None


def current_determinations(now=None, country=None, country_ids=None):
    """Every country's current determination, highest stage first.

    "Current" comes from the newest *current* publication (one per alert) that rates
    the country: if an alert's update drops a rating, the dropped rating is no longer
    current. Kept as CountrySpans by the workflow (alerts/succession.py), so this
    is one query over the current rows (about a thousand at 100,000 alerts), with
    when each country reached its stages (``changed_at``).
    """
    now = now or timezone.now()
    rows = CountrySpan.objects.current(now)
    if country is not None:
        rows = rows.filter(country=country)
    if country_ids is not None:
        rows = rows.filter(country_id__in=list(country_ids))
    rows = rows.order_by("country_id", "-stage_id").values_list(
        "country_id",
        "stage_id",
        "stage__name",
        "publication_id",
        "publication__slug",
        "publication__title",
        "publication__go_live_at",
        "changed_at",
        "changed_at_or_before",
        "previous_stages",
    )
    # Plain rows, and one Stage object each however many rows name it: four model
    # instances a row would cost more than the query.
    by_country, stages = {}, {}
    for row in rows:
        country_id, stage_id, stage_name, pub_id, slug, title, go_live_at, since, before, prev = row
        determination = by_country.get(country_id)
        if determination is None:
            determination = by_country[country_id] = CurrentDetermination(
                country=country_id,
                publication_id=pub_id,
                alert_slug=slug,
                alert_title=title,
                go_live_at=go_live_at,
                changed_at=since,
                changed_at_or_before=before,
                previous_stages=prev,
            )
        stage = stages.get(stage_id)
        if stage is None:
            stage = stages[stage_id] = Stage(number=stage_id, name=stage_name)
        determination.stages.append(stage)
    if country is not None:
        names = {country.pk: country}
    else:
        names = public_countries(by_country, now) if by_country else {}
    for determination in by_country.values():
        determination.country = names[determination.country]
    return sorted(by_country.values(), key=lambda d: (-d.highest, d.country.name))


# The ten stages in three bands, coloured as the alert levels are (site.css): the
# home page's "at a glance" groups countries by the band of their highest stage.
STAGE_BANDS = (
    (range(8, 11), 3, "At stage 8 to 10: persecution, extermination, denial"),
    (range(5, 8), 2, "At stage 5 to 7: organization, polarization, preparation"),
    (range(1, 5), 1, "At stage 1 to 4: classification to dehumanization"),
)


def stage_bands(determinations):
    """``current_determinations`` grouped by the band of each country's highest stage,
    highest band first, empty bands left out: [{"level", "label", "countries"}]. No query."""
    bands = []
    for stages, level, label in STAGE_BANDS:
        of_band = [d for d in determinations if d.highest in stages]
        if of_band:
            bands.append({"level": level, "label": label, "countries": of_band})
    return bands


def recent_changes(determinations, count):
    """The ``count`` countries whose current determination began most recently, newest
    first, each with how it moved (``CurrentDetermination.direction``). No query: the
    previous stages were stored with the spans at publication (alerts/succession.py)."""
    dated = [d for d in determinations if d.changed_at is not None]
    dated.sort(key=lambda d: (-d.changed_at.timestamp(), d.country.name))
    return dated[:count]


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
    rows = live_determinations(now).filter(country=country)
    withheld = RedactedVersion.objects.filter(
        publication=OuterRef("publication_id"),
        redaction__review__decision=RedactionReview.Decision.APPROVED,
    )
    # Newest first, then cut: a point has at most one row per stage, so the newest
    # `last` points are complete within (last + 1) * 10 rows.
    rows = (
        rows.annotate(withheld=Exists(withheld))
        .order_by(*NEWEST_ROWS_FIRST)[: (last + 1) * STAGES_PER_POINT]
        .values_list(
            "go_live_at",
            "publication_id",
            "publication__slug",
            "publication__title",
            "publication__number",
            "publication__change_kind",
            "stage_id",
            "alert_id",
            "withheld",
        )
    )
    points = {}
    titles = {}  # each alert's newest title that is not withheld
    for go_live_at, pub_id, slug, title, number, kind, stage, alert_id, hidden in rows:
        point = points.get(pub_id)
        if point is None:
            # A withheld version's title may name whom it was withheld for.
            shown = None if hidden else title
            point = points[pub_id] = HistoryPoint(
                go_live_at, pub_id, slug, shown, number, kind, alert_id=alert_id
            )
            if not hidden:
                titles.setdefault(alert_id, title)
        point.stages.append(stage)
    for point in points.values():
        if point.alert_title is None:
            point.alert_title = titles.get(point.alert_id, f"Version {point.number} (withheld)")
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


def last_change(country_id, stages, go_live_at, now=None):
    """When the country reached ``stages``, its current determination (made by a
    publication gone live at ``go_live_at``): (time, whether it is only "on or
    before" that time, the stages it replaced: descending stage numbers, [] for the
    country's first determination, None when the rows read do not reach back to it).

    Walks the country's newest CHANGED_AT_ROWS rows live at ``now`` back from the
    newest point while the stages equal ``stages``: one query through the
    (country, go_live_at) index. Worked out when the country's spans are written
    (alerts/succession.py), not per page view.
    """
    newest_first = list(
        live_determinations(now)
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
    since, previous = _last_change(points, set(stages), go_live_at)
    or_before = not complete and bool(points) and since == points[0][1]
    return since, or_before, (previous if previous or (complete and not or_before) else None)


def changed_at(country_id, stages, go_live_at, now=None):
    """(time, whether only "on or before") of ``last_change``."""
    return last_change(country_id, stages, go_live_at, now)[:2]


def _last_change(points, wanted, current_go_live_at):
    """The start of the final run of ``points`` (pub id, time, stages) whose stages are
    ``wanted``, the current determination's, made at ``current_go_live_at``; and the
    stages of the point before that run (descending), the determination the current one
    replaced, or [] when there is none among ``points`` (the first determination)."""
    since = current_go_live_at
    for _, go_live_at, stages in reversed(points):
        if go_live_at > current_go_live_at:
            continue  # a newer, superseded version's rating: not what is current
        if set(stages) != wanted:
            return since, sorted(set(stages), reverse=True)
        since = min(since, go_live_at)
    return since, []


def _since(points, wanted, current_go_live_at):
    return _last_change(points, wanted, current_go_live_at)[0]


def changed_at_from_history(history, current):
    """``changed_at`` for one country from its ``country_history`` (no query)."""
    return _since(
        [(p.publication_id, p.go_live_at, p.stages) for p in history],
        {s.number for s in current.stages},
        current.go_live_at,
    )


def previous_from_history(history, current, *, complete):
    """The stages ``current`` replaced, from the country's ``country_history`` (no
    query): descending numbers, [] for a first determination, None when the history
    read (not ``complete``) does not reach back to the change."""
    _, previous = _last_change(
        [(p.publication_id, p.go_live_at, p.stages) for p in history],
        {s.number for s in current.stages},
        current.go_live_at,
    )
    return previous if previous or complete else None


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
    """Countries rated by at least one live publication (for filters and sitemaps),
    annotated with ``public_name`` and ``public_slug``: as the newest live publication
    including them recorded them (``public_countries``).

    Per country, the first of its determinations whose publication is live (a
    scalar subquery with LIMIT, which stops at the first hit; PostgreSQL turns an
    EXISTS into a join over every live row, badly misestimated).
    """
    first_live = (
        live_determinations(now)
        .filter(country=OuterRef("pk"))
        .order_by()  # any live one will do: stop at the first
        .values("pk")[:1]
    )
    recorded = PublishedCountry.objects.latest_for(OuterRef("pk"), live(now))
    return (
        Country.objects.alias(rated=Subquery(first_live))
        .filter(rated__isnull=False)
        .annotate(
            public_name=Subquery(recorded.values("name")[:1]),
            public_slug=Subquery(recorded.values("slug")[:1]),
        )
    )
