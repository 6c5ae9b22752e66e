"""The review workflow's records: submissions, approvals, withdrawals and the audit
trail. Written only by alerts/workflow.py; the public ones are insert-only."""

from django.conf import settings
from django.db import models, router
from django.utils import timezone

from .alert import Alert


class ChangeKind(models.TextChoices):
    FIRST = "first", "First publication"
    UPDATE = "update", "Update"
    CORRECTION = "correction", "Correction"
    # A withdrawn alert published again, reviewed like any other version.
    RESTORATION = "restoration", "Restoration"


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


class Submission(models.Model):
    """An alert put up for review, pinned to the exact revision and snapshot submitted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        SUPERSEDED = "superseded", "Superseded"
        STALE = "stale", "Stale: the alert changed after it was submitted"
        PUBLISHED = "published", "Published"

    # PROTECT: a submitted alert is part of the record (its audit trail, its review);
    # only an alert that was never submitted can be deleted.
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="submissions")
    revision = models.ForeignKey(
        "reversion.Revision", on_delete=models.PROTECT, related_name="+", editable=False
    )
    snapshot = models.JSONField(editable=False)
    snapshot_hash = models.CharField(max_length=64, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    change_kind = models.CharField(max_length=12, choices=ChangeKind.choices)
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
    # When the submitter was told that it went stale (in the admin, on their next visit).
    submitter_told_at = models.DateTimeField(null=True, blank=True, editable=False)

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


class Approval(ImmutableModel):
    """One reviewer's approval of one submission, write-once. Escalations need two."""

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


class WithdrawalQuerySet(ImmutableQuerySet):
    def covering(self, alert, number):
        """The withdrawals that took publication ``number`` of ``alert`` down (values
        or expressions, e.g. OuterRef): one is enough to keep it off the public site."""
        return self.filter(alert=alert, last_number__gte=number)


class Withdrawal(ImmutableModel):
    """A published alert taken down by a reviewer, with a public reason.

    It takes down every publication of the alert up to ``last_number`` (all it had at
    the time), at once; a second reviewer then confirms or rejects it
    (WithdrawalReview). Nothing is un-withdrawn in place: the alert comes back only as
    a new, reviewed publication (a restoration), whose number is higher.
    """

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="withdrawals")
    last_number = models.PositiveIntegerField(
        help_text="The publications of the alert up to this number are withdrawn."
    )
    reason = models.TextField(help_text="Shown publicly in place of the alert.")
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(default=timezone.now)

    objects = WithdrawalQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "last_number"], name="one_withdrawal_a_version"
            )
        ]

    def __str__(self):
        return f"Withdrawal of {self.alert} on {self.withdrawn_at:%Y-%m-%d}"


class SecondReview(ImmutableModel):
    """A second reviewer's decision on what a first one did or proposed (a withdrawal,
    a redaction): write-once, by someone other than the first. Subclasses add the
    one-to-one field to what is decided on and the ``decision`` choices."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class WithdrawalReview(SecondReview):
    """Confirmed, or rejected (the alert is then restored through a submission)."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    withdrawal = models.OneToOneField(Withdrawal, on_delete=models.PROTECT, related_name="review")
    decision = models.CharField(max_length=10, choices=Decision.choices)

    def __str__(self):
        return f"{self.get_decision_display()}: {self.withdrawal}"


class WorkflowEventQuerySet(ImmutableQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        raise ImmutableError("WorkflowEvents are chained one at a time: save each.")


class WorkflowEvent(ImmutableModel):
    """Append-only audit trail, hash-chained (alerts/audit.py). Keeps the alert's id and
    title if the alert is deleted."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        SUPERSEDED = "superseded", "Superseded by a newer submission"
        APPROVED = "approved", "Approved (awaiting a second approval)"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Approved and scheduled"
        WITHDRAWN = "withdrawn", "Withdrawn"
        WENT_STALE = "went_stale", "Went stale (the alert changed after it was submitted)"
        WITHDRAWAL_CONFIRMED = "withdrawal_confirmed", "Withdrawal confirmed"
        WITHDRAWAL_REJECTED = "withdrawal_rejected", "Withdrawal rejected (to be restored)"
        REDACTION_PROPOSED = "redaction_proposed", "Withholding of past versions proposed"
        REDACTION_APPROVED = "redaction_approved", "Past versions withheld"
        REDACTION_REJECTED = "redaction_rejected", "Withholding of past versions rejected"
        INTEGRITY_FAILURE = "integrity_failure", "Refused: stored content does not match its hash"

    # Ids and names, not foreign keys: an event says who did what to which record as
    # it was then, whatever happens to the alert, the user or the submission later,
    # and no deletion elsewhere ever rewrites a row of the chain (alerts/audit.py).
    alert_ref = models.BigIntegerField(
        help_text="The alert's id, kept after deletion.", db_index=True
    )
    alert_title = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    # Empty only in events written before ids were kept whose user had been deleted.
    actor_ref = models.BigIntegerField(null=True, blank=True, help_text="The acting user's id.")
    actor_name = models.CharField(max_length=150)
    submission_ref = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The submission's id, if any."
    )
    publication_ref = models.BigIntegerField(
        null=True, blank=True, help_text="The publication's id, if any."
    )
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The chain (alerts/audit.py), set by save(). Unique, so that two events can never
    # claim the same place or the same predecessor: the chain cannot fork.
    position = models.PositiveBigIntegerField(unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, unique=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = WorkflowEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.alert_title}: {self.get_action_display()} by {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            return super().save(*args, **kwargs)  # refused
        from .. import audit

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        audit.append(self, lambda: super(WorkflowEvent, self).save(*args, **kwargs), using)


class AuditHead(models.Model):
    """The end of the audit chain: how many events it holds and the last one's hash.

    One row, locked by every event's insert (alerts/audit.py) and moved in the same
    transaction. Not an ImmutableModel: it is the one thing in the chain that moves.
    """

    ONLY = 1

    count = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="one_audit_head")]

    def __str__(self):
        return f"{self.count} events, head {self.hash}"


class Redaction(ImmutableModel):
    """A reviewer's proposal to withhold the text of past versions of an alert (for the
    safety of people named in them, say), which a second reviewer approves or rejects
    (RedactionReview). Publications never change: approved, the versions' public pages,
    diffs, feeds and API entries show a notice instead of their text; staff still see it.
    """

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="redactions")
    reason = models.CharField(
        max_length=200,
        default="for the safety of people named in it",
        help_text="Public, completing “Version 2 withheld on 5 December 2026 …”.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Redaction of {self.alert} proposed {self.proposed_at:%Y-%m-%d}"


class RedactedVersion(ImmutableModel):
    """One version a redaction withholds."""

    redaction = models.ForeignKey(Redaction, on_delete=models.PROTECT, related_name="versions")
    publication = models.ForeignKey(
        "alerts.Publication", on_delete=models.PROTECT, related_name="redactions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["redaction", "publication"], name="one_row_a_redacted_version"
            )
        ]

    def __str__(self):
        return f"{self.redaction}: publication {self.publication_id}"


class RedactionReview(SecondReview):
    """Approved (the versions are withheld from then on), or rejected."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    redaction = models.OneToOneField(Redaction, on_delete=models.PROTECT, related_name="review")
    decision = models.CharField(max_length=10, choices=Decision.choices)

    def __str__(self):
        return f"{self.get_decision_display()}: {self.redaction}"
