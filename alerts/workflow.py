"""Every state change of the review workflow, and nothing else.

Each transition is one keyword-only function: it takes the acting user, checks
that user's permission and the current state, runs in one transaction, writes a
WorkflowEvent, and queues its mail as a task in the same transaction (alerts/tasks.py):
sent by the worker once the transition has committed, never for one that rolled back,
and retried while the mail server is down, which the transition never waits for. The admin,
management commands and tests all call these functions, so a rule enforced here
cannot be dodged through another door.

The promise: what is published is exactly the snapshot that someone other than
its authors approved, and every later change is visible as such.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from reversion.models import Revision, Version

from sources.models import Source
from stages.models import Country

from . import assets, succession
from .diff import keep_diff
from .models import (
    Alert,
    Approval,
    ChangeKind,
    Level,
    Publication,
    PublishedCountry,
    PublishedDetermination,
    RedactedVersion,
    Redaction,
    RedactionReview,
    Submission,
    Withdrawal,
    WithdrawalReview,
    WorkflowEvent,
    slug_taken,
)
from .public import front_cache, page_cache, queries
from .rendering import publication_fields
from .roles import REVIEWERS
from .snapshot import build_snapshot, snapshot_hash, text_fields, upgrade
from .tasks import queue_mail
from .text import dangling_markers, describe_dangling, find_markers
from .versions import alert_versions


class WorkflowError(Exception):
    """A refused transition. The message tells a person what to do about it."""


STALE_MESSAGE = (
    "This submission is stale: the alert was edited after it was submitted. Submit again."
)


# --- Queries the transitions (and the admin) rely on ---------------------------------


def latest_publication(alert):
    """The newest publication of the alert, live or scheduled."""
    return alert.publications.order_by("-number").first()


def live_publication(alert, now=None):
    return Publication.objects.current(now).filter(alert=alert).first()


def withdrawal_in_force(alert):
    """The withdrawal that took the alert's latest publication down, or None (never
    withdrawn, or restored since by a later publication)."""
    last = latest_publication(alert)
    if last is None:
        return None
    return (
        Withdrawal.objects.covering(alert, last.number)
        .select_related("withdrawn_by")
        .order_by("-last_number")
        .first()
    )


def unreviewed_withdrawals():
    """Withdrawals in force that no second reviewer has confirmed or rejected yet,
    oldest first (one the alert was restored from since needs no decision)."""
    later = Publication.objects.filter(alert=OuterRef("alert"), number__gt=OuterRef("last_number"))
    return (
        Withdrawal.objects.filter(review__isnull=True)
        .exclude(Exists(later))
        .select_related("alert", "withdrawn_by")
        .order_by("withdrawn_at")
    )


def open_submission(alert):
    return alert.submissions.filter(status=Submission.Status.PENDING).first()


def _alert_versions(alert):
    return alert_versions(str(alert.pk))


def previous_attempt(alert):
    """The latest submission of this alert's review round that did not end in a
    publication (sent back, stale or superseded): what a resubmission starts from."""
    published = alert.publications.order_by("-number").values_list("submission_id", flat=True)
    return (
        alert.submissions.filter(pk__gt=published.first() or 0)
        .exclude(status__in=[Submission.Status.PENDING, Submission.Status.PUBLISHED])
        .order_by("-pk")
        .first()
    )


def latest_revision(alert):
    """The newest django-reversion revision that recorded this alert."""
    version = _alert_versions(alert).select_related("revision").order_by("-revision_id").first()
    return version.revision if version else None


def editors_since_last_publication(alert):
    """Users who saved the alert after the revision its last publication was built from.

    Taken from the reversion history, not from who pressed "submit", so having
    someone else submit one's own work does not make one eligible to approve it.
    """
    last = latest_publication(alert)
    revisions = Revision.objects.filter(
        pk__in=_alert_versions(alert).values("revision_id"), user__isnull=False
    )
    if last is not None:
        revisions = revisions.filter(pk__gt=last.submission.revision_id)
    return set(get_user_model().objects.filter(pk__in=revisions.values("user_id")))


def _referenced(snapshot):
    """The Sources and Countries a snapshot copies in, as (model, ids)."""
    countries = {c["id"] for c in snapshot["countries"] if c.get("id") is not None}
    sources = {c["source"]["id"] for c in snapshot["citations"]}
    return [(Source, sources), (Country, countries)]


def reference_authors(submission):
    """Users whose revision of a Source or a Country that ``submission`` copies in is in
    no earlier publication of the alert: they wrote part of what would be published.

    A revision was in an earlier publication when that publication copied the object in
    and the revision was made before the publication was submitted (an edit between
    submission and publication makes the submission stale, so nothing newer can have
    been copied in).
    """
    # Only the two lists read, not each earlier version's whole text: the review queue
    # asks this of every open submission.
    earlier = Publication.objects.filter(
        alert_id=submission.alert_id, submission_id__lt=submission.pk
    ).values_list("snapshot__countries", "snapshot__citations", "submission__submitted_at")
    published_up_to = {}  # (model, id) -> when the newest publication carrying it was submitted
    for countries, citations, submitted_at in earlier:
        for model, ids in _referenced({"countries": countries, "citations": citations}):
            for pk in ids:
                key = (model, pk)
                published_up_to[key] = max(published_up_to.get(key, submitted_at), submitted_at)
    unpublished = Q(pk__in=[])
    for model, ids in _referenced(submission.snapshot):
        content_type = ContentType.objects.get_for_model(model)
        for pk in ids:
            since = published_up_to.get((model, pk))
            unpublished |= Q(content_type=content_type, object_id=str(pk)) & (
                Q(revision__date_created__gt=since) if since else Q()
            )
    authors = Version.objects.filter(unpublished).values("revision__user_id")
    return set(get_user_model().objects.filter(pk__in=authors))


def is_stale(submission):
    """True when the alert changed after it was submitted (or was deleted)."""
    alert = Alert.objects.filter(pk=submission.alert_id).first()
    if alert is None:
        return True
    newest = latest_revision(alert)
    if newest is not None and newest.pk != submission.revision_id:
        return True
    return snapshot_hash(build_snapshot(alert)) != submission.snapshot_hash


def review_round(submission):
    """The submissions of this alert's current review round before ``submission``: those
    since the submission its latest earlier publication was made from, oldest first."""
    published = (
        Publication.objects.filter(alert_id=submission.alert_id, submission_id__lt=submission.pk)
        .order_by("-number")
        .values_list("submission_id", flat=True)
        .first()
    )
    return Submission.objects.filter(
        alert_id=submission.alert_id, pk__lt=submission.pk, pk__gt=published or 0
    ).order_by("pk")


def sent_back(submission):
    """The latest submission of this round that a reviewer sent back, if any: what a
    resubmission answers."""
    return (
        review_round(submission)
        .filter(status=Submission.Status.CHANGES_REQUESTED)
        .order_by("-pk")
        .first()
    )


def approval_refusal(user, submission):
    """Why ``user`` may not approve ``submission`` now, or None if they may."""
    if not user.has_perm("alerts.review_alert"):
        return "Only reviewers can approve a submission."
    if submission.status != Submission.Status.PENDING:
        return f"This submission is not awaiting review (it is {submission.get_status_display().lower()})."
    if user.pk == submission.submitted_by_id:
        return "You submitted this alert, so someone else must approve it."
    if user in editors_since_last_publication(submission.alert):
        return "You edited this alert since its last publication, so someone else must approve it."
    if user in reference_authors(submission):
        return (
            "You edited a source or a country this submission copies in, and no earlier "
            "publication of the alert carried your change, so someone else must approve it."
        )
    if submission.approvals.filter(reviewer=user).exists():
        return "You have already approved this submission; a second reviewer must approve it."
    return None


def awaiting_review_by(user):
    """Open submissions ``user`` may approve: the reviewer's queue."""
    if not user.has_perm("alerts.review_alert"):
        return []
    pending = (
        Submission.objects.filter(status=Submission.Status.PENDING)
        .select_related("alert", "submitted_by")
        .order_by("submitted_at")
    )
    return [s for s in pending if approval_refusal(user, s) is None]


