import reversion
from django.conf import settings
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

    # The long text fields that may carry citation markers, with their labels for editors.
    TEXT_FIELDS = {
        "summary": "Summary",
        "background": "Background",
        "legal_analysis": "Legal analysis",
        "assessment": "Assessment",
    }

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["level", "-issued_on"])]
        permissions = [("preview_alert", "Can preview the working copy of an alert")]

    def __str__(self):
        return self.title


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
