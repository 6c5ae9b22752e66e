import reversion
from django.db import models

from .validators import validate_web_url


class WebURLField(models.URLField):
    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        # The form field's own URLValidator would accept ftp://; ours is stricter.
        field.validators = [validate_web_url]
        return field


@reversion.register()
class Source(models.Model):
    """A cited document. Shared by many alerts, so editing it is a separate act."""

    title = models.CharField(max_length=300, help_text="The document's own title.")
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Organisation or outlet that published it."
    )
    url = WebURLField(max_length=500, help_text="http(s) address of the document.")
    published_on = models.DateField(null=True, blank=True, help_text="When it was published.")
    accessed_on = models.DateField(null=True, blank=True, help_text="When we last checked it.")
    archive_url = WebURLField(
        max_length=500, blank=True, help_text="A permanent archived copy (e.g. Wayback Machine)."
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["title"])]

    def __str__(self):
        return f"{self.title} ({self.publisher})" if self.publisher else self.title


@reversion.register()
class Citation(models.Model):
    """This alert cites that source as footnote N. Text fields refer to it as [N]."""

    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="citations")
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