def escalations(snapshot, alert):
    """Reasons why this snapshot needs two approvers (empty list if it does not)."""
    reasons = []
    last = latest_publication(alert)
    if snapshot["level"] == Level.EMERGENCY and (last is None or last.level < Level.EMERGENCY):
        reasons.append("raises the level to Genocide Emergency")
    highest = {}
    for rating in snapshot["ratings"]:
        highest[rating["country"]] = max(highest.get(rating["country"], 0), rating["stage"])
    current = current_highest_stages(highest.keys())
    for slug, stage in sorted(highest.items()):
        # A country never determined before has nothing to be raised above; its first
        # determination is reviewed like any other content.
        if slug in current and stage > current[slug]:
            reasons.append(stage_raised(snapshot, slug, current[slug], stage))
    return reasons


def stage_raised(snapshot, slug, current, stage):
    """The escalation reason reviewers and mail show, naming the country as readers do."""
    name = next((r["country_name"] for r in snapshot["ratings"] if r["country"] == slug), slug)
    return f"raises {name}'s highest stage from {current} to {stage}"


def current_highest_stages(country_slugs, now=None):
    """Each country's highest stage in its current public determination.

    The same determination the country's public page shows, found the same way:
    through the (country, go-live) index, not by reading the country's history.
    """
    # Keyed by the editors' slugs (the snapshot's), not the public ones, which lag
    # behind an edit to a country until a publication carries it.
    slugs = dict(Country.objects.filter(slug__in=list(country_slugs)).values_list("pk", "slug"))
    current = queries.current_determinations(now, country_ids=slugs)
    return {slugs[d.country.pk]: d.highest for d in current}


