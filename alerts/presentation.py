"""Turns a snapshot into what the one alert template needs: rendered, sanitised HTML."""

from itertools import groupby

from .snapshot import upgrade
from .text import render_markdown

SECTIONS = (
    ("background", "Background"),
    ("legal_analysis", "Legal analysis"),
    ("assessment", "Assessment"),
)


def present(snapshot):
    """A template context for ``alerts/alert_body.html``.

    Markdown is rendered in reading order with one shared env, so each marker gets
    a unique anchor and each reference lists the places that cite it.
    """
    snapshot = upgrade(snapshot)
    env = {"citations": {c["number"] for c in snapshot["citations"]}}

    def md(text):
        return render_markdown(text, env)

    summary = md(snapshot["summary"])
    sections = [
        {"key": key, "title": title, "html": md(snapshot[key])}
        for key, title in SECTIONS
        if snapshot[key]
    ]
    ratings_by_country = []
    for country_slug, rows in groupby(snapshot["ratings"], key=lambda r: r["country"]):
        rows = list(rows)
        ratings_by_country.append(
            {
                "slug": country_slug,
                "name": rows[0]["country_name"],
                "stages": [
                    {
                        "number": r["stage"],
                        "name": r["stage_name"],
                        "rationale_html": md(r["rationale"]),
                    }
                    for r in rows
                ],
            }
        )
    evidence = [dict(e, html=md(e["text"])) for e in snapshot["evidence"]]
    recommendations = [dict(r, html=md(r["action"])) for r in snapshot["recommendations"]]
    backrefs = env.get("backrefs", {})
    references = [dict(c, backrefs=backrefs.get(c["number"], [])) for c in snapshot["citations"]]
    return {
        "alert": snapshot,
        "summary_html": summary,
        "sections": sections,
        "ratings_by_country": ratings_by_country,
        "evidence": evidence,
        "recommendations": recommendations,
        "references": references,
    }
