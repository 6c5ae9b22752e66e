"""What sources/ owns: shared sources, whose addresses are web addresses only."""

import pytest
from django.core.exceptions import ValidationError

from sources.models import Source
from sources.validators import validate_web_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["https://www.un.org/en/genocideprevention/", "http://example.org/report.pdf?page=3"],
)
def test_web_addresses_are_accepted(url):
    validate_web_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "example.org/no-scheme",
        "https://",
    ],
)
def test_anything_else_is_refused_with_a_reason(url):
    with pytest.raises(ValidationError):
        validate_web_url(url)


def test_a_source_with_a_script_address_does_not_validate():
    source = Source(title="A report", publisher="Someone", url="javascript:alert(1)")
    with pytest.raises(ValidationError) as raised:
        source.full_clean()
    assert "url" in raised.value.message_dict


def test_sources_know_nothing_of_alerts():
    """sources/ is a leaf: alerts depends on it, never the other way round."""
    import pathlib

    app = pathlib.Path(__file__).resolve().parents[2] / "sources"
    lines = [line for path in app.rglob("*.py") for line in path.read_text().splitlines()]
    assert [
        line for line in lines if line.startswith(("import ", "from ")) and "alerts" in line
    ] == []
    assert [line for line in lines if "alerts." in line and not line.lstrip().startswith("#")] == []
