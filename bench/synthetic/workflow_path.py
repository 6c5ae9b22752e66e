"""The real path: write each synthetic alert as an editor would, publish as reviewers do.

Every write goes through alerts.editing.revision (so django-reversion records it)
and every transition through alerts.workflow. Slow (a few alerts a second) but
exactly what the product does; the bulk path is checked against it.
"""

from django.db import transaction

from alerts import workflow
from alerts.editing import revision
from alerts.models import Alert, Citation, Recommendation, StageEvidence, StageRating

from . import plan as p


def _approve_all(submission, reviewers):
    publication = None
    for reviewer in reviewers[: submission.approvals_required]:
        publication = workflow.approve(submission=submission, user=reviewer)
    return publication


def write_alert(plan, *, editor, reviewers, countries, sources, stages):
    """Write one planned alert and take it through its planned fate, in one transaction."""
    with transaction.atomic():
        with revision(user=editor, comment=p.CREATE_COMMENT):
            alert = Alert.objects.create(
                title=plan.title,
                slug=plan.slug,
                level=plan.level,
                issued_on=plan.issued_on,
                summary=plan.summary,
                background=plan.background,
                legal_analysis=plan.legal_analysis,
                assessment=plan.assessment,
                created_by=editor,
            )
            alert.countries.set([countries[n] for n in plan.countries])
            for c in plan.citations:
                Citation.objects.create(
                    alert=alert,
                    source=sources[c.source],
                    number=c.number,
                    locator=c.locator,
                    quote=c.quote,
                )
            for r in plan.ratings:
                StageRating.objects.create(
                    alert=alert,
                    country=countries[r.country],
                    stage=stages[r.stage],
                    rationale=r.rationale,
                )
            for e in plan.evidence:
                StageEvidence.objects.create(
                    alert=alert,
                    stage=stages[e.stage],
                    country=countries[e.country] if e.country else None,
                    period=e.period,
                    text=e.text,
                    position=e.position,
                )
            for r in plan.recommendations:
                Recommendation.objects.create(
                    alert=alert, position=r.position, addressee=r.addressee, action=r.action
                )
        if plan.fate == "draft":
            return alert
        submission = workflow.submit(alert=alert, user=editor)
        if plan.fate == "pending":
            return alert
        _approve_all(submission, reviewers)
        for update in plan.updates:
            with revision(user=editor, comment=p.UPDATE_COMMENT):
                alert.level = update.level
                alert.assessment += update.addendum
                alert.save()
                if update.new_rating:
                    r = update.new_rating
                    StageRating.objects.create(
                        alert=alert,
                        country=countries[r.country],
                        stage=stages[r.stage],
                        rationale=r.rationale,
                    )
            submission = workflow.submit(
                alert=alert,
                user=editor,
                change_kind=update.change_kind,
                change_note=update.change_note,
            )
            _approve_all(submission, reviewers)
        if plan.fate == "withdrawn":
            workflow.withdraw(alert=alert, user=reviewers[0], reason=plan.withdrawal_reason)
    return alert
