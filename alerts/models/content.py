"""What belongs to one alert and is versioned with it: its determinations, evidence,
citations and recommendations. The shared reference data they point at lives in
stages/ and sources/."""

import reversion
from django.db import models

from sources.models import Source
from stages.models import Country, Stage

from .alert import Alert


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
