"""Tamper-evident records: the audit trail's hash chain, verify_audit, and the
database refusing to change what the public relies on (alerts/audit.py)."""

import importlib
import re
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from alerts import audit, workflow
from alerts.models import Alert, AuditHead, ImmutableError, ImmutableModel, WorkflowEvent
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, login_verified, make_reviewer, make_user

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
postgresql_only = pytest.mark.skipif(not POSTGRESQL, reason="the triggers are PostgreSQL's")


@pytest.fixture
def reviewers(db):
    return [make_reviewer("rev_a"), make_reviewer("rev_b")]


@pytest.fixture
def history(alert, editor, reviewers):
    """A whole life through the workflow's functions: sent back, submitted again,
    published, withdrawn and the withdrawal confirmed."""
    submission = workflow.submit(alert=alert, user=editor)
    workflow.request_changes(submission=submission, user=reviewers[0], comment="Add sources.")
    edit_alert(alert, user=editor, summary="With sources [1][2].")
    publish(alert, editor=editor, reviewers=reviewers)
    withdrawal = workflow.withdraw(alert=alert, user=reviewers[0], reason="Facts in dispute.")
    workflow.confirm_withdrawal(withdrawal=withdrawal, user=reviewers[1])
    return list(WorkflowEvent.objects.order_by("position"))


def verify_audit(*args):
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refused(*args):
    with pytest.raises(CommandError) as excinfo:
        verify_audit(*args)
    return str(excinfo.value)


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def stored_values(pk):
    return WorkflowEvent.objects.values(*audit.CHAINED_FIELDS).get(pk=pk)


def without_triggers(sql_writes):
    """Run raw writes as someone with rights over the schema would: on PostgreSQL the
    triggers refuse them, so such a person turns the triggers off first (inside the
    test's transaction, which is rolled back)."""
    if POSTGRESQL:
        execute("ALTER TABLE alerts_workflowevent DISABLE TRIGGER USER")
    sql_writes()
    if POSTGRESQL:
        execute("ALTER TABLE alerts_workflowevent ENABLE TRIGGER USER")


# --- The chain ---------------------------------------------------------------------------


def test_every_transition_extends_the_chain_and_it_verifies(history):
    assert [e.action for e in history] == [
        "submitted",
        "changes_requested",
        "submitted",
        "published",
        "withdrawn",
        "withdrawal_confirmed",
    ]
    assert [e.position for e in history] == [1, 2, 3, 4, 5, 6]
    assert history[0].previous_hash == audit.GENESIS
    for before, event in zip(history, history[1:], strict=False):
        assert event.previous_hash == before.hash
    for event, previous in zip(history, [audit.GENESIS, *[e.hash for e in history]], strict=False):
        assert event.hash == audit.digest(audit.values_of(event), previous)
    head = AuditHead.objects.get()
    assert (head.count, head.hash) == (6, history[-1].hash)

    out = verify_audit()
    assert f"6 events, head {history[-1].hash}" in out


def test_the_hash_covers_every_content_field_and_the_previous_hash(history):
    event = history[3]
    values = audit.values_of(event)
    assert audit.digest(values, event.previous_hash) == event.hash
    for name in audit.CHAINED_FIELDS:
        changed = dict(values, **{name: "x" if isinstance(values[name], str) else 99})
        assert audit.digest(changed, event.previous_hash) != event.hash, name
    assert audit.digest(values, history[0].hash) != event.hash


def test_events_created_anywhere_are_chained(alert, editor, history):
    event = WorkflowEvent.objects.create(
        alert_ref=alert.pk, alert_title=alert.title, action="submitted", actor_name="script"
    )
    assert (event.position, event.previous_hash) == (7, history[-1].hash)
    assert AuditHead.objects.get().hash == event.hash
    verify_audit()
    with pytest.raises(ImmutableError):
        WorkflowEvent.objects.bulk_create([WorkflowEvent(alert_ref=1, alert_title="x")])


def test_the_first_event_starts_from_the_genesis_without_a_head_row(alert, editor):
    # A flushed test database has no head row: the first event makes it.
    AuditHead.objects.all().delete()
    workflow.submit(alert=alert, user=editor)
    event = WorkflowEvent.objects.get()
    assert (event.position, event.previous_hash) == (1, audit.GENESIS)
    assert (AuditHead.objects.get().count, AuditHead.objects.get().hash) == (1, event.hash)


