"""bench/seed.py: realistic, clearly synthetic data; the bulk path writes what the workflow would.

The options below (seed 2198, 20 alerts, 12 countries, 60 sources) were chosen so that
the small data set has every fate: drafts, a pending submission, a withdrawal,
updates with new determinations, and escalations that need two approvers.

Run on SQLite by default and on PostgreSQL with DATABASE_URL set (there the bulk
path writes with COPY, sets search documents by UPDATE and, outside a transaction,
writes on a second connection).
"""

import json
import os
import statistics
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import connection, transaction
from reversion.models import Version

from alerts import audit, workflow
from alerts.editing import revision
from alerts.models import (
    Alert,
    Citation,
    CountrySpan,
    Publication,
    PublishedDetermination,
    Recommendation,
    StageEvidence,
    StageRating,
    Submission,
    Withdrawal,
    WorkflowEvent,
)
from alerts.public import queries
from alerts.rendering import publication_fields
from alerts.snapshot import build_snapshot, snapshot_hash
from bench.seed import parse_args, run
from bench.synthetic import plan as p
from bench.synthetic.bulk import VersionSerializer
from bench.synthetic.seed import seed
from sources.models import Source
from stages.models import Country

pytestmark = pytest.mark.django_db

N = 20
OPTIONS = {"seed": 2198, "countries": 12, "sources": 60, "progress": False}
CHILDREN = (Citation, StageRating, StageEvidence, Recommendation)


def synthetic_alerts():
    return Alert.objects.filter(slug__startswith=p.SLUG_PREFIX).order_by("slug")


# --- A path-independent description of everything seeded -------------------------------


def _natural(model_label, fields):
    """Serialized fields with database ids replaced by natural keys, times dropped."""
    out = dict(fields)
    for name in ("created_at", "updated_at"):
        out.pop(name, None)
    if "alert" in out:
        out["alert"] = Alert.objects.get(pk=out["alert"]).slug
    if out.get("country") is not None:
        out["country"] = Country.objects.get(pk=out["country"]).slug
    if "countries" in out:
        out["countries"] = [Country.objects.get(pk=pk).slug for pk in out["countries"]]
    if "source" in out:
        out["source"] = Source.objects.get(pk=out["source"]).url
    if out.get("created_by") is not None:
        out["created_by"] = "user"
    return model_label, out


def _snapshot(snapshot):
    snapshot = json.loads(json.dumps(snapshot))
    snapshot["id"] = None
    for citation in snapshot["citations"]:
        citation["source"]["id"] = None
    return snapshot


