"""What a reviewer's approval counts for, and what is refused when the submitted content
was changed behind the workflow's back (parts of the editorial-trust issue)."""

import re

import pytest
import reversion
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from alerts import audit, workflow
from alerts.editing import revision
from alerts.models import (
    Approval,
    ChangeKind,
    ImmutableError,
    Level,
    Publication,
    Submission,
)
from alerts.roles import EDITORS, REVIEWERS
from sources.models import Source
from stages.models import Country, Stage
from tests.alerts.workflow_helpers import actions_of, assert_refused, publish
from tests.builders import (
    edit_alert,
    edit_country,
    edit_source,
    login_verified,
    make_alert,
    make_country,
    make_reviewer,
    make_source,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(editor):
    """An Emergency: it needs two approvals."""
    alert = make_alert(author=editor, title="Emergency", level=Level.EMERGENCY)
    submission = workflow.submit(alert=alert, user=editor)
    assert submission.approvals_required == 2
    return submission


def test_an_approval_by_someone_since_deactivated_does_not_count(escalated):
    first, second = make_reviewer("first"), make_reviewer("second")
    workflow.approve(submission=escalated, user=first)
    first.is_active = False
    first.save()

    assert workflow.approve(submission=escalated, user=second) is None
    assert not Publication.objects.exists()
    third = make_reviewer("third")
    assert workflow.approve(submission=escalated, user=third).approvers == ["second", "third"]


def test_an_approval_by_someone_who_lost_the_review_role_does_not_count(escalated):
    first, second = make_reviewer("first"), make_reviewer("second")
    workflow.approve(submission=escalated, user=first)
    first.groups.remove(Group.objects.get(name=REVIEWERS))

    assert workflow.approve(submission=escalated, user=second) is None
    assert not Publication.objects.exists()


def test_approvals_are_write_once(escalated):
    approval = Approval.objects.create(submission=escalated, reviewer=make_reviewer("first"))
    with pytest.raises(ImmutableError):
        approval.save()
    with pytest.raises(ImmutableError):
        approval.delete()
    with pytest.raises(ImmutableError):
        Approval.objects.filter(pk=approval.pk).update(comment="Rewritten")


def test_a_snapshot_changed_outside_the_workflow_is_refused_and_recorded(alert, editor):
    submission = workflow.submit(alert=alert, user=editor)
    tampered = dict(submission.snapshot, summary="Words no reviewer saw [1].")
    # Submissions are the workflow's records; raw writes are what this guards against.
    Submission.objects.filter(pk=submission.pk).update(snapshot=tampered)

    error = assert_refused(
        "does not match what was submitted",
        workflow.approve,
        submission=submission,
        user=make_reviewer("careful"),
    )
    assert "submitted again" in str(error)
    assert not Publication.objects.exists()
    assert not Approval.objects.exists()
    assert actions_of(alert)[-1] == "integrity_failure"
    # Written in a transaction of its own, and chained like every other event.
    assert audit.verify().broken is None


def test_the_admin_says_why_a_tampered_submission_is_refused(alert, editor):
    from tests.alerts.admin.test_workflow_admin import client_for

    submission = workflow.submit(alert=alert, user=editor)
    Submission.objects.filter(pk=submission.pk).update(
        snapshot=dict(submission.snapshot, title="Not what was submitted")
    )
    client = client_for(make_reviewer("careful"))
    url = reverse("admin:alerts_submission_change", args=[submission.pk])
    response = client.post(url, {"action": "approve", "approve-comment": ""}, follow=True)
    assert "does not match what was submitted" in response.content.decode()
    assert not Publication.objects.exists()


def test_staff_sessions_last_a_working_day(client, editor, settings):
    login_verified(client, editor)
    assert client.session.get_expiry_age() == 9 * 3600
    assert settings.SESSION_COOKIE_AGE == 9 * 3600


# --- Who counts as an author: edits to the sources and countries an alert copies in ----


def both_roles(username):
    return make_user(username, groups=[EDITORS, REVIEWERS])


def test_whoever_edited_a_cited_source_cannot_approve_the_alert(editor):
    insider = both_roles("insider")
    source = make_source("Report on the blockade")
    alert = make_alert(author=editor, sources=[source, make_source()])
    edit_source(source, user=insider, title="Report on the blockade, as I would have it")
    submission = workflow.submit(alert=alert, user=editor)

    assert_refused(
        "You edited a source or a country", workflow.approve, submission=submission, user=insider
    )
    assert not Publication.objects.exists()
    assert workflow.approve(submission=submission, user=make_reviewer("outsider")) is not None


def test_whoever_renamed_a_rated_country_cannot_approve_the_alert(editor):
    insider = both_roles("insider")
    alert = make_alert(author=editor, countries=("Armenia", "Azerbaijan"))
    edit_country(Country.objects.get(name="Armenia"), user=insider, name="Armenia (renamed)")
    submission = workflow.submit(alert=alert, user=editor)

    assert insider in workflow.reference_authors(submission)
    assert_refused(
        "You edited a source or a country", workflow.approve, submission=submission, user=insider
    )


def test_an_edit_an_earlier_publication_carried_does_not_make_an_author(editor):
    insider = both_roles("insider")
    source = make_source("Report on the blockade")
    alert = make_alert(author=editor, sources=[source, make_source()])
    edit_source(source, user=insider, title="Report on the blockade (corrected title)")
    publish(alert, editor=editor)

    edit_alert(alert, user=editor, summary="An update that cites the report [1].")
    update = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="New facts."
    )

    assert workflow.reference_authors(update) == set()
    assert workflow.approve(submission=update, user=insider).number == 2


