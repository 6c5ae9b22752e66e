# The audit chain (alerts/audit.py): each workflow event gets its position, the hash
# of the event before it and its own hash. Existing events are chained in id order
# (the order they were written in), and the head row is set to the last of them.

import datetime
import hashlib
import json

from django.db import migrations, models

GENESIS = "0" * 64

# Frozen copies of alerts.audit.CHAINED_FIELDS and digest() as they are at this
# migration: it must keep computing version 1 of the chain whatever the app does
# later. tests/alerts/test_audit_trail.py checks that they still agree.
CHAINED_FIELDS = (
    "position",
    "alert_ref",
    "alert_title",
    "action",
    "actor_ref",
    "actor_name",
    "submission_ref",
    "publication_ref",
    "from_state",
    "to_state",
    "comment",
    "created_at",
)


def digest(values, previous_hash):
    content = {name: values[name] for name in CHAINED_FIELDS}
    created_at = content["created_at"]
    if isinstance(created_at, datetime.datetime):
        content["created_at"] = created_at.astimezone(datetime.UTC).isoformat(
            timespec="milliseconds"
        )
    content["previous_hash"] = previous_hash
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def chain_existing(apps, schema_editor):
    db = schema_editor.connection.alias
    WorkflowEvent = apps.get_model("alerts", "WorkflowEvent")
    AuditHead = apps.get_model("alerts", "AuditHead")
    previous, count, batch = GENESIS, 0, []
    fields = [f for f in CHAINED_FIELDS if f != "position"]
    rows = WorkflowEvent.objects.using(db).order_by("pk").values_list("pk", *fields)
    for pk, *values in rows.iterator(chunk_size=2000):
        count += 1
        event = WorkflowEvent(pk=pk, position=count, previous_hash=previous)
        event.hash = digest({"position": count, **dict(zip(fields, values))}, previous)
        previous = event.hash
        batch.append(event)
        if len(batch) == 2000:
            WorkflowEvent.objects.using(db).bulk_update(batch, ["position", "previous_hash", "hash"])
            batch = []
    WorkflowEvent.objects.using(db).bulk_update(batch, ["position", "previous_hash", "hash"])
    AuditHead.objects.using(db).update_or_create(pk=1, defaults={"count": count, "hash": previous})


def unchain(apps, schema_editor):
    # The columns go with the reversed AddFields; the head row goes with its table.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0007_event_refs'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('count', models.PositiveBigIntegerField(default=0)),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='one_audit_head')],
            },
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='position',
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='previous_hash',
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='hash',
            field=models.CharField(default='', editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, unchain),
        migrations.AlterField(
            model_name='workflowevent',
            name='position',
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name='workflowevent',
            name='previous_hash',
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
