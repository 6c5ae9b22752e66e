from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

ALLOWED_SCHEMES = ("http", "https")


def validate_web_url(value):
    """Accept only http(s) URLs: a javascript: or data: link must never reach a reader."""
    scheme = urlsplit(value.strip()).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"“{scheme}:”" if scheme else "no scheme"
        raise ValidationError(
            "Only web addresses starting with http:// or https:// are allowed (this one has %(s)s).",
            code="url_scheme",
            params={"s": shown},
        )
    URLValidator(schemes=list(ALLOWED_SCHEMES))(value)
