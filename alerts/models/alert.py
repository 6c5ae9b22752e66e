"""The editors' working copy: the Alert, versioned by django-reversion."""

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from stages.models import Country


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
    from .publication import Publication  # publications refer to alerts: imported late

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
