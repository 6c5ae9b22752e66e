import reversion
from django.db import models


# Versioned on their own (an alert never follows them): who changed a stage or a
# country, and when, is part of what reviewers rely on (workflow.reference_authors).
@reversion.register()
class Stage(models.Model):
    """One of the Ten Stages of Genocide. Reference data, created by a migration."""

    number = models.PositiveSmallIntegerField(primary_key=True, help_text="1 to 10.")
    name = models.CharField(max_length=40, unique=True)
    definition = models.TextField(help_text="One sentence, in our own words.")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.name}"


@reversion.register()
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