def shape():
    result = []
    for alert in synthetic_alerts():
        versions = Version.objects.get_for_object(alert)
        revisions = sorted(
            {v.revision for v in versions.select_related("revision")}, key=lambda r: r.pk
        )
        revision_index = {r.pk: i for i, r in enumerate(revisions)}
        submissions = list(alert.submissions.order_by("pk"))
        submission_index = {s.pk: i for i, s in enumerate(submissions)}
        publications = list(alert.publications.select_related("supersession").order_by("number"))
        number_of = {pub.pk: pub.number for pub in publications}
        # Times differ between the paths (the workflow publishes now, the bulk path in
        # the past): a supersession is described by the publication whose go-live
        # time it is.
        number_live_at = {pub.go_live_at: pub.number for pub in publications}
        withdrawal = Withdrawal.objects.filter(alert=alert).first()
        result.append(
            {
                "alert": _natural(
                    "alerts.alert", serializers.serialize("python", [alert])[0]["fields"]
                ),
                "children": {
                    model.__name__: sorted(
                        json.dumps(_natural("", d["fields"]), sort_keys=True)
                        for d in serializers.serialize("python", model.objects.filter(alert=alert))
                    )
                    for model in CHILDREN
                },
                "revisions": [
                    (
                        r.comment,
                        r.user.username,
                        sorted(
                            json.dumps(
                                [
                                    v.object_repr,
                                    _natural(
                                        *(lambda d: (d["model"], d["fields"]))(
                                            json.loads(v.serialized_data)[0]
                                        )
                                    ),
                                ],
                                sort_keys=True,
                            )
                            for v in r.version_set.all()
                        ),
                    )
                    for r in revisions
                ],
                "submissions": [
                    (
                        s.status,
                        s.approvals_required,
                        s.escalation_reasons,
                        s.change_kind,
                        s.change_note,
                        s.go_live_at,
                        revision_index[s.revision_id],
                        s.submitted_by.username,
                        _snapshot(s.snapshot),
                        [a.reviewer.username for a in s.approvals.order_by("created_at", "pk")],
                        s.decided_at is not None,
                    )
                    for s in submissions
                ],
                "publications": [
                    (
                        pub.number,
                        submission_index[pub.submission_id],
                        pub.change_kind,
                        pub.change_note,
                        pub.approvers,
                        _snapshot(pub.snapshot),
                        (pub.title, pub.slug, pub.level, pub.issued_on),
                        pub.published_at <= pub.go_live_at,
                        sorted(
                            (d.country.slug, d.stage_id, d.go_live_at == pub.go_live_at)
                            for d in pub.determinations.select_related("country")
                        ),
                        # What the workflow makes from the snapshot at publication.
                        (pub.content_html, pub.summary_html, pub.summary_text, pub.countries),
                        pub.search_document,
                        # Which later version supersedes it (None: none yet).
                        number_live_at.get(pub.supersession.superseded_at),
                    )
                    for pub in publications
                ],
                "events": [
                    (
                        e.action,
                        e.from_state,
                        e.to_state,
                        e.actor_name,
                        e.comment,
                        e.alert_title,
                        submission_index.get(e.submission_ref),
                        number_of.get(e.publication_ref),
                    )
                    for e in WorkflowEvent.objects.filter(alert_ref=alert.pk).order_by(
                        "created_at", "pk"
                    )
                ],
                "withdrawal": (
                    (withdrawal.reason, withdrawal.withdrawn_by.username, withdrawal.last_number)
                    if withdrawal
                    else None
                ),
            }
        )
    return result


def seeded_shape(path, **options):
    """Seed by ``path`` inside a savepoint, describe the result, roll it back."""
    with transaction.atomic():
        result = seed(N, path=path, **OPTIONS, **options)
        assert (result.path, result.created) == (path, N)
        # Either path's events join the audit chain as the workflow's do.
        assert audit.verify().broken is None
        described = shape()
        transaction.set_rollback(True)
    return described


@pytest.fixture
def reference_data():
    # Users, countries and sources outside the savepoints, so both paths share them.
    seed(0, **OPTIONS)


def test_bulk_path_writes_exactly_what_the_workflow_writes(reference_data):
    by_workflow = seeded_shape("workflow")
    by_bulk = seeded_shape("bulk")

    assert len(by_workflow) == N
    for a, b in zip(by_workflow, by_bulk, strict=True):
        assert a == b, a["alert"][1]["slug"]
    # The small data set has every fate the big one has.
    events = {e[0] for alert in by_workflow for e in alert["events"]}
    assert events == {"submitted", "approved", "published", "withdrawn"}
    statuses = {s[0] for alert in by_workflow for s in alert["submissions"]}
    assert statuses == {"published", "pending"}
    assert any(len(alert["publications"]) == 3 for alert in by_workflow)
    assert any(alert["withdrawal"] for alert in by_workflow)
    assert any(not alert["submissions"] for alert in by_workflow)  # a draft
    assert any(
        reason.startswith("raises Synthetic country ")
        for alert in by_workflow
        for s in alert["submissions"]
        for reason in s[2]
    )
    publications = [pub for alert in by_workflow for pub in alert["publications"]]
    assert any(pub[-1] is not None for pub in publications)  # superseded ones
    assert all(pub[9][0] and pub[9][1] and pub[9][2] and pub[9][3] for pub in publications)
    if connection.vendor == "postgresql":
        assert all(pub[10] for pub in publications)


