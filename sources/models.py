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
