"""Editing and reviewing as people do it, over HTTP: what is typed is what is submitted,
countries are named once, history shows only the alert, and a resubmission is
reviewed against what was sent back, with the round's comments, before deciding."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from alerts import workflow
from alerts.models import Alert, ChangeKind, Submission
from alerts.versions import alert_versions
from stages.models import Country, Stage
from tests.alerts.admin.admin_forms import alert_form_data, existing_rows
from tests.alerts.admin.test_workflow_admin import client_for
from tests.alerts.workflow_helpers import actions_of, publish
from tests.builders import (
    edit_alert,
    login_verified,
    make_alert,
    make_country,
    make_editor,
    make_reviewer,
    make_user,
)
from tests.tasks import queued_mail

pytestmark = pytest.mark.django_db


def change_url(alert):
    return reverse("admin:alerts_alert_change", args=[alert.pk])


def post_change_form(client, alert, *, countries=None, inlines=None, **fields):
    return client.post(
        change_url(alert),
        alert_form_data(
            alert,
            countries=list(alert.countries.all()) if countries is None else countries,
            inlines=inlines or existing_rows(alert),
            **fields,
        ),
    )


def revisions_of(alert):
    return alert_versions(str(alert.pk)).count()


def test_save_and_submit_saves_what_was_typed_then_submits_it(alert, editor):
    client = client_for(editor)
    before = revisions_of(alert)

    response = post_change_form(
        client, alert, title="Typed but not yet saved", _save_and_submit="Save and submit"
    )

    submit_url = reverse("admin:alerts_alert_submit", args=[alert.pk])
    assert response.status_code == 302
    assert response["Location"] == submit_url
    alert.refresh_from_db()
    assert alert.title == "Typed but not yet saved"
    assert revisions_of(alert) == before + 1, "saved as one revision"

    response = client.post(submit_url, {"_workflow": "Submit for review"})
    assert response.status_code == 302
    submission = Submission.objects.get(alert=alert)
    assert submission.snapshot["title"] == "Typed but not yet saved"


def test_save_and_submit_with_an_error_saves_and_submits_nothing(alert, editor):
    client = client_for(editor)
    before = revisions_of(alert)

    response = post_change_form(client, alert, title="", _save_and_submit="Save and submit")

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert revisions_of(alert) == before
    assert not Submission.objects.filter(alert=alert).exists()


def test_the_change_page_submits_only_through_the_form(alert, editor):
    html = client_for(editor).get(change_url(alert)).content.decode()
    assert 'name="_save_and_submit"' in html
    # No link that would leave typed changes behind.
    assert f'href="{reverse("admin:alerts_alert_submit", args=[alert.pk])}"' not in html


def test_a_country_named_in_a_rating_is_one_of_the_alerts_countries(alert, editor):
    georgia = make_country("Georgia")
    rows = existing_rows(alert)
    rows["ratings"].append(
        {
            "country": georgia.pk,
            "stage": Stage.objects.get(number=5).pk,
            "rationale": "Georgia is at stage 5 [1].",
        }
    )

    response = post_change_form(client_for(editor), alert, countries=[], inlines=rows)

    assert response.status_code == 302, response.content.decode()[:3000]
    alert.refresh_from_db()
    assert set(alert.countries.values_list("slug", flat=True)) == {
        "armenia",
        "azerbaijan",
        "georgia",
    }
    # In the same revision as the rating, so the history and the snapshot agree.
    newest = alert_versions(str(alert.pk)).order_by("-revision_id").first()
    assert georgia.pk in newest.field_dict["countries"]
    assert workflow.submission_problems(workflow.build_snapshot(alert)) == []


def test_history_never_shows_the_edit_token(alert, editor):
    client = client_for(editor)
    post_change_form(client, alert, title="A new title")

    newest = Version.objects.get_for_object(alert).first().revision
    assert "based" not in newest.get_comment().lower()
    assert "Title" in newest.get_comment()
    history = client.get(reverse("admin:alerts_alert_history", args=[alert.pk])).content.decode()
    assert "based_on_revision" not in history
    assert "Based on revision" not in history


@pytest.fixture
def resubmission(alert, editor, reviewer):
    first = workflow.submit(alert=alert, user=editor)
    workflow.request_changes(
        submission=first, user=reviewer, comment="The summary overstates the evidence."
    )
    edit_alert(alert, user=editor, summary="A measured summary that cites the convention [1].")
    return workflow.submit(alert=alert, user=editor)


def review_page(submission, user, **query):
    url = reverse("admin:alerts_submission_change", args=[submission.pk])
    return client_for(user).get(url, query).content.decode()


def test_a_resubmission_is_compared_with_the_version_sent_back(resubmission):
    html = review_page(resubmission, make_reviewer("second_look"))

    assert "Version sent back on" in html
    # Only the summary changed since it was sent back.
    assert "measured" in html
    assert "Legal analysis [1]." not in html.split("Decision")[0].split("What changes")[1]
    assert "The summary overstates the evidence." in html  # the round's comment


def test_a_resubmission_can_be_compared_with_the_live_version_instead(resubmission):
    html = review_page(resubmission, make_reviewer("second_look"), against="live")

    assert "Version sent back on" not in html
    assert "First publication" in html  # nothing is live: all of it is new
    assert "The summary overstates the evidence." in html


def test_the_reviewer_reads_the_summary_and_the_changes_before_deciding(resubmission):
    html = review_page(resubmission, make_reviewer("second_look"))

    summary = html.index("submitted-summary")
    changes = html.index("snapshot-diff")
    comments = html.index("The summary overstates the evidence.")
    decision = html.index("approve-form")
    assert summary < changes < decision
    assert comments < decision


def test_a_first_submission_is_compared_with_the_live_version(alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    html = review_page(submission, reviewer)
    assert "Version sent back" not in html
    assert "against=live" not in html
    assert Alert.objects.get(pk=alert.pk).countries.count() == 2
    assert Country.objects.filter(slug="armenia").exists()


# --- Submissions that go stale ---------------------------------------------------------


@pytest.fixture
def submitted(alert, editor):
    """The alert submitted by ``editor``, with a public schedule to keep."""
    go_live = timezone.now() + datetime.timedelta(days=2)
    return workflow.submit(alert=alert, user=editor, go_live_at=go_live)


def messages_on(response):
    return [str(m) for m in response.context["messages"]]


def test_a_colleagues_save_closes_the_submission_and_tells_its_submitter(submitted, alert):
    colleague = client_for(make_editor("colleague"))
    response = post_change_form(colleague, alert, title="Retitled by a colleague")
    assert response.status_code == 302

    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.STALE
    assert actions_of(alert)[-1] == "went_stale"
    [mail] = [m for m in queued_mail() if m["subject"].startswith("Submit again")]
    assert mail["recipients"] == ["editor@example.org"]
    # The colleague is told the submitter was told.
    page = colleague.get(response["Location"])
    assert any("editor has been told" in m for m in messages_on(page))


def test_the_submitter_is_told_on_their_next_admin_page_once(submitted, alert, editor):
    post_change_form(client_for(make_editor("colleague")), alert, title="Retitled")

    client = client_for(editor)
    first = client.get(reverse("admin:index"))
    assert any("went stale" in m and alert.title in m for m in messages_on(first))
    again = client.get(reverse("admin:index"))
    assert not any("went stale" in m for m in messages_on(again))


def test_a_public_page_is_not_touched_by_the_notice(submitted, alert, editor, client):
    post_change_form(client_for(make_editor("colleague")), alert, title="Retitled")
    login_verified(client, editor)
    client.get(reverse("public:home"))
    assert Submission.objects.get(pk=submitted.pk).submitter_told_at is None


def test_an_edit_to_a_cited_source_closes_the_submission(submitted, alert):
    source = alert.citations.first().source
    colleague = make_user("librarian", superuser=True)
    url = reverse("admin:sources_source_change", args=[source.pk])
    form = {k: v for k, v in model_to_dict(source).items() if v is not None}
    response = client_for(colleague).post(url, form | {"title": "A corrected source title"})
    assert response.status_code == 302, response.content.decode()[:2000]

    submitted.refresh_from_db()
    assert submitted.status == Submission.Status.STALE
    assert any(m["recipients"] == ["editor@example.org"] for m in queued_mail())


def test_resubmitting_fills_in_the_earlier_change_note_and_schedule(editor, reviewer):
    publication = publish(make_alert(author=editor, title="Published once"), editor=editor)
    alert = publication.alert
    edit_alert(alert, user=editor, summary="Updated [1].")
    go_live = timezone.now() + datetime.timedelta(days=3)
    first = workflow.submit(
        alert=alert,
        user=editor,
        change_kind=ChangeKind.CORRECTION,
        change_note="Corrects the date of the attack.",
        go_live_at=go_live,
    )
    post_change_form(client_for(make_editor("colleague")), alert, title="Retitled")
    assert Submission.objects.get(pk=first.pk).status == Submission.Status.STALE

    page = client_for(editor).get(reverse("admin:alerts_alert_submit", args=[alert.pk]))
    form = page.context["form"]
    assert form["change_note"].value() == "Corrects the date of the attack."
    assert form["change_kind"].value() == ChangeKind.CORRECTION
    assert timezone.localtime(go_live).strftime('value="%Y-%m-%dT%H:%M"') in page.content.decode()


def test_the_submitters_own_save_closes_it_without_mailing_them(submitted, alert, editor):
    client = client_for(editor)
    response = post_change_form(client, alert, title="Changed my mind")
    page = client.get(response["Location"])
    assert any("you changed it" in m for m in messages_on(page))
    assert Submission.objects.get(pk=submitted.pk).status == Submission.Status.STALE
    assert not [m for m in queued_mail() if m["subject"].startswith("Submit again")]


# --- Times name their zone --------------------------------------------------------------


@pytest.fixture
def berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def test_the_go_live_input_says_its_zone_and_is_read_in_it(berlin, alert, editor):
    client = client_for(editor)
    url = reverse("admin:alerts_alert_submit", args=[alert.pk])
    assert "Go-live time (Europe/Berlin)" in client.get(url).content.decode()

    next_year = timezone.now().year + 1
    client.post(url, {"go_live_at": f"{next_year}-07-01T12:00", "_workflow": "Submit"})

    submission = Submission.objects.get(alert=alert)
    # Noon in Berlin in summer is 10:00 UTC.
    assert submission.go_live_at == datetime.datetime(next_year, 7, 1, 10, 0, tzinfo=datetime.UTC)


def test_times_on_the_review_page_and_in_lists_name_their_zone(berlin, alert, editor, reviewer):
    submission = workflow.submit(alert=alert, user=editor)
    review = review_page(submission, reviewer)
    submitted = timezone.localtime(submission.submitted_at)
    assert submitted.strftime("%Y-%m-%d %H:%M %Z") in review
    assert "UTC" not in review

    changelist = client_for(editor).get(reverse("admin:alerts_alert_changelist"))
    assert timezone.localtime(alert.updated_at).strftime("%H:%M %Z") in changelist.content.decode()