def submission_problems(snapshot):
    """What must be fixed before this snapshot can be submitted."""
    problems = []
    numbers = {c["number"] for c in snapshot["citations"]}
    dangling = dangling_markers(text_fields(snapshot), numbers)
    if dangling:
        problems.append(f"Citation markers point to no citation: {describe_dangling(dangling)}.")
    alert_countries = {c["slug"] for c in snapshot["countries"]}
    for rating in snapshot["ratings"]:
        where = f"{rating['country_name']}, stage {rating['stage']}"
        if rating["country"] not in alert_countries:
            problems.append(
                f"The determination for {where} names a country that is not among the "
                f"alert's countries. Add {rating['country_name']} to the countries."
            )
        if not any(n in numbers for n in find_markers(rating["rationale"])):
            problems.append(
                f"The determination for {where} needs a rationale that cites at least one "
                "source, e.g. [1]."
            )
    return problems


# --- Internals -----------------------------------------------------------------------


def _require(user, perm, message):
    if not (user and user.is_active and user.has_perm(perm)):
        raise WorkflowError(message)


def _record(*, alert, action, actor, submission=None, publication=None, frm="", to="", comment=""):
    return WorkflowEvent.objects.create(
        alert_ref=alert.pk,
        alert_title=alert.title,
        action=action,
        actor_ref=actor.pk,
        actor_name=actor.get_username(),
        submission_ref=submission.pk if submission else None,
        publication_ref=publication.pk if publication else None,
        from_state=frm,
        to_state=to,
        comment=comment,
    )


def _reviewer_emails(exclude=()):
    User = get_user_model()
    return (
        User.objects.filter(groups__name=REVIEWERS, is_active=True)
        .exclude(pk__in=[u.pk for u in exclude])
        .values_list("email", flat=True)
    )


def _admin_url(name, *args):
    from django.urls import reverse

    return settings.SITE_URL + reverse(name, args=args)


def _close(submission, *, status, action, user, comment=""):
    """End a submission's review with ``status`` and record who did it and why."""
    submission.status = status
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "decided_at"])
    _record(
        alert=submission.alert,
        action=action,
        actor=user,
        submission=submission,
        frm="in_review",
        to=status,
        comment=comment,
    )


def _supersede(submission, *, user, comment=""):
    _close(
        submission,
        status=Submission.Status.SUPERSEDED,
        action=WorkflowEvent.Action.SUPERSEDED,
        user=user,
        comment=comment,
    )


def _lock_alert(alert):
    # Serialises transitions on one alert (a no-op on SQLite, which locks the whole file).
    return Alert.objects.select_for_update().get(pk=alert.pk)


def state_label(alert):
    from .states import alert_state

    return alert_state(alert)


# --- Transitions ---------------------------------------------------------------------


def submit(*, alert, user, change_note="", change_kind=None, go_live_at=None):
    """Put the alert's current working copy up for review, pinned to its revision."""
    _require(user, "alerts.submit_alert", "Only editors can submit an alert for review.")
    return _submit(
        alert=alert,
        user=user,
        change_note=change_note,
        change_kind=change_kind,
        go_live_at=go_live_at,
    )


