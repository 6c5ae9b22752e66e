"""The four promises django-reversion must keep for an alert (issue 2)."""

import reversion
from reversion.models import Version

from alerts.editing import revision
from alerts.models import Alert, Citation, StageEvidence, StageRating
from stages.models import Stage
from tests.alerts.helpers import assert_version_count, country_names, revert_to, versions_of
from tests.builders import edit_alert, make_alert, make_country, make_source


def test_every_save_is_one_revision_with_user_and_comment(alert, editor):
    edit_alert(alert, user=editor, comment="Tightened the summary", summary="Shorter [1].")

    assert_version_count(alert, 2)
    latest = versions_of(alert).first()
    assert latest.revision.user == editor
    assert latest.revision.get_comment() == "Tightened the summary"


def test_reverting_restores_children_and_removes_rows_added_since(alert, editor):
    original = versions_of(alert).get()
    source = make_source()
    with revision(user=editor, comment="Escalated and added a source"):
        alert.title = "Changed title"
        alert.save()
        rating = alert.ratings.get(country__name="Armenia")
        rating.rationale = "Rewritten rationale [1]."
        rating.save()
        StageRating.objects.create(
            alert=alert,
            country=rating.country,
            stage=Stage.objects.get(number=10),
            rationale="Added later [1].",
        )
        Citation.objects.create(alert=alert, source=source, number=3)
        alert.recommendations.get().delete()

    alert = revert_to(original)

    assert alert.title == "Emergency in the Caucasus"
    assert sorted(alert.ratings.values_list("country__name", "stage")) == [
        ("Armenia", 8),
        ("Azerbaijan", 9),
        ("Azerbaijan", 10),
    ]
    assert alert.ratings.get(country__name="Armenia").rationale == "Armenia is at stage 8 [1]."
    assert list(alert.citations.values_list("number", flat=True)) == [1, 2]
    assert alert.recommendations.count() == 1


def test_country_change_lands_in_the_same_revision_as_the_save(alert, editor):
    artsakh = make_country("Artsakh")
    with revision(user=editor, comment="Added Artsakh"):
        alert.title = "Now with Artsakh"
        alert.save()
        alert.countries.add(artsakh)

    latest, first = list(versions_of(alert)[:2])
    assert latest.field_dict["title"] == "Now with Artsakh"
    assert len(latest.field_dict["countries"]) == 3
    assert len(first.field_dict["countries"]) == 2

    alert = revert_to(first)
    assert country_names(alert) == ["Armenia", "Azerbaijan"]


def test_deleted_alert_is_recovered_with_its_children(alert, editor):
    pk = alert.pk
    with revision(user=editor, comment="Deleted by mistake"):
        alert.delete()
    assert not Alert.objects.filter(pk=pk).exists()
    assert not StageEvidence.objects.filter(alert_id=pk).exists()

    deleted = Version.objects.get_deleted(Alert).get(object_id=str(pk))
    deleted.revision.revert()

    alert = Alert.objects.get(pk=pk)
    assert alert.ratings.count() == 3
    assert alert.citations.count() == 2
    assert alert.evidence.count() == 1
    assert alert.recommendations.count() == 1
    assert country_names(alert) == ["Armenia", "Azerbaijan"]


def test_reverting_an_alert_never_rewrites_a_shared_source(editor):
    shared = make_source("Genocide Convention")
    first = make_alert(author=editor, sources=[shared, make_source()])
    other = make_alert(author=editor, sources=[shared, make_source()])
    old_version = versions_of(first).get()

    with reversion.create_revision():
        shared.title = "Convention on the Prevention and Punishment of the Crime of Genocide"
        shared.save()
    revert_to(old_version)

    shared.refresh_from_db()
    assert shared.title == "Convention on the Prevention and Punishment of the Crime of Genocide"
    assert other.citations.get(number=1).source.title == shared.title
    serialized_models = {v.content_type.model for v in old_version.revision.version_set.all()}
    assert "source" not in serialized_models