def test_an_edit_after_the_last_publication_makes_an_author_again(editor):
    insider = both_roles("insider")
    source = make_source("Report on the blockade")
    alert = make_alert(author=editor, sources=[source, make_source()])
    publish(alert, editor=editor)
    edit_source(source, user=insider, publisher="Someone else entirely")

    edit_alert(alert, user=editor, summary="An update that cites the report [1].")
    update = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="New facts."
    )

    assert workflow.reference_authors(update) == {insider}


def test_a_newly_cited_source_makes_its_last_editor_an_author(editor):
    insider = both_roles("insider")
    alert = make_alert(author=editor)
    publish(alert, editor=editor)
    # Edited long ago, cited now: no publication of this alert carried it.
    newly_cited = edit_source(make_source("An older report"), user=insider, title="An old report")
    with revision(user=editor, comment="Cites one more source"):
        alert.citations.create(source=newly_cited, number=3, locator="p. 4")
        alert.summary = "An update that cites a third report [3]."
        alert.save()
    update = workflow.submit(
        alert=alert, user=editor, change_kind=ChangeKind.UPDATE, change_note="Third source."
    )

    assert workflow.reference_authors(update) == {insider}


def test_sources_countries_and_stages_are_versioned_on_their_own(editor):
    source = make_source("Report", user=editor)
    country = make_country("Sudan", user=editor)
    alert = make_alert(author=editor, countries=("Sudan",), sources=[source, make_source()])

    for model in (Source, Country, Stage):
        assert reversion.is_registered(model)
    assert Version.objects.get_for_object(source).count() == 1
    assert Version.objects.get_for_object(country).count() == 1
    # The alert's revision holds the alert and its own rows, never what they point at.
    revision_models = {
        v.content_type.model_class()
        for v in Version.objects.get_for_object(alert)[0].revision.version_set.all()
    }
    assert not revision_models & {Source, Country, Stage}


def test_the_admin_refuses_approval_by_whoever_edited_a_cited_source(editor):
    insider = both_roles("insider")
    source = make_source("Report on the blockade")
    alert = make_alert(author=editor, sources=[source, make_source()])
    client = Client(enforce_csrf_checks=True)
    login_verified(client, insider)
    url = reverse("admin:sources_source_change", args=[source.pk])
    form = {
        "title": "Report on the blockade, reworded",
        "publisher": source.publisher,
        "url": source.url,
        "published_on": source.published_on.isoformat(),
        "accessed_on": "",
        "archive_url": "",
        "_save": "Save",
    }
    response = client.post(url, form | {"csrfmiddlewaretoken": csrf_token(client, url)})
    assert response.status_code == 302
    submission = workflow.submit(alert=alert, user=editor)

    review = reverse("admin:alerts_submission_change", args=[submission.pk])
    response = client.post(
        review,
        {
            "action": "approve",
            "approve-comment": "",
            "csrfmiddlewaretoken": csrf_token(client, review),
        },
        follow=True,
    )

    assert "You edited a source or a country" in response.content.decode()
    assert not Publication.objects.exists()


def csrf_token(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