def _submit(*, alert, user, change_note, change_kind, go_live_at):
    # Also the restoration a reviewer's rejection of a withdrawal submits.
    with transaction.atomic():
        alert = _lock_alert(alert)
        withdrawn = withdrawal_in_force(alert) is not None
        if withdrawn and change_kind != ChangeKind.RESTORATION:
            raise WorkflowError(
                "This alert was withdrawn: it can only be submitted as a restoration, with a "
                "public note saying why it is restored."
            )
        if change_kind == ChangeKind.RESTORATION and not withdrawn:
            raise WorkflowError("Only a withdrawn alert can be restored.")
        revision = latest_revision(alert)
        if revision is None:
            raise WorkflowError(
                "This alert has no saved version to submit. Save it in the admin first."
            )
        snapshot = build_snapshot(alert)
        problems = submission_problems(snapshot)
        if problems:
            raise WorkflowError("This alert cannot be submitted yet: " + " ".join(problems))
        # Not asked again at approval: a submission stays approvable only while the
        # working copy is unchanged, and working copies' slugs are unique.
        taken = slug_taken(snapshot["slug"], alert_id=alert.pk)
        if taken:
            raise WorkflowError(taken)
        published_before = alert.publications.exists()
        change_note = (change_note or "").strip()
        if published_before:
            if change_kind not in (
                ChangeKind.UPDATE,
                ChangeKind.CORRECTION,
                ChangeKind.RESTORATION,
            ):
                raise WorkflowError(
                    "This alert has been published: say whether this is an update or a correction."
                )
            if not change_note:
                raise WorkflowError(
                    "This alert has been published: write a public change note saying what "
                    "changed and why."
                )
        else:
            change_kind = ChangeKind.FIRST
        if go_live_at is not None and go_live_at <= timezone.now():
            raise WorkflowError("The go-live time must be in the future (or left empty).")
        from_state = state_label(alert)
        previous = open_submission(alert)
        if previous is not None:
            _supersede(previous, user=user)
        reasons = escalations(snapshot, alert)
        submission = Submission.objects.create(
            alert=alert,
            revision=revision,
            snapshot=snapshot,
            snapshot_hash=snapshot_hash(snapshot),
            submitted_by=user,
            change_kind=change_kind,
            change_note=change_note,
            go_live_at=go_live_at,
            approvals_required=2 if reasons else 1,
            escalation_reasons=reasons,
        )
        _record(
            alert=alert,
            action=WorkflowEvent.Action.SUBMITTED,
            actor=user,
            submission=submission,
            frm=from_state,
            to="in_review",
            comment=change_note,
        )
        queue_mail(
            subject=f"Review requested: {alert.title}",
            body=f"{user.get_username()} submitted “{alert.title}” for review.\n"
            + (f"It needs two approvals: {'; '.join(reasons)}.\n" if reasons else "")
            + f"\nReview it at {_admin_url('admin:alerts_submission_change', submission.pk)}\n",
            recipients=_reviewer_emails(exclude=[user]),
        )
    return submission


def request_changes(*, submission, user, comment):
    """Send a submission back to its editors with a comment saying what to fix."""
    _require(user, "alerts.review_alert", "Only reviewers can request changes.")
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Say what needs to change: a comment is required.")
    with transaction.atomic():
        _lock_alert(submission.alert)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status != Submission.Status.PENDING:
            raise WorkflowError(
                f"This submission is not awaiting review (it is "
                f"{submission.get_status_display().lower()})."
            )
        _close(
            submission,
            status=Submission.Status.CHANGES_REQUESTED,
            action=WorkflowEvent.Action.CHANGES_REQUESTED,
            user=user,
            comment=comment,
        )
        queue_mail(
            subject=f"Changes requested: {submission.alert.title}",
            body=f"{user.get_username()} asked for changes to “{submission.alert.title}”:\n\n"
            f"{comment}\n\nEdit it at {_admin_url('admin:alerts_alert_change', submission.alert_id)}\n",
            recipients=[submission.submitted_by.email],
        )
    return submission


def approve(*, submission, user, comment=""):
    """Approve a submission; the last required approval publishes its exact snapshot.

    Returns the new Publication, or None when a second approval is still needed.
    """
    _require(user, "alerts.review_alert", "Only reviewers can approve a submission.")
    with transaction.atomic():
        alert = _lock_alert(submission.alert)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        mismatch = snapshot_mismatch(submission)
        if mismatch is None:
            return _approve_locked(alert=alert, submission=submission, user=user, comment=comment)
    # Refused, and written down in a transaction of its own, which the refusal does
    # not roll back.
    _record(
        alert=alert,
        action=WorkflowEvent.Action.INTEGRITY_FAILURE,
        actor=user,
        submission=submission,
        frm="in_review",
        to="in_review",
        comment=mismatch,
    )
    raise WorkflowError(mismatch)


