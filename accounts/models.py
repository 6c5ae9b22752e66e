from django.db import models

from alerts.models import ImmutableModel


class AccountEvent(ImmutableModel):
    """Something done to a member of staff's account: who did it, to whom, and why.

    Written once, by accounts.services, never changed. Ids and names are copied in, not
    linked, so the record outlives both accounts."""

    class Action(models.TextChoices):
        SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"

    actor_id = models.BigIntegerField()
    actor_name = models.CharField(max_length=150)
    subject_user_id = models.BigIntegerField()
    subject_username = models.CharField(max_length=150)
    action = models.CharField(max_length=32, choices=Action.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["subject_user_id", "-created_at"])]

    def __str__(self):
        return f"{self.get_action_display()}: {self.subject_username} by {self.actor_name}"
