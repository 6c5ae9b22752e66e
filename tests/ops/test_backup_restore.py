"""The documented backup pair (docs/deploy.md) round-trips everything the public relies on."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from reversion.models import Revision, Version

from alerts import audit
from alerts.backup import DUMP_EXCLUDES
from alerts.models import Publication, Supersession, WorkflowEvent

# Kept in one place so the docs and the test agree on what a backup leaves out.
from alerts.public import queries
from tests.builders import edit_alert


def inventory():
    """Everything worth keeping, as comparable plain values."""
    counted = [
        "alerts.Alert",
        "alerts.Recommendation",
        "alerts.Submission",
        "alerts.Approval",
        "alerts.Publication",
        "alerts.PublishedDetermination",
        "alerts.WorkflowEvent",
        "stages.Stage",
        "stages.Country",
        "alerts.StageRating",
        "alerts.StageEvidence",
        "sources.Source",
        "alerts.Citation",
        "auth.User",
        "auth.Group",
    ]
    return {
        "counts": {label: apps.get_model(label).objects.count() for label in counted},
        "revisions": sorted(Revision.objects.values_list("pk", "user__username", "comment")),
        "versions": sorted(Version.objects.values_list("pk", "object_id", "serialized_data")),
        "publications": sorted(Publication.objects.values_list("pk", "number", "snapshot_hash")),
        "events": sorted(WorkflowEvent.objects.values_list("pk", "action", "actor_name")),
        # The audit chain comes back whole, with the head readers may have kept.
        "audit": audit.verify(),
        # Supersessions are not in the dump (derived): rebuild_current makes them again.
        "current": sorted(Publication.objects.current().values_list("pk", flat=True)),
        "supersessions": sorted(
            Supersession.objects.values_list("publication_id", "superseded_at")
        ),
        "live_count": Publication.objects.current().count(),
        # Nor are CountrySpans: made again likewise.
        "countries_current": [
            (d.country.slug, [s.number for s in d.stages], d.publication_id)
            for d in queries.current_determinations()
        ],
        "group_perms": sorted(
            apps.get_model("auth.Group").objects.values_list("name", "permissions__codename")
        ),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dumpdata_and_loaddata_round_trip_the_whole_editorial_record(settings, tmp_path):
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())
    alert = apps.get_model("alerts.Alert").objects.get()
    edit_alert(alert, user=alert.created_by, summary="A later, unpublished edit [1].")
    before = inventory()
    assert before["counts"]["alerts.Publication"] == 1
    assert before["countries_current"], "the demo alert rates countries"
    assert len(before["events"]) == 3
    assert before["audit"].count == 3
    assert before["audit"].broken is None

    dump = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        exclude=DUMP_EXCLUDES,
        output=str(dump),
        verbosity=0,
    )
    call_command("flush", interactive=False, verbosity=0)
    assert apps.get_model("alerts.Alert").objects.count() == 0
    call_command("loaddata", str(dump), verbosity=0)
    call_command("rebuild_current", stdout=StringIO())

    assert inventory() == before


def test_the_documented_dump_command_leaves_out_what_backup_py_lists(settings):
    deploy = (Path(settings.BASE_DIR) / "docs" / "deploy.md").read_text()
    command = deploy[deploy.index("python manage.py dumpdata") :].split("--output")[0]

    assert sorted(re.findall(r"--exclude (\S+)", command)) == sorted(DUMP_EXCLUDES)
