"""What the public sees: publications, their determinations, and which of them is
current (Supersession, CountrySpan: derived, written by alerts/succession.py)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from stages.models import Country

from .alert import Alert, Level
from .workflow import (
    ChangeKind,
    ImmutableModel,
    ImmutableQuerySet,
    RedactedVersion,
    RedactionReview,
    Submission,
    Withdrawal,
)


class PublicationQuerySet(ImmutableQuerySet):
    def live(self, now=None):
        """What the public may read: publications gone live that no withdrawal took down.

        The one definition. Every public surface starts here (or from ``current``,
        which narrows it), and nothing else restates it. Time is a filter, not a job:
        a scheduled publication becomes visible the moment its go-live time passes,
        with no cron.
        """
        now = now or timezone.now()
        # NOT EXISTS rather than a LEFT JOIN on the withdrawal: PostgreSQL plans the
        # anti-join well, while the join's IS NULL filter was misestimated into
        # sequential scans of every publication (17-35 s at 100,000 alerts).
        withdrawn = Withdrawal.objects.covering(
            models.OuterRef("alert_id"), models.OuterRef("number")
        )
        return self.filter(~models.Exists(withdrawn), go_live_at__lte=now)

    def with_withholding(self):
        """Annotate ``withheld_at`` and ``withheld_reason``: set when an approved
        redaction withholds the version's text from the public (None otherwise)."""
        approved = RedactedVersion.objects.filter(
            publication=models.OuterRef("pk"),
            redaction__review__decision=RedactionReview.Decision.APPROVED,
        ).order_by("redaction__review__decided_at")
        return self.annotate(
            withheld_at=models.Subquery(approved.values("redaction__review__decided_at")[:1]),
            withheld_reason=models.Subquery(approved.values("redaction__reason")[:1]),
        )

    def current(self, now=None):
        """Of ``live``, each alert's current version: the ones not superseded by ``now``.

        Read from Supersession, one row per publication written by the workflow when
        it publishes (alerts/succession.py), so this is one lookup a publication, not a
        search for a newer publication of every alert. A publication without its row
        (written some other way, until ``manage.py rebuild_current`` has run) is not
        shown: better missing for a while than a superseded version shown as current.
        """
        now = now or timezone.now()
        holds = Supersession.objects.filter(
            models.Q(superseded_at__isnull=True) | models.Q(superseded_at__gt=now),
            publication=models.OuterRef("pk"),
        )
        return self.live(now).filter(models.Exists(holds))


