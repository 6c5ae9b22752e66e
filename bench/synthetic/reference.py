"""Synthetic users, countries and sources: written through the ORM in a revision.

They are few (hundreds to thousands) so both paths create them the ordinary way.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from alerts.editing import revision
from alerts.roles import EDITORS, REVIEWERS, ensure_roles
from sources.models import Source
from stages.models import Country, Stage

from . import plan as p


def ensure_users():
    """The synthetic editor and two reviewers: staff, no usable password, no e-mail.

    Without an e-mail address the workflow's notifications have no one to write to.
    """
    ensure_roles()
    User = get_user_model()

    def user(username, group):
        obj, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "email": ""}
        )
        if created:
            obj.set_unusable_password()
            obj.save(update_fields=["password"])
        obj.groups.add(Group.objects.get(name=group))
        return obj

    editor = user(p.EDITOR, EDITORS)
    reviewers = [user(name, REVIEWERS) for name in p.REVIEWERS]
    return editor, reviewers


def ensure_reference(*, editor, countries, sources):
    """Create the missing synthetic countries and sources; return them by number."""
    have_countries = {
        c.slug: c for c in Country.objects.filter(slug__startswith=p.COUNTRY_SLUG_PREFIX)
    }
    have_sources = {s.url: s for s in Source.objects.filter(url__startswith=p.SOURCE_URL_PREFIX)}
    missing_countries = [
        n for n in range(1, countries + 1) if p.country_slug(n) not in have_countries
    ]
    missing_sources = [
        n for n in range(1, sources + 1) if p.source_fields(n)["url"] not in have_sources
    ]
    if missing_countries or missing_sources:
        with revision(user=editor, comment=p.REFERENCE_COMMENT):
            for n in missing_countries:
                country = Country.objects.create(
                    name=p.country_name(n), slug=p.country_slug(n), region=p.country_region(n)
                )
                have_countries[country.slug] = country
            for n in missing_sources:
                source = Source.objects.create(**p.source_fields(n))
                have_sources[source.url] = source
    by_country = {n: have_countries[p.country_slug(n)] for n in range(1, countries + 1)}
    by_source = {n: have_sources[p.source_fields(n)["url"]] for n in range(1, sources + 1)}
    stages = {s.number: s for s in Stage.objects.all()}
    return by_country, by_source, stages
