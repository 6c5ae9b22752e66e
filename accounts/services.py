"""Every change to a member of staff's second factor or account standing. Plain,
keyword-only functions that check who may act themselves, so the admin, the sign-in
pages, commands and tests all go through the same rules."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import device_classes, devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alerts.models import (
    Approval,
    Redaction,
    RedactionReview,
    Submission,
    Withdrawal,
    WithdrawalReview,
    WorkflowEvent,
)

from .models import AccountEvent

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


@dataclass(frozen=True)
class CodeCheck:
    """What came of a code: the device that accepted it, or why none did."""

    device: object = None
    locked_until: object = None  # set while wrong guesses keep every code out
    backup_codes: tuple = ()  # only right after enrolment, to be shown that once

    @property
    def ok(self):
        return self.device is not None


def _locked_until(devices):
    """The time until which ``devices`` refuse any code, or None if they take one now.

    The throttle is the user's, not one device's: a guess is tried on every device,
    so while any of them is locked out after wrong guesses, none takes a code."""
    until = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until.append((info or {}).get("locked_until") or timezone.now())
    return max(until, default=None)


def _normalised(code):
    # Codes are read from a phone or a sheet of paper: spaces and capitals are noise.
    return "".join(str(code).split()).lower()


def pending_app_device(*, user):
    """The authenticator-app device ``user`` is enrolling: unconfirmed until a code from
    it comes back. Kept across page loads, so the secret shown does not change."""
    if user_has_device(user):
        raise PermissionDenied("This account already has a second factor.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def confirm_enrolment(*, user, code):
    """Confirm ``user``'s pending app device with a code from it, and give them
    BACKUP_CODE_COUNT single-use backup codes (returned once, in the CodeCheck)."""
    User = get_user_model()
    with transaction.atomic():
        # Two enrolments at once must not both end with a device.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if user_has_device(user):
            raise PermissionDenied("This account already has a second factor.")
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise PermissionDenied("There is no enrolment under way for this account.")
        locked_until = _locked_until([device])
        if locked_until:
            return CodeCheck(locked_until=locked_until)
        # A wrong code counts against the device (throttling): the transaction must
        # commit it, so no exception is raised in here.
        if not device.verify_token(_normalised(code)):
            return CodeCheck()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = tuple(StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT))
        StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in codes)
    return CodeCheck(device=device, backup_codes=codes)


def verify_code(*, user, code):
    """Check a code from ``user``'s app or one of their backup codes (used up if right).

    Every wrong guess counts against each device, with django-otp's growing delays;
    while any device is locked out, no code is even tried."""
    code = _normalised(code)
    with transaction.atomic():
        devices = list(devices_for_user(user, for_verify=True))
        locked_until = _locked_until(devices)
        if locked_until:
            return CodeCheck(locked_until=locked_until)
        for device in devices:
            if device.verify_token(code):
                # The guesses before this one were the user's own slips: start afresh.
                for other in devices:
                    if other is not device and other.throttling_failure_count:
                        other.throttle_reset()
                return CodeCheck(device=device)
    return CodeCheck()


def reset_second_factor(*, actor, user, reason):
    """Remove every second-factor device of ``user``, so that they enrol again at their
    next sign-in (and any session verified with the old device stops being so).

    Superusers only, with a reason; recorded in AccountEvent."""
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Only a superuser may reset someone's second factor.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the second factor is being reset.")
    with transaction.atomic():
        for model in device_classes():
            model.objects.filter(user=user).delete()
        _record(
            actor=actor, user=user, action=AccountEvent.Action.SECOND_FACTOR_RESET, reason=reason
        )


def deactivate_user(*, actor, user, reason=""):
    """Stop ``user`` signing in, keeping the account (and the name on everything they
    did). Returns False, and records nothing, when they were inactive already."""
    if actor.pk == user.pk:
        raise PermissionDenied("You cannot deactivate your own account.")
    return _set_active(actor=actor, user=user, active=False, reason=reason)


def reactivate_user(*, actor, user, reason=""):
    """Let a deactivated ``user`` sign in again. Returns False, and records nothing,
    when they were active already."""
    return _set_active(actor=actor, user=user, active=True, reason=reason)


def _set_active(*, actor, user, active, reason):
    # The only way an account's standing changes (the admin's form shows it read-only),
    # so every change of it is on record.
    if not (actor.is_active and actor.has_perm("auth.change_user")):
        raise PermissionDenied("You may not deactivate or reactivate accounts.")
    User = get_user_model()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == active:
            return False
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        user.is_active = active
        action = AccountEvent.Action.REACTIVATED if active else AccountEvent.Action.DEACTIVATED
        _record(actor=actor, user=user, action=action, reason=reason)
    return True


def _record(*, actor, user, action, reason):
    AccountEvent.objects.create(
        actor_id=actor.pk,
        actor_name=actor.get_username(),
        subject_user_id=user.pk,
        subject_username=user.get_username(),
        action=action,
        reason=reason,
    )


def workflow_actor_ids(user_ids):
    """Which of ``user_ids`` appear in the workflow's records, whose history must keep
    naming them: such accounts are deactivated, never deleted."""
    user_ids = list(user_ids)
    # Workflow events keep the actor's id as a plain number (actor_ref), not a key.
    lookups = [
        (Submission, "submitted_by_id"),
        (Approval, "reviewer_id"),
        (WorkflowEvent, "actor_ref"),
        (Withdrawal, "withdrawn_by_id"),
        (Redaction, "proposed_by_id"),
        (WithdrawalReview, "reviewer_id"),
        (RedactionReview, "reviewer_id"),
    ]
    found = set()
    for model, column in lookups:
        found.update(
            model.objects.filter(**{f"{column}__in": user_ids})
            .values_list(column, flat=True)
            .distinct()
        )
    return found


def acted_in_workflow(user):
    return bool(workflow_actor_ids([user.pk]))