class Publication(ImmutableModel):
    """What the public sees: an approved snapshot, numbered per alert, never changed."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="publications")
    number = models.PositiveIntegerField()
    submission = models.OneToOneField(
        Submission, on_delete=models.PROTECT, related_name="publication"
    )
    snapshot = models.JSONField()
    snapshot_hash = models.CharField(max_length=64)
    change_kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    change_note = models.TextField(blank=True)
    approvers = models.JSONField(default=list, help_text="Usernames of the approving reviewers.")
    published_at = models.DateTimeField(default=timezone.now)
    go_live_at = models.DateTimeField(db_index=True)
    # Copied out of the snapshot so lists and filters are queries, not JSON scans.
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, db_index=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    issued_on = models.DateField()
    # Made once, at publication, from the snapshot (alerts/rendering.py), so that no
    # reader's request runs Markdown and lists never read the snapshot.
    content_html = models.TextField(help_text="The alert's content, rendered and sanitised.")
    summary_html = models.TextField(help_text="The summary, rendered (feed entries).")
    summary_text = models.TextField(help_text="The summary as plain text (lists, descriptions).")
    countries = models.JSONField(
        default=list, help_text="The alert's countries, each marked whether it is rated."
    )
    # PostgreSQL full-text search (alerts/public/search.py); the GIN index is made by a
    # migration, on PostgreSQL only. Always NULL on SQLite.
    search_document = SearchVectorField(null=True, editable=False)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["alert", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["alert", "number"], name="publication_number_unique")
        ]
        # The public lists walk and count current publications (about 97,000 at
        # 100,000 alerts) in these indexes alone, without reading the rows, which hold
        # rendered text: a count read 450 MB of rows (226 ms), read this way 12 MB.
        # With the alert (for the withdrawal test) and the go-live time included,
        # PostgreSQL answers from the index; SQLite ignores ``include``.
        indexes = [
            models.Index(fields=["-go_live_at"]),
            models.Index(
                fields=["go_live_at"], include=["id", "alert"], name="publication_live_cover"
            ),
            models.Index(
                fields=["level", "-issued_on"],
                include=["go_live_at", "id", "alert"],
                name="publication_level",
            ),
            # The public list's order (queries.NEWEST_FIRST): its first pages are
            # read off the index instead of sorting every live publication.
            models.Index(
                fields=["-issued_on", "-go_live_at", "-id"],
                include=["alert"],
                name="publication_newest_first",
            ),
        ]

    def __str__(self):
        return f"{self.title} — publication {self.number}"


class PublishedDetermination(ImmutableModel):
    """One published determination (country at stage) for stage-history queries."""

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="determinations"
    )
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="determinations")
    stage = models.ForeignKey("stages.Stage", on_delete=models.PROTECT, related_name="+")
    go_live_at = models.DateTimeField()

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["country", "-go_live_at", "stage"]
        indexes = [
            models.Index(fields=["country", "-go_live_at"]),
            models.Index(fields=["stage", "-go_live_at"]),
            # The list's country and stage filters ask which publications have a row
            # for a country (and stage): answered from these alone, without reading
            # the rows (75,000 of them for the busiest country at 100,000 alerts).
            models.Index(fields=["country", "stage", "publication"], name="determination_filter"),
            models.Index(fields=["stage", "publication"], name="determination_stage_filter"),
        ]

    def __str__(self):
        return f"{self.country} at stage {self.stage_id} ({self.go_live_at:%Y-%m-%d})"


class PublishedCountryQuerySet(ImmutableQuerySet):
    def latest_for(self, country, publications):
        """The row of the newest of ``publications`` recording ``country`` (a value or
        an expression, e.g. OuterRef): what the public sees of it."""
        return self.filter(country=country, publication__in=publications).order_by(
            "-go_live_at", "-publication_id"
        )


class PublishedCountry(ImmutableModel):
    """A country as one publication recorded it: its name, address, region and other
    names, copied out of the approved snapshot.

    The public sees each country as the newest live publication that includes it
    recorded it (queries.public_countries), so an edit to a Country reaches readers
    only with the next reviewed publication that includes it, and every slug a
    country was ever published under stays known, to redirect from.
    """

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="published_countries"
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    iso_code = models.CharField(max_length=3, blank=True)
    region = models.CharField(max_length=80, blank=True)
    aliases = models.CharField(max_length=300, blank=True)
    go_live_at = models.DateTimeField()

    objects = PublishedCountryQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["country", "-go_live_at", "-publication"], name="published_country_latest"
            ),
            models.Index(fields=["slug", "-go_live_at"], name="published_country_slug"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "country"], name="one_row_a_published_country"
            )
        ]

    def __str__(self):
        return f"{self.name} as publication {self.publication_id} recorded it"

    def as_country(self):
        """A Country with the recorded fields, for templates, links and filters (never
        saved: it stands for the row, as readers see it)."""
        country = Country(
            pk=self.country_id,
            name=self.name,
            slug=self.slug,
            iso_code=self.iso_code,
            region=self.region,
            aliases=self.aliases,
        )
        country._state.adding = False
        return country


class PublicationDiff(ImmutableModel):
    """What changed between two publications of an alert (alerts.diff.snapshot_changes),
    worked out once, when the pair is first asked for, and kept: publications never
    change, so neither does their diff, and no request diffs them again."""

    old = models.ForeignKey(
        Publication, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField()
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["new", "old"], name="one_diff_a_pair"),
            # NULLs are distinct in the constraint above.
            models.UniqueConstraint(
                fields=["new"], condition=models.Q(old__isnull=True), name="one_first_diff"
            ),
        ]

    def __str__(self):
        return f"Diff of publication {self.old_id} to {self.new_id}"


class Supersession(models.Model):
    """When a publication stops (or stopped) being its alert's current version: the
    earliest go-live time of any later-numbered publication of the alert, or NULL
    while there is none.

    Derived from the alert's publications (alerts/succession.py), one row per
    publication: written by the workflow in the transaction that publishes, and made
    again from the publications by ``manage.py rebuild_current``.
    """

    publication = models.OneToOneField(
        Publication, on_delete=models.CASCADE, primary_key=True, related_name="supersession"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        if self.superseded_at is None:
            return f"Publication {self.publication_id}, not superseded"
        return (
            f"Publication {self.publication_id} superseded at {self.superseded_at:%Y-%m-%d %H:%M}"
        )


class CountrySpanQuerySet(models.QuerySet):
    def current(self, now=None):
        """The rows that hold at ``now``, of publications that are live then."""
        now = now or timezone.now()
        return self.filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now),
            starts_at__lte=now,
            publication__in=Publication.objects.live(now),
        )


class CountrySpan(models.Model):
    """One stage of a country's current determination: the country is rated at
    ``stage`` by ``publication``, the newest current publication that rates it, from
    ``starts_at`` until ``ends_at`` (open-ended when None).

    Derived from the determinations and the Supersessions (alerts/succession.py),
    written by the workflow in the transaction that publishes or withdraws, so that
    "every country's current stages" (home, /stages/, /countries/, the escalation
    check) is a read of about a thousand rows instead of a walk of each country's
    determinations (40 ms at 100,000 alerts), and when it last changed is read, not
    worked out. Only the present and the future are kept: the first row of a country
    starts at its publication's go-live time, and rows that ended before the last
    rebuild are dropped. A scheduled publication's rows are written at approval
    and start when it goes live.
    """

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("stages.Stage", on_delete=models.CASCADE, related_name="+")
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    # When the country reached these stages (queries.changed_at), for /countries/.
    changed_at = models.DateTimeField()
    changed_at_or_before = models.BooleanField()
    # The stages the country had before changed_at (descending numbers), so pages can say
    # whether it was raised or lowered without reading its history: [] when these are
    # its first stages, None when unknown (rows written before this column existed,
    # until `manage.py rebuild_current`, or a change further back than was read).
    previous_stages = models.JSONField(null=True, blank=True)

    objects = CountrySpanQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["country", "starts_at"], name="country_span_country")]

    def __str__(self):
        until = f"{self.ends_at:%Y-%m-%d %H:%M}" if self.ends_at else "further notice"
        return (
            f"{self.country_id} at stage {self.stage_id} by publication {self.publication_id}"
            f" until {until}"
        )


class PublicationAsset(ImmutableModel):
    """A file made from one publication for sharing or printing: its social card (PNG)
    or its PDF (alerts/assets.py). Made once, by a task after the publication commits
    (or by the first request that finds it missing), and never changed: a publication
    never changes, so neither does what is made from it.

    Kept in the database (a BinaryField) rather than under MEDIA_ROOT: every app server
    reads the same row with no shared file system, the backup of the database is the
    backup of the files, and a row cannot outlive (or miss) its publication. They are
    small (a card some tens of kB, a PDF some hundreds) and one of each a publication.
    """

    class Kind(models.TextChoices):
        CARD = "card", "Social card (PNG)"
        PDF = "pdf", "PDF"

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="assets")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    content = models.BinaryField()
    # The strong ETag of the file, and a check that what is served is what was made.
    sha256 = models.CharField(max_length=64)
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "kind"], name="one_asset_a_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of publication {self.publication_id}"