def test_rendering_in_worker_processes_writes_the_same_rows(reference_data):
    assert seeded_shape("bulk", render_processes=2) == seeded_shape("bulk")


def test_bulk_publications_hold_what_publication_fields_makes(bulk_seeded):
    publications = Publication.objects.filter(slug__startswith=p.SLUG_PREFIX)
    assert publications
    for publication in publications:
        fields = publication_fields(publication.snapshot)
        document = fields.pop("search_document")
        assert publication.issued_on.isoformat() == fields.pop("issued_on")
        assert {name: getattr(publication, name) for name in fields} == fields
        if connection.vendor == "postgresql":
            # What the expression gives, computed by PostgreSQL as the workflow's INSERT does.
            expected = (
                Publication.objects.filter(pk=publication.pk)
                .annotate(document=document)
                .values_list("document", flat=True)
                .get()
            )
            assert publication.search_document == expected
        else:
            assert publication.search_document is None


def test_bulk_path_gives_the_country_determinations_the_workflow_gives(reference_data):
    def current_by(path):
        with transaction.atomic():
            seed(N, path=path, **OPTIONS)
            current = [
                (d.country.slug, [s.number for s in d.stages], d.alert_slug)
                for d in queries.current_determinations()
            ]
            # By slug and number (ids differ between the two runs), and times as the
            # publication that went live then: the workflow publishes now, the bulk
            # path in the past.
            publication_live_at = {
                pub.go_live_at: (pub.slug, pub.number) for pub in Publication.objects.all()
            }
            spans = sorted(
                (
                    span.country.slug,
                    span.stage_id,
                    (span.publication.slug, span.publication.number),
                    span.alert.slug,
                    publication_live_at.get(span.starts_at, span.starts_at),
                    span.ends_at,
                    publication_live_at.get(span.changed_at, span.changed_at),
                    span.changed_at_or_before,
                )
                for span in CountrySpan.objects.select_related("country", "publication", "alert")
            )
            transaction.set_rollback(True)
        return current, spans

    determinations, spans = current_by("workflow")

    assert determinations
    assert spans
    assert current_by("bulk") == (determinations, spans)


@pytest.fixture
def bulk_seeded():
    seed(N, path="bulk", **OPTIONS)


def test_bulk_snapshots_equal_build_snapshot_of_the_stored_alert(bulk_seeded):
    assert_snapshots_are_build_snapshot()


def assert_snapshots_are_build_snapshot():
    checked = 0
    for alert in synthetic_alerts():
        latest = alert.submissions.order_by("-pk").first()
        if latest is None:
            continue
        assert latest.snapshot == build_snapshot(alert)
        assert latest.snapshot_hash == snapshot_hash(build_snapshot(alert))
        assert latest.revision_id == workflow.latest_revision(alert).pk
        assert not workflow.is_stale(latest)
        checked += 1
    assert checked >= N - 2
    for publication in Publication.objects.filter(slug__startswith=p.SLUG_PREFIX):
        assert publication.snapshot == publication.submission.snapshot
        assert publication.snapshot_hash == snapshot_hash(publication.snapshot)


def test_bulk_versions_are_what_django_reversion_stores(bulk_seeded):
    assert_versions_are_what_reversion_stores()