def snapshot_mismatch(submission):
    """Why the submission's stored snapshot is not the one that was submitted (its
    content no longer matches the hash taken then), or None when it is intact."""
    if snapshot_hash(submission.snapshot) != submission.snapshot_hash:
        return (
            "The stored content of this submission does not match what was submitted (its "
            "hash differs): it was changed outside the workflow. It cannot be approved; "
            "the alert must be submitted again."
        )
    return None


def counted_approvals(approvals):
    """The approvals that count towards the number required: those by people who still
    hold the review permission and are active now, when the last one is given."""
    return [
        a for a in approvals if a.reviewer.is_active and a.reviewer.has_perm("alerts.review_alert")
    ]


def _approve_locked(*, alert, submission, user, comment):
    """The rest of ``approve``, under its locks, once the snapshot is known intact."""
    if submission.status == Submission.Status.PENDING and is_stale(submission):
        raise WorkflowError(STALE_MESSAGE)
    refusal = approval_refusal(user, submission)
    if refusal:
        raise WorkflowError(refusal)
    _escalate_if_raised_now(submission, alert)
    comment = (comment or "").strip()
    Approval.objects.create(submission=submission, reviewer=user, comment=comment)
    approvals = counted_approvals(submission.approvals.select_related("reviewer"))
    if len(approvals) < submission.approvals_required:
        _record(
            alert=alert,
            action=WorkflowEvent.Action.APPROVED,
            actor=user,
            submission=submission,
            frm="in_review",
            to="awaiting_second_approval",
            comment=comment,
        )
        return None
    publication = _publish(alert=alert, submission=submission, approvals=approvals)
    scheduled = publication.go_live_at > timezone.now()
    _record(
        alert=alert,
        action=WorkflowEvent.Action.SCHEDULED if scheduled else WorkflowEvent.Action.PUBLISHED,
        actor=user,
        submission=submission,
        publication=publication,
        frm="in_review",
        to="scheduled" if scheduled else "published",
        comment=comment,
    )
    when = (
        f"It goes live at {timezone.localtime(publication.go_live_at):%Y-%m-%d %H:%M %Z}."
        if scheduled
        else "It is live now."
    )
    queue_mail(
        subject=f"Approved: {alert.title}",
        body=f"“{alert.title}” was approved by "
        f"{', '.join(publication.approvers)} as publication {publication.number}. {when}\n",
        recipients=[submission.submitted_by.email],
    )
    return publication


def _escalate_if_raised_now(submission, alert):
    """Ask for two approvals if the submission escalates what is public now.

    Escalations are measured against what is public, which may have moved since the
    submission was made (another alert corrected a country's stage down, a scheduled
    publication went live): the rule follows what publishing would do now. It only
    ever tightens; a submission told it needs two approvals keeps needing them.
    """
    reasons = escalations(submission.snapshot, alert)
    if reasons and submission.approvals_required < 2:
        submission.approvals_required = 2
        submission.escalation_reasons = reasons
        submission.save(update_fields=["approvals_required", "escalation_reasons"])


def published_countries(publication, snapshot):
    """Unsaved PublishedCountry rows: the publication's countries as its snapshot
    recorded them (what the public will see of them)."""
    snapshot = upgrade(snapshot)
    ids = {c["slug"]: c["id"] for c in snapshot["countries"]}
    missing = [slug for slug, pk in ids.items() if pk is None]
    if missing:  # a schema-1 snapshot names countries by slug only
        ids |= dict(Country.objects.filter(slug__in=missing).values_list("slug", "pk"))
    return [
        PublishedCountry(
            publication=publication,
            country_id=ids[c["slug"]],
            name=c["name"],
            slug=c["slug"],
            iso_code=c["iso_code"],
            region=c["region"],
            aliases=c["aliases"],
            go_live_at=publication.go_live_at,
        )
        for c in snapshot["countries"]
        if ids.get(c["slug"]) is not None
    ]


