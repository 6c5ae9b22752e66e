import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from alerts.demo import ALERT_SLUG
from alerts.models import Alert, Citation, Level, Publication, WorkflowEvent
from alerts.snapshot import build_snapshot, text_fields
from alerts.text import dangling_markers, find_markers
from sources.models import Source
from tests.alerts.admin.admin_forms import alert_form_data, existing_rows
from tests.builders import login_verified, make_editor, make_source
from tests.processes import free_port
from tests.tasks import queued_mail

pytestmark = pytest.mark.django_db

PASSWORD_RE = re.compile(r"Created user (\S+) \((\w+)\), password: (\S+)")


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True


@pytest.fixture
def no_demo_mode(settings):
    settings.DEMO_MODE = False


def demo_alert():
    return Alert.objects.get(slug=ALERT_SLUG)


def test_loads_one_complete_emergency_alert(demo_mode):
    load_demo()

    alert = demo_alert()
    snapshot = build_snapshot(alert)
    assert alert.level == Level.EMERGENCY
    assert (alert.issued_on.year, alert.issued_on.month) == (2020, 11)
    determinations = {}
    for rating in snapshot["ratings"]:
        determinations.setdefault(rating["country"], set()).add(rating["stage"])
    assert determinations == {"armenia": {8, 10}, "azerbaijan": {9, 10}}
    assert {e["stage"] for e in snapshot["evidence"]} == set(range(1, 11))
    assert {e["period"] for e in snapshot["evidence"]} == {"historical", "current"}
    assert [r["addressee"] for r in snapshot["recommendations"]][:1] == [
        "The Government of Armenia"
    ]
    assert len(snapshot["recommendations"]) == 8
    assert list(alert.recommendations.values_list("position", flat=True)) == list(range(1, 9))
    for field in ("summary", "background", "legal_analysis", "assessment"):
        assert snapshot[field].strip()
    assert [c["number"] for c in snapshot["citations"]] == list(
        range(1, len(snapshot["citations"]) + 1)
    )
    assert all(c["locator"] for c in snapshot["citations"])


def test_countries_include_artsakh_without_iso_code(demo_mode):
    load_demo()

    countries = {c.slug: c for c in demo_alert().countries.all()}
    assert set(countries) == {"armenia", "azerbaijan", "artsakh"}
    assert countries["armenia"].iso_code == "AM"
    assert countries["azerbaijan"].iso_code == "AZ"
    assert countries["artsakh"].iso_code == ""
    assert "Nagorno-Karabakh" in countries["artsakh"].aliases
    assert {c.region for c in countries.values()} == {"South Caucasus"}


def test_every_citation_marker_resolves_and_every_citation_is_used(demo_mode):
    load_demo()

    snapshot = build_snapshot(demo_alert())
    numbers = {c["number"] for c in snapshot["citations"]}
    texts = text_fields(snapshot)
    assert dangling_markers(texts, numbers) == []
    cited = {n for text in texts.values() for n in find_markers(text)}
    assert cited == numbers


def test_every_rating_rationale_cites_a_source(demo_mode):
    load_demo()

    for rating in demo_alert().ratings.all():
        assert find_markers(rating.rationale), rating


def test_every_source_url_is_http_or_https(demo_mode):
    load_demo()

    sources = Source.objects.filter(citations__alert=demo_alert()).distinct()
    assert sources.count() == 5
    for source in sources:
        assert urlsplit(source.url).scheme in {"http", "https"}, source.url
        assert urlsplit(source.url).netloc, source.url


def test_running_twice_duplicates_nothing(demo_mode):
    load_demo()
    User = get_user_model()
    counts = (
        Alert.objects.count(),
        Source.objects.count(),
        Citation.objects.count(),
        User.objects.count(),
        Version.objects.count(),
    )

    second = load_demo()

    assert "already exists" in second
    assert (
        Alert.objects.count(),
        Source.objects.count(),
        Citation.objects.count(),
        User.objects.count(),
        Version.objects.count(),
    ) == counts


