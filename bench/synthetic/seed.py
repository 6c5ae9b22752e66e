"""Seed N synthetic alerts by the real workflow or the bulk path; idempotent by slug."""

import sys
import time
from dataclasses import dataclass

from django.db import transaction
from django.test.utils import override_settings

from alerts import succession
from alerts.models import Alert
from alerts.public import page_cache
from stages.models import Country

from . import WORKFLOW_THRESHOLD
from . import plan as p
from .progress import Progress
from .reference import ensure_reference, ensure_users

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
    render_processes=0,
    progress=True,
    stream=None,
):
    """Make sure synthetic alerts 1..``alerts`` exist; create only the missing ones.

    ``render_processes``: the bulk path renders publications' content in that many
    worker processes (0: in this one).
    """
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
            from .bulk import BulkWriter

            writer = BulkWriter(
                editor=editor,
                reviewers=reviewers,
                countries=by_country,
                sources=by_source,
                stages=stages,
                render_processes=render_processes if missing else 0,
            )
            try:
                for start in range(0, len(missing), batch_size):
                    chunk = missing[start : start + batch_size]
                    writer.write_batch([p.make_plan(i, **options) for i in chunk])
                    bar.advance(len(chunk))
            finally:
                writer.close()
            bar.close()
            if writer.touched:
                writer.analyze()
                # Each country's current determination depends on every alert that
                # rates it: made once, from all the rows (with fresh statistics), by
                # the function the workflow uses for the countries it touches.
                note = _Note(stream, enabled=progress)
                note("making every country's current determination (CountrySpan)")
                succession.rebuild_countries(Country.objects.values_list("pk", flat=True))
                note("done")
                # Written without the workflow: end the public pages' generation itself.
                page_cache.changed()
    bar.close()
    return SeedResult(path, len(missing), len(have), time.monotonic() - started)


class _Note:
    """A timed line on the progress stream."""

    def __init__(self, stream, *, enabled):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.monotonic()

    def __call__(self, text):
        if self.enabled:
            self.stream.write(f"[{time.monotonic() - self.started:6.1f}s] {text}\n")
            self.stream.flush()
