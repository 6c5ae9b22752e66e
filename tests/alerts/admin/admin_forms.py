"""Builds the POST body of the alert admin change form, inlines included."""

from alerts.admin.locking import newest_revision

INLINE_PREFIXES = {
    "ratings": ["country", "stage", "rationale"],
    "evidence": ["stage", "country", "period", "position", "text"],
    "recommendations": ["position", "addressee", "action"],
    "citations": ["number", "source", "locator", "quote"],
}


def alert_form_data(alert=None, *, countries, inlines=None, **fields):
    """``inlines`` maps a prefix to a list of row dicts (use "id" for existing rows,
    "DELETE": "on" to delete one)."""
    data = {
        "title": "An alert",
        "slug": "an-alert",
        "level": "2",
        "issued_on": "2020-11-01",
        "summary": "Summary.",
        "background": "",
        "legal_analysis": "",
        "assessment": "",
        "_save": "Save",
    }
    if alert is not None:
        # The token the change form carries: the revision it was rendered from.
        revision = newest_revision(alert.pk)
        data["based_on_revision"] = str(revision.pk) if revision else ""
        data |= {
            "title": alert.title,
            "slug": alert.slug,
            "level": str(alert.level),
            "issued_on": alert.issued_on.isoformat(),
            "summary": alert.summary,
            "background": alert.background,
            "legal_analysis": alert.legal_analysis,
            "assessment": alert.assessment,
        }
    data |= fields
    data["countries"] = [str(c.pk) for c in countries]
    inlines = inlines or {}
    for prefix in INLINE_PREFIXES:
        rows = inlines.get(prefix, [])
        initial = sum(1 for row in rows if row.get("id"))
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(initial)
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{i}-{key}"] = str(value)
            if alert is not None:
                data[f"{prefix}-{i}-alert"] = str(alert.pk)
    return data


def existing_rows(alert):
    """The inline rows of an alert as the change form would post them unchanged."""
    return {
        "ratings": [
            {"id": r.pk, "country": r.country_id, "stage": r.stage_id, "rationale": r.rationale}
            for r in alert.ratings.all()
        ],
        "evidence": [
            {
                "id": e.pk,
                "stage": e.stage_id,
                "country": e.country_id or "",
                "period": e.period,
                "position": e.position,
                "text": e.text,
            }
            for e in alert.evidence.all()
        ],
        "recommendations": [
            {"id": r.pk, "position": r.position, "addressee": r.addressee, "action": r.action}
            for r in alert.recommendations.all()
        ],
        "citations": [
            {
                "id": c.pk,
                "number": c.number,
                "source": c.source_id,
                "locator": c.locator,
                "quote": c.quote,
            }
            for c in alert.citations.all()
        ],
    }
