"""Seed N synthetic alerts by the real workflow or the bulk path; idempotent by slug."""

from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings

from alerts import live_spans
from alerts.models import Alert

from . import plan as p
from .progress import Progress
from .reference import ensure_reference, ensure_users

# Up to this many alerts "auto" takes the real workflow path (a few alerts a second).
WORKFLOW_THRESHOLD = 200

# The workflow mails reviewers after each commit; synthetic data must not mail anyone.
_NO_MAIL = override_settings(
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
)


@dataclass
class SeedResult:
    path: str
    created: int
    existing: int
    seconds: float = 0.0


def existing_indices():
    return {
        int(slug.removeprefix(p.SLUG_PREFIX))
        for slug in Alert.objects.filter(slug__startswith=p.SLUG_PREFIX).values_list(
            "slug", flat=True
        )
        if slug.removeprefix(p.SLUG_PREFIX).isdigit()
    }


def seed(
    alerts,
    *,
    countries=200,
    sources=2000,
    seed=1,
    path="auto",
    batch_size=500,
    progress=True,
    stream=None,
):
    """Make sure synthetic alerts 1..``alerts`` exist; create only the missing ones."""
    import time

    started = time.monotonic()
    if path == "auto":
        path = "workflow" if alerts <= WORKFLOW_THRESHOLD else "bulk"
    with transaction.atomic():
        editor, reviewers = ensure_users()
        by_country, by_source, stages = ensure_reference(
            editor=editor, countries=countries, sources=sources
        )
    have = existing_indices()
    missing = [i for i in range(1, alerts + 1) if i not in have]
    bar = Progress(len(missing), stream=stream, enabled=progress)
    options = {"seed": seed, "countries": countries, "sources": sources}
    with _NO_MAIL:
        if path == "workflow":
            from .workflow_path import write_alert

            for index in missing:
                write_alert(
                    p.make_plan(index, **options),
                    editor=editor,
                    reviewers=reviewers,
                    countries=by_country,
                    sources=by_source,
                    stages=stages,
                )
                bar.advance()
        else:
            from ..public_cache import note_change
            from .bulk import BulkWriter

            writer = BulkWriter(
                editor=editor,
                reviewers=reviewers,
                countries=by_country,
                sources=by_source,
                stages=stages,
            )
            try:
                for start in range(0, len(missing), batch_size):
                    chunk = missing[start : start + batch_size]
                    writer.write_batch([p.make_plan(i, **options) for i in chunk])
                    bar.advance(len(chunk))
            finally:
                writer.close()
                # COPY sends no post_save signals: tell the page cache itself.
                note_change()
            writer.analyze()
            if writer.touched:
                # Written without saving models: the count of live alerts, the spans'
                # facets and each country's current determination are worked out
                # once, from all the rows (with fresh statistics).
                live_spans.recount()
                live_spans.retag_all()
                live_spans.rebuild_all_countries()
                note_change()
    bar.close()
    return SeedResult(path, len(missing), len(have), time.monotonic() - started)
