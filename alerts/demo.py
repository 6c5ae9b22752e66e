"""Demo content: one complete alert and the demo users, loaded by ``manage.py load_demo``.

The alert is written in our own words from the facts of the Genocide Watch alert
on Artsakh of November 2020 (``shared/seeds/``); none of its sentences are copied.
It cites only documents whose existence and address are certain (treaties and
Genocide Watch's Ten Stages page), each at the article that supports the claim.
Factual claims about events are not footnoted, because no source for them is
cited: we never invent a report, a URL or a quotation.

Everything here is idempotent: countries and users are looked up by their natural
keys, sources by URL, and an existing demo alert is left exactly as it is.
"""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q

from sources.models import Source
from stages.models import Country, Stage

from .editing import revision
from .models import Alert, Citation, Recommendation, StageEvidence, StageRating
from .roles import EDITORS, REVIEWERS
from .snapshot import build_snapshot, text_fields
from .text import dangling_markers, describe_dangling

# --- Users -----------------------------------------------------------------------------

EDITOR_USERNAME = "editor"
# Two reviewers, so that the two-approver rule for an Emergency can be tried.
REVIEWER_USERNAMES = ("reviewer1", "reviewer2")
DEMO_USERS = [(EDITOR_USERNAME, EDITORS)] + [(name, REVIEWERS) for name in REVIEWER_USERNAMES]


def ensure_demo_users():
    """Create the demo users that are missing. Only ever called in demo mode.

    Returns ``(user, group_name, password)`` for each demo user, where ``password``
    is the new random password of a user created now and ``None`` for one that
    already existed (its password is never touched).
    """
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo users are only created when settings.DEMO_MODE is on.")
    User = get_user_model()
    result = []
    for username, group_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(15)
            user = User.objects.create_user(
                username, f"{username}@example.org", password, is_staff=True
            )
            user.groups.add(Group.objects.get(name=group_name))
        result.append((user, group_name, password))
    return result


# --- The content -------------------------------------------------------------------------

# Kept as data (countries, sources, citations, the alert, its ratings, evidence and
# recommendations): editors' text, not code.
CONTENT = json.loads((Path(__file__).parent / "content" / "demo-artsakh-2020.json").read_text())
ALERT_SLUG = CONTENT["alert"]["slug"]


def _country(data):
    """The country by slug, or by the name or ISO code it must not duplicate."""
    match = Q(slug=data["slug"]) | Q(name=data["name"])
    if data["iso_code"]:
        match |= Q(iso_code=data["iso_code"])
    country = Country.objects.filter(match).order_by("pk").first()
    if country is None:
        country = Country(**data)
        country.full_clean()
        country.save()
    return country


def _sources(user):
    """The demo sources by URL (shared with other alerts), creating those missing.

    Created in their own revision: the alert does not follow Source, and reverting
    the alert must never touch a source that other alerts cite.
    """
    sources = {}
    with revision(user=user, comment="Demo content: sources cited by the Artsakh alert"):
        for key, data in CONTENT["sources"].items():
            source = Source.objects.filter(url=data["url"]).order_by("pk").first()
            if source is None:
                source = Source(**data)
                source.full_clean()
                source.save()
            sources[key] = source
    return sources


def _as_saved(fields):
    # As the admin's form stores text (Django's form fields strip it): otherwise the
    # first admin save of the demo alert would change every section it did not touch.
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def load_demo_content(editor):
    """Load the demo alert, written by ``editor`` (``None`` outside demo mode).

    Returns ``(alert, created)``. An alert that already has the demo slug is
    returned untouched, whatever editors have done to it since. Call inside a
    transaction: if the content fails its own checks, nothing must be kept.
    """
    existing = Alert.objects.filter(slug=ALERT_SLUG).first()
    if existing is not None:
        return existing, False

    sources = _sources(editor)
    stages = {stage.number: stage for stage in Stage.objects.all()}
    # In a revision of their own, like the sources: reverting the alert must never
    # touch a country other alerts rate.
    with revision(user=editor, comment="Demo content: countries the Artsakh alert rates"):
        countries = {data["slug"]: _country(data) for data in CONTENT["countries"]}
    with revision(user=editor, comment="Demo content: Artsakh alert loaded by load_demo"):
        alert = Alert(created_by=editor, **_as_saved(CONTENT["alert"]))
        alert.full_clean()
        alert.save()
        alert.countries.set(countries.values())
        for number, citation in enumerate(CONTENT["citations"], start=1):
            Citation.objects.create(
                alert=alert,
                source=sources[citation["source"]],
                number=number,
                locator=citation["locator"],
            )
        for rating in CONTENT["ratings"]:
            StageRating.objects.create(
                alert=alert,
                country=countries[rating["country"]],
                stage=stages[rating["stage"]],
                rationale=rating["rationale"].strip(),
            )
        for position, evidence in enumerate(CONTENT["evidence"], start=1):
            StageEvidence.objects.create(
                alert=alert,
                stage=stages[evidence["stage"]],
                country=countries[evidence["country"]] if evidence["country"] else None,
                period=evidence["period"],
                text=evidence["text"].strip(),
                position=position,
            )
        for position, recommendation in enumerate(CONTENT["recommendations"], start=1):
            Recommendation.objects.create(
                alert=alert,
                position=position,
                addressee=recommendation["addressee"],
                action=recommendation["action"].strip(),
            )

    snapshot = build_snapshot(alert)
    problems = dangling_markers(text_fields(snapshot), {c["number"] for c in snapshot["citations"]})
    if problems:
        raise ValueError(f"Demo content cites missing footnotes: {describe_dangling(problems)}")
    return alert, True