def _publish(*, alert, submission, approvals):
    """Write the approved snapshot as the alert's next publication, with what is made
        from it once (alerts/rendering.py), its determinations, and which publications
        are now current (alerts/succession.py); then move the public pages on (the page cache
    at once, the front cache by a purge task, again at go-live if that is later)."""
    now = timezone.now()
    snapshot = submission.snapshot
    mismatch = snapshot_mismatch(submission)  # again, as it is written out
    if mismatch is not None:
        raise WorkflowError(mismatch)
    countries = {
        c.slug: c
        for c in Country.objects.filter(slug__in={r["country"] for r in snapshot["ratings"]})
    }
    last = latest_publication(alert)
    publication = Publication.objects.create(
        alert=alert,
        number=(last.number + 1) if last else 1,
        submission=submission,
        snapshot=snapshot,
        snapshot_hash=submission.snapshot_hash,
        change_kind=submission.change_kind,
        change_note=submission.change_note,
        approvers=[a.reviewer.get_username() for a in approvals],
        published_at=now,
        go_live_at=max(submission.go_live_at or now, now),
        **publication_fields(snapshot),
    )
    PublishedDetermination.objects.bulk_create(
        [
            PublishedDetermination(
                publication=publication,
                alert=alert,
                country=countries[r["country"]],
                stage_id=r["stage"],
                go_live_at=publication.go_live_at,
            )
            for r in snapshot["ratings"]
        ]
    )
    PublishedCountry.objects.bulk_create(published_countries(publication, snapshot))
    keep_diff(last, publication)
    succession.record(alert)
    page_cache.changed()
    scheduled = publication.go_live_at > now
    front_cache.alert_changed(alert, go_live_at=publication.go_live_at if scheduled else None)
    # Its social card and PDF, made by the worker once this commits (alerts/assets.py).
    assets.queue(publication)
    submission.status = Submission.Status.PUBLISHED
    submission.decided_at = now
    submission.save(update_fields=["status", "decided_at"])
    return publication


def mark_stale(*, submission, user):
    """Close a submission its alert no longer matches (``user`` changed the alert or a
    source or country it cites), and tell its submitter: by mail, and in the admin on
    their next visit. Returns the submission, or None when it was not open and stale.
    """
    with transaction.atomic():
        alert = _lock_alert(submission.alert)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status != Submission.Status.PENDING or not is_stale(submission):
            return None
        now = timezone.now()
        told = user.pk == submission.submitted_by_id  # they see it on the page they saved
        submission.status = Submission.Status.STALE
        submission.decided_at = now
        submission.submitter_told_at = now if told else None
        submission.save(update_fields=["status", "decided_at", "submitter_told_at"])
        _record(
            alert=alert,
            action=WorkflowEvent.Action.WENT_STALE,
            actor=user,
            submission=submission,
            frm="in_review",
            to=state_label(alert),
            comment=f"{user.get_username()} changed what was submitted.",
        )
        if not told:
            title = submission.snapshot.get("title", alert.title)  # as they submitted it
            queue_mail(
                subject=f"Submit again: {title}",
                body=f"{user.get_username()} changed “{title}” after you submitted it, "
                "so your submission can no longer be approved.\n\nSubmit it again at "
                f"{_admin_url('admin:alerts_alert_change', alert.pk)} (your change note and "
                "schedule are filled in for you).\n",
                recipients=[submission.submitted_by.email],
            )
    return submission


def mark_stale_submissions(*, alerts, user):
    """``mark_stale`` for the open submission of each of ``alerts``; those it closed."""
    pending = Submission.objects.filter(
        alert__in=alerts, status=Submission.Status.PENDING
    ).select_related("alert", "submitted_by")
    return [s for s in pending if mark_stale(submission=s, user=user) is not None]


