"""Builders that make complete, valid content in one call, the way an editor would.

Every write goes through a reversion revision (alerts.editing.revision), so the
history that tests inspect is the history an admin save would produce.
"""

import datetime
import itertools

import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify

from alerts.editing import revision
from alerts.models import Alert, Citation, Level, Recommendation, StageEvidence, StageRating
from alerts.roles import EDITORS, REVIEWERS
from sources.models import Source
from stages.models import Country, Stage

_counter = itertools.count(1)


def make_user(username=None, *, groups=(), superuser=False, password="pw-for-tests-only-1"):
    username = username or f"user{next(_counter)}"
    User = get_user_model()
    if superuser:
        user = User.objects.create_superuser(username, f"{username}@example.org", password)
    else:
        user = User.objects.create_user(
            username, f"{username}@example.org", password, is_staff=bool(groups)
        )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_editor(username=None):
    return make_user(username, groups=[EDITORS])


def make_reviewer(username=None):
    return make_user(username, groups=[REVIEWERS])


def _own_revision(*, user, comment):
    # Countries and sources are versioned on their own: inside an alert's revision they
    # would be reverted with it, and would set its author.
    assert not reversion.is_active(), "make countries and sources before the alert's revision"
    return revision(user=user, comment=comment)


def make_country(name, iso_code="", region="", *, user=None):
    with _own_revision(user=user, comment=f"Added {name}"):
        country, _ = Country.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "iso_code": iso_code, "region": region}
        )
    return country


def edit_country(country, *, user, comment="Edited", **changes):
    """Change a country in a revision of its own, as the admin's country page does."""
    with _own_revision(user=user, comment=comment):
        for field, value in changes.items():
            setattr(country, field, value)
        country.full_clean()
        country.save()
    return country


def make_source(title=None, *, user=None, **fields):
    n = next(_counter)
    defaults = {
        "title": title or f"Source document {n}",
        "publisher": "United Nations",
        "url": f"https://example.org/documents/{n}",
        "published_on": datetime.date(2020, 1, 1),
    }
    with _own_revision(user=user, comment="Added a source"):
        return Source.objects.create(**(defaults | fields))


def edit_source(source, *, user, comment="Edited", **changes):
    """Change a source in a revision of its own, as the admin's source page does."""
    with _own_revision(user=user, comment=comment):
        for field, value in changes.items():
            setattr(source, field, value)
        source.full_clean()
        source.save()
    return source


def make_alert(
    *,
    author,
    title=None,
    level=Level.WARNING,
    countries=("Armenia", "Azerbaijan"),
    ratings=None,
    sources=None,
    comment="Initial draft",
    **fields,
):
    """A complete alert: countries, ratings with cited rationales, evidence,
    recommendations and citations. ``ratings`` maps country name to stage numbers."""
    n = next(_counter)
    title = title or f"Alert number {n}"
    ratings = ratings if ratings is not None else {countries[0]: [8], countries[-1]: [9, 10]}
    # Countries are versioned on their own, outside the alert's revision.
    country_objs = [make_country(name) for name in countries]
    rated = {name: make_country(name) for name in ratings}
    sources = sources or [make_source(), make_source()]
    with revision(user=author, comment=comment):
        alert = Alert.objects.create(
            title=title,
            slug=fields.pop("slug", slugify(title)),
            level=level,
            issued_on=fields.pop("issued_on", datetime.date(2020, 11, 1)),
            summary=fields.pop("summary", "A summary that cites the convention [1]."),
            background=fields.pop("background", "Background with a source [2]."),
            legal_analysis=fields.pop("legal_analysis", "Legal analysis [1]."),
            assessment=fields.pop("assessment", "Assessment of the risk."),
            created_by=author,
            **fields,
        )
        alert.countries.set(country_objs)
        for number, source in enumerate(sources, start=1):
            Citation.objects.create(alert=alert, source=source, number=number, locator="art. 2")
        for country_name, stage_numbers in ratings.items():
            for stage in stage_numbers:
                StageRating.objects.create(
                    alert=alert,
                    country=rated[country_name],
                    stage=Stage.objects.get(number=stage),
                    rationale=f"{country_name} is at stage {stage} [1].",
                )
        StageEvidence.objects.create(
            alert=alert, stage=Stage.objects.get(number=8), text="Evidence of persecution [2]."
        )
        Recommendation.objects.create(
            alert=alert, position=1, addressee="The UN Security Council", action="Act now [1]."
        )
    return alert


def edit_alert(alert, *, user, comment="Edited", **changes):
    """Save changes to an alert's own fields in a new revision, as an admin save would."""
    with revision(user=user, comment=comment):
        for name, value in changes.items():
            setattr(alert, name, value)
        alert.save()
    return alert


def login_verified(client, user):
    """Sign ``client`` in as ``user`` with both factors, as the sign-in pages leave a
    session: the password step (force_login), then a confirmed authenticator-app device
    recorded in the session the way django_otp.login does. Returns that device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