def test_a_fork_is_refused_by_the_database_even_past_the_lock(history):
    # Bypass WorkflowEvent.save (and its lock): a second event after event 3.
    fork = WorkflowEvent(
        alert_ref=1,
        alert_title="fork",
        action="submitted",
        actor_name="mallory",
        position=len(history) + 1,
        previous_hash=history[2].hash,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImmutableModel.save(fork)
    fork.position, fork.previous_hash = history[3].position, history[-1].hash
    with pytest.raises(IntegrityError), transaction.atomic():
        ImmutableModel.save(fork)


def test_the_migration_chains_existing_events_as_the_app_does(history):
    migration = importlib.import_module("alerts.migrations.0008_audit_chain")
    assert migration.CHAINED_FIELDS == audit.CHAINED_FIELDS
    assert migration.GENESIS == audit.GENESIS
    for event in history:
        assert migration.digest(audit.values_of(event), event.previous_hash) == event.hash


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_events_queue_for_their_place_instead_of_forking():
    """Two connections write an event at once: the second waits for the first to
    commit and chains after it (without the head's lock it would read the same head,
    take the same place, and fail on the unique position)."""
    first_written = threading.Event()
    errors = []

    def write(name, *, before=None, hold=0):
        try:
            if before is not None:
                before.wait(5)
            with transaction.atomic():
                WorkflowEvent.objects.create(
                    alert_ref=1, alert_title=name, action="submitted", actor_name=name
                )
                first_written.set()
                time.sleep(hold)  # commit late: the other writer is waiting meanwhile
        except Exception as error:  # reported below, from the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=["first"], kwargs={"hold": 0.5}),
        threading.Thread(target=write, args=["second"], kwargs={"before": first_written}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    events = list(WorkflowEvent.objects.order_by("position"))
    assert [(e.alert_title, e.position) for e in events] == [("first", 1), ("second", 2)]
    assert events[1].previous_hash == events[0].hash
    assert audit.verify().broken is None


# --- verify_audit -------------------------------------------------------------------------


def test_an_edited_event_is_reported_as_the_first_broken_link(history):
    victim = history[2]
    without_triggers(
        lambda: execute(
            "UPDATE alerts_workflowevent SET comment = %s WHERE id = %s", ["Rewritten", victim.pk]
        )
    )

    message = refused()
    assert f"breaks at position 3 (event id {victim.pk})" in message
    assert "changed after it was written" in message
    assert "The 2 events before it hold" in message


def test_a_removed_event_breaks_the_chain_and_a_removed_last_one_the_head(history):
    without_triggers(
        lambda: execute("DELETE FROM alerts_workflowevent WHERE id = %s", [history[-1].pk])
    )
    message = refused()
    assert "the head row" in message
    assert "events were removed" in message

    without_triggers(
        lambda: execute("DELETE FROM alerts_workflowevent WHERE id = %s", [history[1].pk])
    )
    message = refused()
    assert f"breaks at position 2 (event id {history[2].pk})" in message


def test_a_rewritten_chain_holds_but_the_head_a_reader_kept_is_gone(history):
    kept = verify_audit().split("head ")[-1].rstrip(".\n")
    assert kept == history[-1].hash
    assert "event 6 of the chain; 0 events came after it" in verify_audit("--head", kept)

    def rewrite():
        # Change event 3 and recompute its hash and every later one, and the head:
        # what someone with the database's rights and this code can do.
        execute(
            "UPDATE alerts_workflowevent SET comment = %s WHERE id = %s",
            ["Nothing to see", history[2].pk],
        )
        previous = history[1].hash
        for event in history[2:]:
            new = audit.digest(stored_values(event.pk), previous)
            execute(
                "UPDATE alerts_workflowevent SET previous_hash = %s, hash = %s WHERE id = %s",
                [previous, new, event.pk],
            )
            previous = new
        execute("UPDATE alerts_audithead SET hash = %s", [previous])

    without_triggers(rewrite)

    out = verify_audit()  # consistent again
    assert "the chain holds: 6 events" in out
    assert kept not in out
    message = refused("--head", kept)
    assert f"the head {kept} you kept is not in it" in message
    # A head from before the rewritten event is still found.
    assert "event 2 of the chain; 4 events came after it" in verify_audit("--head", history[1].hash)


def test_verify_audit_refuses_what_is_not_a_hash(history):
    assert "64 hexadecimal digits" in refused("--head", "not-a-hash")


def test_verify_audit_streams_the_rows(history, monkeypatch):
    chunks = []
    real = audit.verify

    def small_chunks(**kwargs):
        chunks.append(True)
        return real(chunk_size=2, **kwargs)

    monkeypatch.setattr(audit, "verify", small_chunks)
    assert "6 events" in verify_audit()
    assert chunks


# --- The database refuses changes (PostgreSQL) ---------------------------------------------


PROTECTED_TABLES = [
    ("alerts_publication", "title = 'Rewritten'"),
    ("alerts_publisheddetermination", "go_live_at = go_live_at + interval '1 day'"),
    ("alerts_approval", "comment = 'Rewritten'"),
    ("alerts_workflowevent", "comment = 'Rewritten'"),
]


@postgresql_only
@pytest.mark.parametrize(("table", "change"), PROTECTED_TABLES)
def test_the_database_refuses_raw_updates_and_deletes(history, table, change):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] > 0
    for sql in [f"UPDATE {table} SET {change}", f"DELETE FROM {table}"]:
        with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic():
            execute(sql)
    execute(f"UPDATE {table} SET id = id")  # rewritten as it was (loaddata): no change


@postgresql_only
def test_only_the_rendered_columns_of_a_publication_may_be_made_again(history):
    pk = history[3].publication_ref
    execute(
        "UPDATE alerts_publication SET content_html = 'again', summary_text = 'again' "
        "WHERE id = %s",
        [pk],
    )
    for change in ["snapshot_hash = 'x'", "snapshot = '{}'", "content_html = 'x', title = 'x'"]:
        with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic():
            execute(f"UPDATE alerts_publication SET {change} WHERE id = %s", [pk])


# --- Submitted alerts are kept -------------------------------------------------------------


def test_a_submitted_alert_cannot_be_deleted_in_the_model(alert, editor):
    workflow.submit(alert=alert, user=editor)
    with pytest.raises(ProtectedError):
        alert.delete()
    with pytest.raises(ProtectedError):
        Alert.objects.filter(pk=alert.pk).delete()
    assert Alert.objects.filter(pk=alert.pk).exists()


def test_an_alert_never_submitted_can_be_deleted(alert):
    alert.delete()
    assert not Alert.objects.filter(pk=alert.pk).exists()


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    login_verified(client, user)
    return client


def csrf_token(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_a_submitted_alert_cannot_be_deleted_in_the_admin(alert, editor):
    workflow.submit(alert=alert, user=editor)
    client = csrf_client(make_user("root", superuser=True))
    change = client.get(reverse("admin:alerts_alert_change", args=[alert.pk]))
    page = change.content.decode()
    delete = reverse("admin:alerts_alert_delete", args=[alert.pk])
    assert delete not in page  # no Delete link
    assert "This alert cannot be deleted: it was submitted for review" in page

    response = client.post(delete, {"post": "yes", "csrfmiddlewaretoken": csrf_token(change)})
    assert response.status_code == 302
    assert Alert.objects.filter(pk=alert.pk).exists()
    shown = client.get(response.url).content.decode()
    assert "This alert cannot be deleted: it was submitted for review" in shown
    # Nor in bulk: the changelist has no actions at all.
    changelist = reverse("admin:alerts_alert_changelist")
    client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [alert.pk],
            "post": "yes",
            "csrfmiddlewaretoken": csrf_token(change),
        },
    )
    assert Alert.objects.filter(pk=alert.pk).exists()


