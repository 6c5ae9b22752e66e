"""Which pages a public change purges from the front cache, and when."""

import datetime
import re

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from alerts import workflow
from alerts.editing import revision
from alerts.models import ChangeKind, StageRating
from alerts.public.front_cache import ban_expression
from stages.models import Country
from tests.alerts.public.conftest import publish_alert
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, login_verified, make_alert, make_user
from tests.tasks import queued_purges

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _front_cache(settings):
    settings.FRONT_CACHE_URLS = ["http://127.0.0.1:6081"]


def purged(url, purge):
    """Whether the front cache, given this purge, drops the page at ``url``."""
    return re.search(ban_expression(purge["patterns"]), url) is not None


def every_page_of(slug, countries):
    pages = [
        "/",
        "/?utm_source=newsletter",
        "/alerts/",
        "/alerts/?q=caucasus&page=2",
        "/alerts/?level=emergency",
        "/countries/",
        "/countries/?sort=name",
        "/stages/",
        "/feeds/alerts/",
        "/sitemap.xml",
        "/sitemap-alerts.xml?p=3",
        "/api/alerts/",
        "/api/alerts/?page=2",
        "/api/withdrawals/",
        "/api/determinations.csv",
        "/api/determinations.csv?country=armenia",
        f"/alerts/{slug}/",
        f"/alerts/{slug}/versions/",
        f"/alerts/{slug}/versions/?from=1&to=2",
        f"/alerts/{slug}/versions/1/",
        f"/api/alerts/{slug}/",
        f"/api/alerts/{slug}/versions/1/",
    ]
    for country in countries:
        pages += [f"/countries/{country}/", f"/feeds/countries/{country}/"]
    return pages


def test_a_publication_purges_every_page_it_shows_on(editor):
    publication = publish_alert(editor, title="First report")
    purge, late = queued_purges()
    assert purge["run_after"] is None
    for url in every_page_of(publication.slug, ["armenia", "azerbaijan"]):
        assert purged(url, purge), url
    # Again once any request that read the rows before the commit has finished.
    assert late["patterns"] == purge["patterns"]
    assert late["run_after"] >= timezone.now() + datetime.timedelta(seconds=30)


def test_it_leaves_pages_the_change_cannot_show_on(editor):
    publish_alert(editor, title="Other alert", countries=("Rwanda",), ratings={"Rwanda": [8]})
    publication = publish_alert(editor, title="First report")
    purge = queued_purges()[-1]
    for url in [
        "/alerts/other-alert/",
        "/alerts/first-report-extra/",
        "/countries/rwanda/",
        "/feeds/countries/rwanda/",
        "/static/css/site.css",
        "/admin/",
        "/staff/alerts/1/preview/",
    ]:
        assert not purged(url, purge), url
    assert publication.slug == "first-report"


def test_an_update_purges_a_country_it_no_longer_rates_and_an_address_it_no_longer_has(
    editor,
):
    publication = publish_alert(editor, title="First report")
    alert = publication.alert
    with revision(user=editor, comment="Azerbaijan was named in error"):
        azerbaijan = Country.objects.get(slug="azerbaijan")
        StageRating.objects.filter(alert=alert, country=azerbaijan).delete()
        alert.countries.remove(azerbaijan)
        alert.save()
    edit_alert(alert, user=editor, slug="first-report-corrected")
    publish(alert, editor=editor, change_kind=ChangeKind.CORRECTION, change_note="Corrected.")

    purge = queued_purges()[-1]
    for url in every_page_of("first-report", ["azerbaijan"]) + every_page_of(
        "first-report-corrected", ["armenia"]
    ):
        assert purged(url, purge), url


def test_a_scheduled_publication_purges_now_and_again_when_it_goes_live(editor):
    go_live = timezone.now() + datetime.timedelta(hours=3)
    publication = publish(
        make_alert(author=editor, title="Embargoed"), editor=editor, go_live_at=go_live
    )
    now, _late, at_go_live = queued_purges()
    assert now["run_after"] is None
    assert at_go_live["run_after"] == go_live
    assert at_go_live["patterns"] == now["patterns"]
    assert purged(f"/alerts/{publication.slug}/", at_go_live)


def test_a_withdrawal_purges_every_page_the_alert_was_on(editor, reviewer):
    publication = publish_alert(editor, title="First report")
    workflow.withdraw(alert=publication.alert, user=reviewer, reason="Retracted.")
    purge = queued_purges()[-1]
    for url in every_page_of(publication.slug, ["armenia", "azerbaijan"]):
        assert purged(url, purge), url


def test_a_country_edited_in_the_admin_purges_nothing_until_a_publication_carries_it(
    client, editor
):
    publication = publish_alert(editor, title="First report")
    before = len(queued_purges())
    login_verified(client, make_user("admin", superuser=True))
    armenia = Country.objects.get(slug="armenia")
    form = {k: v for k, v in model_to_dict(armenia).items() if v is not None}
    response = client.post(
        reverse("admin:stages_country_change", args=[armenia.pk]),
        form | {"name": "Republic of Armenia", "slug": "republic-of-armenia"},
    )
    assert response.status_code == 302
    # Not public yet: nothing readers see has changed.
    assert len(queued_purges()) == before

    edit_alert(publication.alert, user=editor, title="First report, updated")
    publish(publication.alert, editor=editor, change_kind=ChangeKind.UPDATE, change_note="Renamed.")
    purge, _late = queued_purges()[before:]
    for url in every_page_of(publication.slug, ["armenia", "republic-of-armenia"]):
        assert purged(url, purge), url


def test_without_a_front_cache_nothing_is_queued(editor, settings):
    settings.FRONT_CACHE_URLS = []
    publish_alert(editor, title="First report")
    assert queued_purges() == []


def test_a_rolled_back_publication_queues_no_purge(editor, reviewer):
    alert = make_alert(author=editor, title="Never published")
    submission = workflow.submit(alert=alert, user=editor)

    class Abort(Exception):
        pass

    def approve_then_fail():
        with transaction.atomic():
            workflow.approve(submission=submission, user=reviewer)
            raise Abort

    with pytest.raises(Abort):
        approve_then_fail()
    assert queued_purges() == []
