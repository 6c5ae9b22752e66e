"""Editing and reviewing as people do it, over HTTP: what is typed is what is submitted,
countries are named once, history shows only the alert, and a resubmission is
reviewed against what was sent back, with the round's comments, before deciding."""

import pytest
from django.urls import reverse
from reversion.models import Version

from alerts import workflow
from alerts.models import Alert, Submission
from alerts.versions import alert_versions
from stages.models import Country, Stage
from tests.alerts.admin.admin_forms import alert_form_data, existing_rows
from tests.alerts.admin.test_workflow_admin import client_for
from tests.builders import edit_alert, make_country, make_reviewer

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