def test_an_existing_demo_alert_is_left_untouched(demo_mode):
    load_demo()
    alert = demo_alert()
    alert.title = "Edited by an editor since"
    alert.save()

    load_demo()

    assert demo_alert().title == "Edited by an editor since"


def test_existing_sources_are_reused_by_url(demo_mode):
    charter = make_source("UN Charter", url="https://www.un.org/en/about-us/un-charter/full-text")

    load_demo()

    assert Source.objects.filter(url=charter.url).count() == 1
    assert demo_alert().citations.filter(source=charter).exists()


def test_alert_has_a_version_by_the_editor(demo_mode):
    load_demo()

    alert = demo_alert()
    editor = get_user_model().objects.get(username="editor")
    assert alert.created_by == editor
    versions = Version.objects.get_for_object(alert)
    assert versions.count() == 1
    revision = versions.get().revision
    assert revision.user == editor
    # The revision holds the whole alert, but never the shared sources.
    models_in_revision = {v.content_type.model for v in revision.version_set.all()}
    assert {"alert", "stagerating", "stageevidence", "recommendation", "citation"} <= (
        models_in_revision
    )
    assert "source" not in models_in_revision


def test_demo_users_are_created_with_passwords_printed_only_once(demo_mode):
    first = load_demo()

    created = PASSWORD_RE.findall(first)
    assert {(name, group) for name, group, _ in created} == {
        ("editor", "Editors"),
        ("reviewer1", "Reviewers"),
        ("reviewer2", "Reviewers"),
    }
    User = get_user_model()
    for name, group, password in created:
        user = User.objects.get(username=name)
        assert user.is_staff
        assert not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.check_password(password)

    second = load_demo()

    assert PASSWORD_RE.findall(second) == []
    for _, _, password in created:
        assert password not in second
    assert "already exist" in second
    assert "changepassword" in second


def test_no_demo_users_outside_demo_mode_but_content_still_loads(no_demo_mode):
    output = load_demo()

    assert get_user_model().objects.count() == 0
    assert "password" not in output
    alert = demo_alert()
    assert alert.created_by is None
    assert Version.objects.get_for_object(alert).get().revision.user is None


def test_turning_demo_mode_on_later_adds_users_and_leaves_the_alert(settings):
    settings.DEMO_MODE = False
    load_demo()
    settings.DEMO_MODE = True

    output = load_demo()

    assert len(PASSWORD_RE.findall(output)) == 3
    assert "already exists" in output
    assert demo_alert().created_by is None


def test_demo_alert_is_published_through_the_workflow_by_two_reviewers(settings):
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    alert = Alert.objects.get()
    publication = alert.publications.get()
    assert publication.number == 1
    assert publication.approvers == ["reviewer1", "reviewer2"]
    assert publication.submission.submitted_by.username == "editor"
    assert list(
        WorkflowEvent.objects.filter(alert_ref=alert.pk)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    ) == ["submitted", "approved", "published"]
    assert Publication.objects.live().filter(alert=alert).exists()


def test_without_demo_mode_nothing_is_published(settings):
    settings.DEMO_MODE = False
    call_command("load_demo", stdout=StringIO())
    assert not Publication.objects.exists()


def test_the_demo_alert_is_stored_as_the_admin_would_store_it(demo_mode, client):
    """Saving it unchanged in the admin changes nothing, so its first real edit's diff
    shows what the editor changed and not every section."""
    load_demo()
    alert = demo_alert()
    before = build_snapshot(alert)
    login_verified(client, make_editor())
    data = alert_form_data(alert, countries=alert.countries.all(), inlines=existing_rows(alert))

    response = client.post(reverse("admin:alerts_alert_change", args=[alert.pk]), data)

    assert response.status_code == 302
    assert build_snapshot(demo_alert()) == before


def test_an_unreachable_mail_server_does_not_stop_the_demo_publishing(settings):
    """Mail is the worker's job: here it is queued, and nothing tries to send it."""
    settings.DEMO_MODE = True
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 1},
        }
    }
    call_command("load_demo", stdout=StringIO())

    assert Publication.objects.live().exists()
    assert {m["subject"] for m in queued_mail()} >= {"Approved: " + demo_alert().title}