def assert_versions_are_what_reversion_stores():
    for alert in synthetic_alerts():
        newest = workflow.latest_revision(alert)
        expected = {(Alert, alert.pk)} | {
            (model, pk)
            for model in CHILDREN
            for pk in model.objects.filter(alert=alert).values_list("pk", flat=True)
        }
        versions = list(newest.version_set.all())
        assert {(v.content_type.model_class(), int(v.object_id)) for v in versions} == expected
        for version in versions:
            obj = version.content_type.model_class().objects.get(pk=version.object_id)
            assert version.serialized_data == serializers.serialize("json", [obj])
            assert version.object_repr == str(obj)
            assert (version.format, version.db) == ("json", "default")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pipelined writer is used on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pipelined_bulk_path_writes_the_same_as_the_serial_one():
    """Outside a transaction, PostgreSQL batches are written by a second connection
    (here with the content rendered in worker processes, as bench/seed.py does)."""
    seed(0, **OPTIONS)
    serial = seeded_shape("bulk")  # inside a savepoint: the serial writer
    # Four batches, pipelined.
    result = seed(N, path="bulk", batch_size=6, render_processes=2, **OPTIONS)
    assert result.created == N
    assert shape() == serial
    assert audit.verify().broken is None
    assert_snapshots_are_build_snapshot()
    assert_versions_are_what_reversion_stores()


def test_version_serializer_matches_djangos_for_every_followed_model(bulk_seeded):
    alert = synthetic_alerts().first()
    assert VersionSerializer(Alert)(
        alert, {"countries": list(alert.countries.values_list("pk", flat=True))}
    ) == serializers.serialize("json", [alert])
    for model in CHILDREN:
        for obj in model.objects.filter(alert=alert):
            assert VersionSerializer(model)(obj) == serializers.serialize("json", [obj])


def test_bulk_history_works_with_reversion_and_the_workflow(bulk_seeded, django_user_model):
    """Bulk rows behave like real ones: revert a revision, then edit, submit, approve."""
    alert = (
        synthetic_alerts()
        .filter(publications__number=2, withdrawals__isnull=True)
        .distinct()
        .first()
    )
    first, second = sorted(
        {v.revision for v in Version.objects.get_for_object(alert)}, key=lambda r: r.pk
    )[:2]
    assert (
        Version.objects.get_for_object(alert).filter(revision=first).get().field_dict["assessment"]
        == alert.publications.get(number=1).snapshot["assessment"]
    )

    editor = django_user_model.objects.get(username=p.EDITOR)
    reviewers = list(
        django_user_model.objects.filter(username__in=p.REVIEWERS).order_by("username")
    )
    with revision(user=editor, comment="Revert to the first version"):
        first.revert()
    alert.refresh_from_db()
    assert alert.assessment == alert.publications.get(number=1).snapshot["assessment"]
    latest_number = alert.publications.order_by("-number").first().number
    submission = workflow.submit(
        alert=alert, user=editor, change_kind="correction", change_note="Back to the first text."
    )
    publication = None
    for reviewer in reviewers[: submission.approvals_required]:
        publication = workflow.approve(submission=submission, user=reviewer)
    assert publication.number == latest_number + 1
    assert workflow.live_publication(alert) == publication


def test_realistic_shape_and_live_publications(bulk_seeded):
    alerts = list(synthetic_alerts())
    assert len(alerts) == N
    snapshots = [build_snapshot(a) for a in alerts]
    words = [sum(len(t.split()) for t in _texts(s)) for s in snapshots]
    assert 1700 <= statistics.mean(words) <= 2500
    assert 8 <= statistics.mean(len(s["ratings"]) for s in snapshots) <= 12
    assert 8 <= statistics.mean(len(s["evidence"]) for s in snapshots) <= 12
    assert 6 <= statistics.mean(len(s["recommendations"]) for s in snapshots) <= 10
    assert 16 <= statistics.mean(len(s["citations"]) for s in snapshots) <= 24
    for s in snapshots:
        assert s["title"].startswith("Synthetic alert ")
        assert all(c["name"].startswith("Synthetic country ") for c in s["countries"])
        assert all(c["source"]["title"].startswith("Synthetic source ") for c in s["citations"])
    # Sources are shared between alerts.
    assert Citation.objects.filter(alert__in=alerts).values("source").distinct().count() < sum(
        len(s["citations"]) for s in snapshots
    )
    assert Country.objects.filter(slug__startswith=p.COUNTRY_SLUG_PREFIX).count() == 12

    live = Publication.objects.current().filter(slug__startswith=p.SLUG_PREFIX)
    published = [a for a in alerts if a.publications.exists()]
    withdrawn = Withdrawal.objects.filter(alert__in=alerts).count()
    assert live.count() == len(published) - withdrawn >= N - 4
    assert max(a.publications.count() for a in alerts) >= 2
    for publication in live:
        assert publication.number == publication.alert.publications.count()
        assert PublishedDetermination.objects.filter(publication=publication).count() == len(
            publication.snapshot["ratings"]
        )
    # Drafts and pending submissions are not public.
    assert Submission.objects.filter(alert__in=alerts, status="pending").exists()
    assert any(not a.submissions.exists() for a in alerts)