def test_an_alert_never_submitted_can_be_deleted_in_the_admin(alert):
    client = csrf_client(make_user("root", superuser=True))
    delete = reverse("admin:alerts_alert_delete", args=[alert.pk])
    confirm = client.get(delete)
    assert confirm.status_code == 200
    response = client.post(delete, {"post": "yes", "csrfmiddlewaretoken": csrf_token(confirm)})
    assert response.status_code == 302
    assert not Alert.objects.filter(pk=alert.pk).exists()


# --- The public head ---------------------------------------------------------------------


def test_the_head_is_public_on_its_page_and_in_the_api(client, history, alert, editor):
    page = client.get(reverse("public:audit_head"))
    api = client.get(reverse("public:api_audit_head"))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'<code id="audit-hash">{history[-1].hash}</code>' in body
    assert '<dd id="audit-count">6</dd>' in body
    assert "verify_audit --head" in body
    assert api.json() == {
        "api_version": 1,
        "count": 6,
        "hash": history[-1].hash,
        "algorithm": "sha256",
        "url": "http://testserver" + reverse("public:audit_head"),
    }
    assert api["Access-Control-Allow-Origin"] == "*"
    # Linked from every public page's footer.
    assert reverse("public:audit_head") in client.get(reverse("public:home")).content.decode()

    # A new event, even one no other public page shows, moves it at once.
    edit_alert(alert, user=editor, summary="Corrected [1].")
    workflow.submit(
        alert=alert, user=editor, change_kind="restoration", change_note="Back: disputed."
    )
    new = WorkflowEvent.objects.order_by("position").last()
    body = client.get(reverse("public:audit_head")).content.decode()
    assert new.hash in body
    assert history[-1].hash not in body
    assert '<dd id="audit-count">7</dd>' in body
    assert client.get(reverse("public:api_audit_head")).json()["hash"] == new.hash


def test_the_head_is_never_cached(client, history):
    for name in ["public:audit_head", "public:api_audit_head"]:
        cache_control = client.get(reverse(name))["Cache-Control"]
        assert "no-store" in cache_control, name
        assert "s-maxage" not in cache_control, name
        assert "public" not in cache_control.split(", "), name


def test_before_any_event_the_head_is_the_genesis(client, db):
    AuditHead.objects.all().delete()
    data = client.get(reverse("public:api_audit_head")).json()
    assert (data["count"], data["hash"]) == (0, audit.GENESIS)


def test_staff_see_each_events_place_in_the_chain(history):
    client = Client()
    login_verified(client, make_user("root", superuser=True))
    event = history[2]
    page = client.get(reverse("admin:alerts_workflowevent_change", args=[event.pk]))
    assert event.hash in page.content.decode()
    assert event.previous_hash in page.content.decode()
