import reversion
from django.db import models


class Stage(models.Model):
    """One of the Ten Stages of Genocide. Reference data, created by a migration."""

    number = models.PositiveSmallIntegerField(primary_key=True, help_text="1 to 10.")
    name = models.CharField(max_length=40, unique=True)
    definition = models.TextField(help_text="One sentence, in our own words.")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.name}"


class Country(models.Model):
    """A country or territory an alert speaks about.

    Territories without an ISO 3166 code (e.g. Artsakh / Nagorno-Karabakh) are allowed,
    so the code is optional but unique where given.
    """

    name = models.CharField(max_length=120, unique=True, help_text="The name readers know it by.")
    slug = models.SlugField(max_length=120, unique=True, help_text="Used in the country's URL.")
    iso_code = models.CharField(
        "ISO 3166 code",
        max_length=3,
        blank=True,
        help_text="Two-letter ISO 3166-1 code (e.g. AM). Leave empty for a territory without one.",
    )
    region = models.CharField(max_length=80, blank=True, help_text="e.g. South Caucasus.")
    aliases = models.CharField(
        max_length=300,
        blank=True,
        help_text="Other names, separated by commas (e.g. Nagorno-Karabakh), so search finds them.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.UniqueConstraint(
                fields=["iso_code"],
                condition=~models.Q(iso_code=""),
                name="country_iso_code_unique_when_set",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.iso_code = self.iso_code.strip().upper()
        super().save(*args, **kwargs)


@reversion.register()
class StageRating(models.Model):
    """A determination: in this alert, this country is at this stage."""

    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="ratings")
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

    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="evidence")
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
