"""The snapshot: one plain, JSON-serialisable shape of an alert.

Everything that shows an alert (public page, staff preview, feeds, API, diffs)
renders a snapshot, never the live models. Cited sources are copied in as they
are at build time, so a later edit to a shared Source cannot change what was
approved. ``schema`` lets old stored shapes be upgraded when rendered.
"""

import hashlib
import json

from django.db.models import Prefetch

from .models import Alert, Citation, Level, Recommendation, StageEvidence, StageRating

# 2: each country carries its id and aliases, so that what the public sees of a
# country (name, address, region, other names) is what a reviewed publication
# recorded, and who last changed it can be told from its history.
SCHEMA = 2


def _date(value):
    return value.isoformat() if value else None


def snapshot_queryset():
    """Alerts with everything a snapshot reads, in a fixed number of queries."""
    return Alert.objects.prefetch_related(
        "countries",
        Prefetch("ratings", queryset=StageRating.objects.select_related("country", "stage")),
        Prefetch("evidence", queryset=StageEvidence.objects.select_related("country", "stage")),
        Prefetch("recommendations", queryset=Recommendation.objects.all()),
        Prefetch("citations", queryset=Citation.objects.select_related("source")),
    )


def build_snapshot(alert):
    """The snapshot of an alert's working copy as it is now, read afresh."""
    return snapshot_of(snapshot_queryset().get(pk=alert.pk))


def snapshot_of(alert):
    """The snapshot of an alert loaded by ``snapshot_queryset()`` (its related rows
    prefetched, so that this makes no query)."""
    countries = sorted(alert.countries.all(), key=lambda c: c.name)
    return {
        "schema": SCHEMA,
        "id": alert.pk,
        "slug": alert.slug,
        "title": alert.title,
        "level": alert.level,
        "level_label": Level(alert.level).label,
        "issued_on": _date(alert.issued_on),
        **{name: getattr(alert, name) for name in Alert.TEXT_FIELDS},
        "countries": [
            {
                "id": c.pk,
                "slug": c.slug,
                "name": c.name,
                "iso_code": c.iso_code,
                "region": c.region,
                "aliases": c.aliases,
            }
            for c in countries
        ],
        "ratings": [
            {
                "country": r.country.slug,
                "country_name": r.country.name,
                "stage": r.stage.number,
                "stage_name": r.stage.name,
                "rationale": r.rationale,
            }
            for r in sorted(alert.ratings.all(), key=lambda r: (r.country.name, r.stage.number))
        ],
        "evidence": [
            {
                "stage": e.stage.number,
                "stage_name": e.stage.name,
                "country": e.country.slug if e.country else None,
                "country_name": e.country.name if e.country else None,
                "period": e.period,
                "text": e.text,
            }
            for e in sorted(alert.evidence.all(), key=lambda e: (e.stage.number, e.position, e.pk))
        ],
        "recommendations": [
            {"addressee": r.addressee, "action": r.action}
            for r in sorted(alert.recommendations.all(), key=lambda r: (r.position, r.pk))
        ],
        "citations": [
            {
                "number": c.number,
                "locator": c.locator,
                "quote": c.quote,
                "source": {
                    "id": c.source.pk,
                    "title": c.source.title,
                    "publisher": c.source.publisher,
                    "url": c.source.url,
                    "published_on": _date(c.source.published_on),
                    "accessed_on": _date(c.source.accessed_on),
                    "archive_url": c.source.archive_url,
                },
            }
            for c in sorted(alert.citations.all(), key=lambda c: c.number)
        ],
    }


def upgrade(snapshot):
    """Bring a stored snapshot of any schema to the current shape."""
    if snapshot.get("schema") == SCHEMA:
        return snapshot
    if snapshot.get("schema") == 1:
        # Schema 1 named countries by slug only; the id is not known from it.
        countries = [{"id": None, "aliases": ""} | c for c in snapshot["countries"]]
        return snapshot | {"schema": SCHEMA, "countries": countries}
    raise ValueError(f"Unknown snapshot schema {snapshot.get('schema')!r}")


def canonical_json(snapshot):
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_hash(snapshot):
    """SHA-256 of the canonical JSON: the fingerprint a reviewer approves."""
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def text_fields(snapshot):
    """Every editor text of a snapshot, labelled so an editor can find it."""
    texts = {label: snapshot[name] for name, label in Alert.TEXT_FIELDS.items()}
    for r in snapshot["ratings"]:
        texts[f"Stage rating: {r['country_name']}, stage {r['stage']}"] = r["rationale"]
    for i, e in enumerate(snapshot["evidence"], start=1):
        texts[f"Evidence {i} (stage {e['stage']})"] = e["text"]
    for i, r in enumerate(snapshot["recommendations"], start=1):
        texts[f"Recommendation {i}"] = r["action"]
    return texts