def withdraw(*, alert, user, reason):
    """Take a published alert down, publicly, with a reason."""
    _require(user, "alerts.withdraw_alert", "Only reviewers can withdraw an alert.")
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Give the public reason for the withdrawal.")
    with transaction.atomic():
        alert = _lock_alert(alert)
        if withdrawal_in_force(alert) is not None:
            raise WorkflowError("This alert has already been withdrawn.")
        last = latest_publication(alert)
        if last is None:
            raise WorkflowError("Only a published alert can be withdrawn; this one never was.")
        from_state = state_label(alert)
        withdrawal = Withdrawal.objects.create(
            alert=alert, last_number=last.number, reason=reason, withdrawn_by=user
        )
        # Its publications leave every public surface at once (Publication.objects.live);
        # the countries it rated fall back to what other alerts say.
        succession.record(alert)
        page_cache.changed()
        front_cache.alert_changed(alert)
        pending = open_submission(alert)
        if pending is not None:
            _supersede(pending, user=user, comment="The alert was withdrawn.")
        _record(
            alert=alert,
            action=WorkflowEvent.Action.WITHDRAWN,
            actor=user,
            publication=latest_publication(alert),
            frm=from_state,
            to="withdrawn",
            comment=reason,
        )
        queue_mail(
            subject=f"Confirm or reject: {alert.title} was withdrawn",
            body=f"{user.get_username()} withdrew “{alert.title}”; it is off the public site "
            f"now.\n\nReason: {reason}\n\nA second reviewer must confirm or reject the "
            f"withdrawal: {_admin_url('admin:alerts_withdrawal_change', withdrawal.pk)}\n",
            recipients=_reviewer_emails(exclude=[user]),
        )
        queue_mail(
            subject=f"Withdrawn: {alert.title}",
            body=f"{user.get_username()} withdrew “{alert.title}”.\n\nReason: {reason}\n",
            recipients=[alert.created_by.email if alert.created_by else ""],
        )
    return withdrawal


def _review_withdrawal(withdrawal, user):
    """Lock and check a withdrawal a second reviewer is deciding on."""
    _require(user, "alerts.withdraw_alert", "Only reviewers can confirm or reject a withdrawal.")
    _lock_alert(withdrawal.alert)
    withdrawal = Withdrawal.objects.select_related("alert", "withdrawn_by").get(pk=withdrawal.pk)
    if WithdrawalReview.objects.filter(withdrawal=withdrawal).exists():
        raise WorkflowError("A reviewer has already decided on this withdrawal.")
    if withdrawal.withdrawn_by_id == user.pk:
        raise WorkflowError("You withdrew this alert, so another reviewer must decide on it.")
    if withdrawal_in_force(withdrawal.alert) != withdrawal:
        raise WorkflowError("The alert was published again since this withdrawal.")
    return withdrawal


def confirm_withdrawal(*, withdrawal, user, comment=""):
    """A second reviewer agrees the alert should stay withdrawn."""
    with transaction.atomic():
        withdrawal = _review_withdrawal(withdrawal, user)
        comment = (comment or "").strip()
        review = WithdrawalReview.objects.create(
            withdrawal=withdrawal,
            decision=WithdrawalReview.Decision.CONFIRMED,
            reviewer=user,
            comment=comment,
        )
        _record(
            alert=withdrawal.alert,
            action=WorkflowEvent.Action.WITHDRAWAL_CONFIRMED,
            actor=user,
            frm="withdrawn",
            to="withdrawn",
            comment=comment,
        )
        queue_mail(
            subject=f"Withdrawal confirmed: {withdrawal.alert.title}",
            body=f"{user.get_username()} confirmed the withdrawal of “{withdrawal.alert.title}”.\n",
            recipients=[withdrawal.withdrawn_by.email],
        )
    return review


