# Workflow events keep plain ids instead of nullable foreign keys: a deletion elsewhere
# must never rewrite an audit row (SET_NULL did), or the hash chain over them
# (0008_audit_chain) would break through no one's fault.

from django.db import migrations, models

COPY = """
UPDATE alerts_workflowevent
SET actor_ref = actor_id, submission_ref = submission_id, publication_ref = publication_id
"""

# Back to the foreign keys: ids whose row is gone become NULL, as SET_NULL kept them.
COPY_BACK = """
UPDATE alerts_workflowevent
SET alert_id = alert_ref,
    submission_id = submission_ref,
    actor_id = (SELECT id FROM auth_user WHERE auth_user.id = alerts_workflowevent.actor_ref),
    publication_id = (
        SELECT id FROM alerts_publication
        WHERE alerts_publication.id = alerts_workflowevent.publication_ref
    )
"""


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0006_approvals_write_once'),
    ]

    operations = [
        migrations.AddField(
            model_name='workflowevent',
            name='actor_ref',
            field=models.BigIntegerField(blank=True, help_text="The acting user's id.", null=True),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='publication_ref',
            field=models.BigIntegerField(blank=True, help_text="The publication's id, if any.", null=True),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='submission_ref',
            field=models.BigIntegerField(blank=True, db_index=True, help_text="The submission's id, if any.", null=True),
        ),
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.RemoveField(
            model_name='workflowevent',
            name='actor',
        ),
        migrations.RemoveField(
            model_name='workflowevent',
            name='alert',
        ),
        migrations.RemoveField(
            model_name='workflowevent',
            name='publication',
        ),
        migrations.RemoveField(
            model_name='workflowevent',
            name='submission',
        ),
    ]
