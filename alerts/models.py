import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from sources.models import Source
from stages.models import Country, Stage


class Level(models.IntegerChoices):
    """Alert levels, ordered by severity so that comparisons mean escalation."""

    WATCH = 1, "Genocide Watch"
    WARNING = 2, "Genocide Warning"
    EMERGENCY = 3, "Genocide Emergency"


# The alert follows everything that is part of it, so one revision is the whole alert.
# It never follows Source: reverting one alert must not rewrite a source others cite.
@reversion.register(follow=("ratings", "evidence", "recommendations", "citations"))
class Alert(models.Model):
    """The editors' working copy of an alert. Every save is a django-reversion revision."""

    title = models.CharField(max_length=200, help_text="Headline as readers will see it.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="Used in the public URL; do not change once published.",
    )
    level = models.PositiveSmallIntegerField(
        choices=Level.choices,
        default=Level.WATCH,
        help_text="Watch < Warning < Emergency. Raising to Emergency needs two approvers.",
    )
    countries = models.ManyToManyField(
        Country,
        related_name="alerts",
        help_text="Every country or territory the alert speaks about, including those rated.",
    )
    issued_on = models.DateField(help_text="The date the alert is issued under.")
    summary = models.TextField(
        help_text="Two or three sentences for lists and feeds. Markdown; cite with [N]."
    )
    background = models.TextField(blank=True, help_text="Markdown; cite with [N].")
    legal_analysis = models.TextField(blank=True, help_text="Markdown; cite with [N].")
    assessment = models.TextField(blank=True, help_text="Markdown; cite with [N].")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # The alert's own text fields, in reading order, with their labels: declared here
    # once, read by the admin, the snapshot, its rendering, the diff and search.
    TEXT_FIELDS = {
        "summary": "Summary",
        "background": "Background",
        "legal_analysis": "Legal analysis",
        "assessment": "Assessment",
    }

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["level", "-issued_on"]),
            # The admin changelist's default order: a page is read off the index.
            models.Index(fields=["-issued_on", "-id"], name="alert_newest_first"),
        ]
        permissions = [("preview_alert", "Can preview the working copy of an alert")]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        taken = slug_taken(self.slug, alert_id=self.pk)
        if taken:
            raise ValidationError({"slug": taken})


def slug_taken(slug, *, alert_id):
    """Why ``slug`` cannot be the public address of alert ``alert_id``, or "".

    An address that has been published stays with its alert for good, withdrawn or
    renamed: links to it (in lists, citations, other sites) and the redirect from an
    old name must keep reaching that alert, never another one.
    """
    other = (
        Publication.objects.filter(slug=slug)
        .exclude(alert_id=alert_id)
        .order_by("-go_live_at")
        .values_list("title", flat=True)
        .first()
    )
    if other is None:
        return ""
    return (
        f"The address /alerts/{slug}/ belongs to another alert that has been published "
        f"(“{other}”). Choose another slug."
    )


# --- What belongs to one alert: its determinations, evidence and citations ---------
# (the shared reference data they point at lives in stages/ and sources/).


@reversion.register()
class StageRating(models.Model):
    """A determination: in this alert, this country is at this stage."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="ratings")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="ratings")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="ratings")
    rationale = models.TextField(
        help_text="Why this country is at this stage. Markdown; cite sources with markers like [3]."
    )

    class Meta:
        ordering = ["country__name", "stage"]
        verbose_name = "stage rating"
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "country", "stage"], name="rating_unique_per_alert_country_stage"
            )
        ]
        indexes = [models.Index(fields=["country", "stage"])]

    def __str__(self):
        return f"{self.country} at stage {self.stage_id}"


@reversion.register()
class StageEvidence(models.Model):
    """Evidence that a stage is present, optionally tied to one country."""

    class Period(models.TextChoices):
        HISTORICAL = "historical", "Historical"
        CURRENT = "current", "Current"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="evidence")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="evidence")
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        help_text="Leave empty when the evidence concerns the situation as a whole.",
    )
    period = models.CharField(
        max_length=10,
        choices=Period.choices,
        default=Period.CURRENT,
        help_text="Historical evidence explains the past; current evidence supports today's rating.",
    )
    text = models.TextField(help_text="Markdown; cite sources with markers like [3].")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the stage.")

    class Meta:
        ordering = ["stage", "position", "id"]
        verbose_name = "stage evidence"
        verbose_name_plural = "stage evidence"

    def __str__(self):
        where = f" ({self.country})" if self.country_id else ""
        return f"Stage {self.stage_id} evidence{where}: {self.text[:60]}"


@reversion.register()
class Citation(models.Model):
    """This alert cites that source as footnote N. Text fields refer to it as [N]."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="citations",
        help_text="Choose an existing source or add a new one.",
    )
    number = models.PositiveSmallIntegerField(
        help_text="Footnote number; write [N] in the text to cite it."
    )
    locator = models.CharField(
        max_length=200, blank=True, help_text="Page, paragraph, article or timestamp."
    )
    quote = models.TextField(blank=True, help_text="Optional exact quotation from the source.")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "number"], name="citation_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="citation_number_gte_1"),
        ]

    def __str__(self):
        return f"[{self.number}] {self.source.title}"