def _texts(snapshot):
    yield from (snapshot[f] for f in ("summary", "background", "legal_analysis", "assessment"))
    yield from (r["rationale"] for r in snapshot["ratings"])
    yield from (e["text"] for e in snapshot["evidence"])
    yield from (r["action"] for r in snapshot["recommendations"])


def counts():
    models = (Alert, Citation, StageRating, Version, Submission, Publication, WorkflowEvent)
    return {m.__name__: m.objects.count() for m in models} | {
        "Source": Source.objects.count(),
        "Country": Country.objects.count(),
    }


@pytest.mark.parametrize("path", ["workflow", "bulk"])
def test_running_again_adds_nothing_and_a_larger_n_adds_only_the_rest(path):
    small = dict(OPTIONS, path=path)
    assert seed(8, **small).created == 8
    before = counts()
    again = seed(8, **small)
    assert (again.created, again.existing) == (0, 8)
    assert counts() == before
    more = seed(10, **small)
    assert (more.created, more.existing) == (2, 8)
    assert synthetic_alerts().count() == 10


def test_same_seed_same_data():
    seed(6, path="bulk", **OPTIONS)
    first = [build_snapshot(a) for a in synthetic_alerts()]
    assert [a["title"] for a in first] == [
        p.make_plan(i, **_plan_options()).title for i in range(1, 7)
    ]
    assert p.make_plan(3, **_plan_options()) == p.make_plan(3, **_plan_options())
    assert p.make_plan(3, **_plan_options()) != p.make_plan(3, **(_plan_options() | {"seed": 2}))


def _plan_options():
    return {k: OPTIONS[k] for k in ("seed", "countries", "sources")}


def test_script_options():
    out = StringIO()
    options = ["--alerts=3", "--countries=12", "--sources=60", "--seed=2198"]
    run(parse_args([*options, "--path=bulk", "--render-processes=0", "--no-progress"]), out)
    assert "3 alerts created (bulk path), 0 already present" in out.getvalue()
    out = StringIO()
    run(parse_args([*options, "--no-progress"]), out)
    assert "0 alerts created" in out.getvalue()
    assert ContentType.objects.get_for_model(Alert)  # nothing else was disturbed


@pytest.mark.parametrize(
    "argv", [["--alerts=-1"], ["--alerts=1", "--countries=0"], ["--alerts=1", "--batch-size=0"]]
)
def test_script_refuses_bad_options(argv, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_the_script_sets_up_django_and_seeds_a_migrated_database(tmp_path):
    """bench/seed.py as run by hand: its own Django, the bulk path, rendering workers."""
    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'seed.sqlite3'}"
    env = dict(os.environ, DATABASE_URL=url)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    options = ["--database-url", url, "--countries=12", "--sources=60", "--seed=2198"]
    done = subprocess.run(
        [sys.executable, "bench/seed.py", *options, "--alerts=4", "--path=bulk"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "4 alerts created (bulk path), 0 already present" in done.stdout
    assert "making every country's current determination" in done.stderr