def reject_withdrawal(*, withdrawal, user, reason):
    """A second reviewer disagrees: the alert is to come back. Nothing is un-withdrawn
    in place; the reviewer submits the alert as a restoration, with a public note
    saying why, which someone else must approve like any other submission."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Say why the alert should come back: the reason is published.")
    with transaction.atomic():
        withdrawal = _review_withdrawal(withdrawal, user)
        review = WithdrawalReview.objects.create(
            withdrawal=withdrawal,
            decision=WithdrawalReview.Decision.REJECTED,
            reviewer=user,
            comment=reason,
        )
        _record(
            alert=withdrawal.alert,
            action=WorkflowEvent.Action.WITHDRAWAL_REJECTED,
            actor=user,
            frm="withdrawn",
            to="withdrawn",
            comment=reason,
        )
        note = (
            f"Restored. It was withdrawn on {withdrawal.withdrawn_at:%-d %B %Y}; a second "
            f"review rejected the withdrawal: {reason}"
        )
        submission = _submit(
            alert=withdrawal.alert,
            user=user,
            change_kind=ChangeKind.RESTORATION,
            change_note=note,
            go_live_at=None,
        )
        queue_mail(
            subject=f"Withdrawal rejected: {withdrawal.alert.title}",
            body=f"{user.get_username()} rejected the withdrawal of “{withdrawal.alert.title}” "
            f"and submitted it for restoration.\n\n{reason}\n",
            recipients=[withdrawal.withdrawn_by.email],
        )
    return review, submission


# --- Withholding past versions (safety redaction) -------------------------------------


def propose_redaction(*, alert, numbers, user, reason=""):
    """Propose withholding the text of past versions ``numbers`` of ``alert`` from the
    public; a second reviewer must approve it. The current version is corrected by an
    ordinary update instead, so it cannot be withheld."""
    _require(user, "alerts.review_alert", "Only reviewers can propose withholding versions.")
    numbers = sorted({int(n) for n in numbers})
    if not numbers:
        raise WorkflowError("Choose the versions to withhold.")
    with transaction.atomic():
        alert = _lock_alert(alert)
        publications = {p.number: p for p in alert.publications.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in publications]
        if missing:
            raise WorkflowError(f"This alert has no version {missing[0]}.")
        _require_past_versions(alert, numbers)
        fields = {"alert": alert, "proposed_by": user}
        if (reason or "").strip():
            fields["reason"] = reason.strip()
        redaction = Redaction.objects.create(**fields)
        RedactedVersion.objects.bulk_create(
            [RedactedVersion(redaction=redaction, publication=publications[n]) for n in numbers]
        )
        _record(
            alert=alert,
            action=WorkflowEvent.Action.REDACTION_PROPOSED,
            actor=user,
            frm=state_label(alert),
            to=state_label(alert),
            comment=f"Versions {', '.join(map(str, numbers))}: {redaction.reason}",
        )
        queue_mail(
            subject=f"Approve or reject: withhold versions of {alert.title}",
            body=f"{user.get_username()} proposes withholding versions "
            f"{', '.join(map(str, numbers))} of “{alert.title}” {redaction.reason}.\n\n"
            f"A second reviewer must decide: "
            f"{_admin_url('admin:alerts_redaction_change', redaction.pk)}\n",
            recipients=_reviewer_emails(exclude=[user]),
        )
    return redaction


def _require_past_versions(alert, numbers):
    """Only versions older than the live one can be withheld: the current version (and
    any scheduled to replace it) is corrected by an ordinary update instead, so what
    readers see as the alert is never a notice."""
    current = live_publication(alert)
    if current is None:
        raise WorkflowError("Only past versions of a live alert can be withheld.")
    later = [n for n in numbers if n >= current.number]
    if later:
        raise WorkflowError(
            f"Version {later[0]} is the current one or a later one: correct it with an "
            "update first, then withhold the earlier versions."
        )


def _review_redaction(redaction, user):
    _require(user, "alerts.review_alert", "Only reviewers can decide on withholding versions.")
    _lock_alert(redaction.alert)
    redaction = Redaction.objects.select_related("alert").get(pk=redaction.pk)
    if RedactionReview.objects.filter(redaction=redaction).exists():
        raise WorkflowError("A reviewer has already decided on this proposal.")
    if redaction.proposed_by_id == user.pk:
        raise WorkflowError("You proposed this, so another reviewer must decide on it.")
    return redaction


def approve_redaction(*, redaction, user, comment=""):
    """Withhold the versions: from now on the public sees a notice instead of their text,
    everywhere (the caches are told, as for a publication)."""
    with transaction.atomic():
        redaction = _review_redaction(redaction, user)
        # Again now: a version proposed as past may have become current since.
        _require_past_versions(
            redaction.alert, list(redaction.versions.values_list("publication__number", flat=True))
        )
        review = RedactionReview.objects.create(
            redaction=redaction,
            decision=RedactionReview.Decision.APPROVED,
            reviewer=user,
            comment=(comment or "").strip(),
        )
        alert = redaction.alert
        _record(
            alert=alert,
            action=WorkflowEvent.Action.REDACTION_APPROVED,
            actor=user,
            frm=state_label(alert),
            to=state_label(alert),
            comment=review.comment,
        )
        page_cache.changed()
        front_cache.alert_changed(alert)
    return review


def reject_redaction(*, redaction, user, comment):
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Say why the versions should stay public.")
    with transaction.atomic():
        redaction = _review_redaction(redaction, user)
        review = RedactionReview.objects.create(
            redaction=redaction,
            decision=RedactionReview.Decision.REJECTED,
            reviewer=user,
            comment=comment,
        )
        _record(
            alert=redaction.alert,
            action=WorkflowEvent.Action.REDACTION_REJECTED,
            actor=user,
            frm=state_label(redaction.alert),
            to=state_label(redaction.alert),
            comment=comment,
        )
    return review