@reversion.register()
class Recommendation(models.Model):
    """One recommendation: who should do what. Shown in position order."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the list.")
    addressee = models.CharField(
        max_length=200, help_text="Who is asked to act (e.g. The UN Security Council)."
    )
    action = models.TextField(help_text="What they should do. Markdown; cite with [N].")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.addressee}: {self.action[:60]}"


class ChangeKind(models.TextChoices):
    FIRST = "first", "First publication"
    UPDATE = "update", "Update"
    CORRECTION = "correction", "Correction"


class Submission(models.Model):
    """An alert put up for review, pinned to the exact revision and snapshot submitted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        SUPERSEDED = "superseded", "Superseded"
        PUBLISHED = "published", "Published"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="submissions")
    revision = models.ForeignKey(
        "reversion.Revision", on_delete=models.PROTECT, related_name="+", editable=False
    )
    snapshot = models.JSONField(editable=False)
    snapshot_hash = models.CharField(max_length=64, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    change_kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    change_note = models.TextField(
        blank=True, help_text="Public: what changed and why. Required after the first publication."
    )
    go_live_at = models.DateTimeField(
        null=True, blank=True, help_text="Embargo: publish at this time instead of on approval."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    approvals_required = models.PositiveSmallIntegerField(default=1)
    escalation_reasons = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        # An alert's latest submission (its workflow state) without scanning others'.
        indexes = [models.Index(fields=["alert", "-id"], name="submission_latest_per_alert")]
        constraints = [
            models.UniqueConstraint(
                fields=["alert"],
                condition=models.Q(status="pending"),
                name="one_open_submission_per_alert",
            )
        ]
        permissions = [
            ("submit_alert", "Can submit an alert for review"),
            ("review_alert", "Can approve or request changes to a submitted alert"),
            ("withdraw_alert", "Can withdraw a published alert"),
        ]

    def __str__(self):
        return f"{self.snapshot.get('title', self.alert_id)} submitted {self.submitted_at:%Y-%m-%d %H:%M}"


class Approval(models.Model):
    """One reviewer's approval of one submission. Escalations need two."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "reviewer"], name="one_approval_per_reviewer"
            )
        ]

    def __str__(self):
        return f"Approved by {self.reviewer} on {self.created_at:%Y-%m-%d}"


class ImmutableError(Exception):
    """Raised when code tries to change or delete a record the public relies on."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError(f"{self.model.__name__} rows cannot be updated.")

    def delete(self):
        raise ImmutableError(f"{self.model.__name__} rows cannot be deleted.")


class ImmutableModel(models.Model):
    """Insert-only: saving an existing row or deleting one raises ImmutableError."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} {self.pk} cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} {self.pk} cannot be deleted.")


class PublicationQuerySet(ImmutableQuerySet):
    def live(self, now=None):
        """What the public may read: publications gone live whose alert is not withdrawn.

        The one definition. Every public surface starts here (or from ``current``,
        which narrows it), and nothing else restates it. Time is a filter, not a job:
        a scheduled publication becomes visible the moment its go-live time passes,
        with no cron.
        """
        now = now or timezone.now()
        # NOT EXISTS rather than a LEFT JOIN on the withdrawal: PostgreSQL plans the
        # anti-join well, while the join's IS NULL filter was misestimated into
        # sequential scans of every publication (17-35 s at 100,000 alerts).
        withdrawn = Withdrawal.objects.filter(alert=models.OuterRef("alert_id"))
        return self.filter(~models.Exists(withdrawn), go_live_at__lte=now)

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
    change_kind = models.CharField(max_length=10, choices=ChangeKind.choices)
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


class Withdrawal(ImmutableModel):
    """A published alert taken down by a reviewer, with a public reason."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.TextField(help_text="Shown publicly in place of the alert.")
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    def __str__(self):
        return f"Withdrawal of {self.alert} on {self.withdrawn_at:%Y-%m-%d}"


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

    objects = CountrySpanQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["country", "starts_at"], name="country_span_country")]

    def __str__(self):
        until = f"{self.ends_at:%Y-%m-%d %H:%M}" if self.ends_at else "further notice"
        return (
            f"{self.country_id} at stage {self.stage_id} by publication {self.publication_id}"
            f" until {until}"
        )


class WorkflowEvent(ImmutableModel):
    """Append-only audit trail. Keeps the alert's id and title if the alert is deleted."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        SUPERSEDED = "superseded", "Superseded by a newer submission"
        APPROVED = "approved", "Approved (awaiting a second approval)"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Approved and scheduled"
        WITHDRAWN = "withdrawn", "Withdrawn"

    alert = models.ForeignKey(
        Alert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_constraint=False,
    )
    alert_ref = models.BigIntegerField(
        help_text="The alert's id, kept after deletion.", db_index=True
    )
    alert_title = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    submission = models.ForeignKey(
        Submission,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_constraint=False,
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.alert_title}: {self.get_action_display()} by {self.actor_name}"
