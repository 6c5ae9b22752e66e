"""What is made from a publication for sharing and printing (issue 21): its social card,
a 1200x630 PNG that link previews show (Pillow), and its PDF (WeasyPrint, tagged
PDF/UA-1 so that screen readers can read it).

Both are made once per publication, from the publication alone, by ``make_assets``:
a task queued in the transaction that publishes (``queue``), which the worker runs
once it has committed, and queues again later when it fails (alerts/tasks.py). They
are kept as PublicationAsset rows and never made again. A request that finds one
missing (the worker has not got to it yet) makes it itself, once, and keeps it
(``keep``): the first reader of a new alert is often a social network's robot
fetching its card, and a robot does not come back after a 503.

Neither ever shows what the public may not read: the public views serve them only
through the one definition of live (alerts/public/asset_views.py), and a card shows
only what the alert page's header shows (level, title, countries and their stages).
"""

import hashlib
import io
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from .models import Level, Publication, PublicationAsset
from .rendering import present
from .tasks import retry_later

logger = logging.getLogger(__name__)

Kind = PublicationAsset.Kind
CONTENT_TYPES = {Kind.CARD: "image/png", Kind.PDF: "application/pdf"}
CARD_WIDTH, CARD_HEIGHT = 1200, 630
# Debian's fonts-dejavu-core (installed by .ci/run; README): wide Unicode coverage for
# country names and titles in any Latin, Cyrillic or Greek script.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
# The levels' colours on the site (static/css/site.css, .alert-level).
LEVEL_COLOURS = {Level.WATCH: "#6b4e00", Level.WARNING: "#9a3b00", Level.EMERGENCY: "#8b0000"}
PDF_TEMPLATE = "public/alert_pdf.html"


class AssetUnavailable(Exception):
    """The file cannot be made on this machine (a font or WeasyPrint's libraries missing)."""


# --- What the card says ------------------------------------------------------------------


def _stages(numbers):
    if not numbers:
        return ""
    label = "stage" if len(numbers) == 1 else "stages"
    return f"{label} {', '.join(str(n) for n in numbers)}"


def country_lines(countries):
    """Each country of the publication with its stages, as the card writes them."""
    lines = []
    for country in countries:
        stages = _stages(country.get("stages") or [])
        lines.append(f"{country['name']} ({stages})" if stages else country["name"])
    return lines


def card_alt(publication):
    """The card's alternative text: everything the image says, in words."""
    text = f"Genocide alert: {publication.title}. Level: {Level(publication.level).label}."
    countries = country_lines(publication.countries)
    if countries:
        text += f" Countries: {', '.join(countries)}."
    return text


# --- Making them ---------------------------------------------------------------------------


def font_path(style):
    path = FONT_DIR / FONT_FILES[style]
    if not path.is_file():
        raise AssetUnavailable(
            f"The social card's font is missing: {path}. Install Debian's fonts-dejavu-core "
            "(apt-get install fonts-dejavu-core)."
        )
    return path


@cache
def _font(style, size):
    return ImageFont.truetype(str(font_path(style)), size)


def _wrap(draw, text, font, width, max_lines):
    """``text`` in lines no wider than ``width``; the last cut short with an ellipsis."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while draw.textlength(line, font=font) > width:  # one word wider than the card
            cut = len(line) - 1
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and draw.textlength(last + " …", font=font) > width:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], last + " …"]
    return lines


def make_card(publication):
    """The social card: a PNG of 1200x630 pixels, the size link previews expect."""
    colour = LEVEL_COLOURS.get(publication.level, LEVEL_COLOURS[Level.EMERGENCY])
    image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    margin, width = 64, CARD_WIDTH - 2 * 64
    # The level, white on its colour, as on the alert page.
    draw.rectangle([(0, 0), (CARD_WIDTH, 120)], fill=colour)
    draw.text(
        (margin, 60),
        Level(publication.level).label.upper(),
        font=_font("bold", 46),
        fill="white",
        anchor="lm",
    )
    y = 160
    title_font = _font("bold", 58)
    for line in _wrap(draw, publication.title, title_font, width, max_lines=3):
        draw.text((margin, y), line, font=title_font, fill="#1a1a1a")
        y += 72
    y += 24
    country_font = _font("regular", 34)
    countries = " · ".join(country_lines(publication.countries))
    for line in _wrap(draw, countries, country_font, width, max_lines=3):
        draw.text((margin, y), line, font=country_font, fill="#1a1a1a")
        y += 46
    # The footer: the site, the version and its date.
    draw.rectangle([(0, CARD_HEIGHT - 16), (CARD_WIDTH, CARD_HEIGHT)], fill=colour)
    draw.text(
        (margin, CARD_HEIGHT - 56),
        f"Genocide alerts · Version {publication.number} · {publication.go_live_at:%-d %B %Y}",
        font=_font("regular", 28),
        fill="#555555",
        anchor="ls",
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _weasyprint():
    """WeasyPrint's HTML and URLFetcher; AssetUnavailable without its system libraries."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango or HarfBuzz not installed
        raise AssetUnavailable(f"WeasyPrint cannot run here: {exc}") from exc
    return HTML, URLFetcher


def version_url(publication):
    path = reverse("public:alert_version", args=[publication.slug, publication.number])
    return settings.SITE_URL + path


def make_pdf(publication):
    """The publication as a PDF/UA-1 document: the version, its date, the
    determinations, the recommendations and the references with their URLs in full."""
    HTML, URLFetcher = _weasyprint()
    context = present(publication.snapshot) | {
        "publication": publication,
        "level_label": Level(publication.level).label,
        "version_url": version_url(publication),
        "current_url": settings.SITE_URL + reverse("public:alert_detail", args=[publication.slug]),
    }
    html = render_to_string(PDF_TEMPLATE, context)
    # Nothing is fetched while rendering: the template needs nothing from outside, and
    # an address in an editor's text must not make the worker call it.
    fetcher = URLFetcher(allowed_protocols=("data",), timeout=1)
    document = HTML(string=html, base_url=settings.SITE_URL, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1")


MAKERS = {Kind.CARD: make_card, Kind.PDF: make_pdf}


def keep(publication, kind):
    """Make the ``kind`` file of ``publication`` and keep it, unless it is kept already;
    returns the PublicationAsset."""
    found = PublicationAsset.objects.filter(publication=publication, kind=kind).first()
    if found is not None:
        return found
    content = MAKERS[kind](publication)
    asset = PublicationAsset(
        publication=publication,
        kind=kind,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        # Made at the same time by the worker or another request: theirs is kept.
        return PublicationAsset.objects.get(publication=publication, kind=kind)
    return asset


# --- The task ------------------------------------------------------------------------------


def queue(publication):
    """Queue the making of the publication's card and PDF. Call it in the transaction
    that publishes: the worker runs it once that has committed, and never if it rolls
    back."""
    make_assets.enqueue(publication_id=publication.pk)


@task
def make_assets(*, publication_id, attempt=1):
    """Make and keep the social card and the PDF of one publication."""
    try:
        publication = Publication.objects.get(pk=publication_id)
        for kind in (Kind.CARD, Kind.PDF):
            keep(publication, kind)
    except Exception:
        retry_later(make_assets, attempt=attempt, publication_id=publication_id)
        raise
