"""Staff accounts in the admin: a superuser alone resets a second factor, with a reason
on record; people named in the workflow's records are deactivated, never deleted."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AccountEvent
from alerts import workflow
from alerts.models import ImmutableError, WorkflowEvent
from tests.accounts.helpers import csrf_token_on, enrolled
from tests.builders import login_verified, make_alert, make_editor, make_reviewer, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def superuser(db):
    return make_user("chief", superuser=True)


@pytest.fixture
def account_manager(db):
    """Staff who may change users in the admin, but is not a superuser."""
    user = make_user("manager", groups=(), superuser=False)
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auth", codename__in=["view_user", "change_user"]
        )
    )
    return User.objects.get(pk=user.pk)  # fresh permission cache


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    login_verified(client, user)
    return client


def reset_url(user):
    return reverse("admin:auth_user_reset_second_factor", args=[user.pk])


# --- Resetting a second factor ----------------------------------------------------------


def test_a_superuser_resets_a_second_factor_and_it_is_recorded(superuser, editor):
    enrolled(editor)

    services.reset_second_factor(actor=superuser, user=editor, reason="Lost phone, asked by phone")

    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()
    event = AccountEvent.objects.get()
    assert (event.actor_id, event.actor_name) == (superuser.pk, "chief")
    assert (event.subject_user_id, event.subject_username) == (editor.pk, "editor")
    assert event.action == AccountEvent.Action.SECOND_FACTOR_RESET
    assert event.reason == "Lost phone, asked by phone"


def test_the_reset_record_is_write_once(superuser, editor):
    services.reset_second_factor(actor=superuser, user=editor, reason="Lost phone")
    event = AccountEvent.objects.get()

    event.reason = "Nothing happened"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()
    with pytest.raises(ImmutableError):
        AccountEvent.objects.all().delete()
    with pytest.raises(ImmutableError):
        AccountEvent.objects.update(reason="Nothing happened")


@pytest.mark.parametrize("who", ["account_manager", "editor_with_device"])
def test_no_one_but_a_superuser_may_reset_a_second_factor(who, account_manager, reviewer):
    actor = account_manager if who == "account_manager" else reviewer
    victim = make_editor("victim")
    enrolled(victim)

    with pytest.raises(PermissionDenied):
        services.reset_second_factor(actor=actor, user=victim, reason="Because")

    assert TOTPDevice.objects.filter(user=victim).exists()
    assert StaticDevice.objects.filter(user=victim).exists()
    assert not AccountEvent.objects.exists()


def test_an_inactive_superuser_may_not_reset_either(superuser, editor):
    superuser.is_active = False
    enrolled(editor)

    with pytest.raises(PermissionDenied):
        services.reset_second_factor(actor=superuser, user=editor, reason="Lost phone")
    assert TOTPDevice.objects.filter(user=editor).exists()


def test_a_reset_needs_a_reason(superuser, editor):
    enrolled(editor)

    with pytest.raises(ValidationError):
        services.reset_second_factor(actor=superuser, user=editor, reason="   ")
    assert TOTPDevice.objects.filter(user=editor).exists()
    assert not AccountEvent.objects.exists()


def test_a_session_verified_with_a_reset_device_must_enrol_again(client, superuser, editor):
    login_verified(client, editor)
    assert client.get("/admin/").status_code == 200

    services.reset_second_factor(actor=superuser, user=editor, reason="Phone stolen")

    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:enrol"))


def test_a_superuser_resets_a_second_factor_in_the_admin(superuser, editor):
    enrolled(editor)
    client = csrf_client(superuser)
    change_page = client.get(reverse("admin:auth_user_change", args=[editor.pk]))
    assert reset_url(editor).encode() in change_page.content
    form = client.get(reset_url(editor))
    assert form.status_code == 200

    response = client.post(
        reset_url(editor),
        {
            "reason": "Lost phone; confirmed by video call",
            "csrfmiddlewaretoken": csrf_token_on(form),
        },
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert AccountEvent.objects.get().reason == "Lost phone; confirmed by video call"


def test_the_admin_reset_refuses_a_post_without_the_csrf_token(superuser, editor):
    enrolled(editor)
    client = csrf_client(superuser)

    response = client.post(reset_url(editor), {"reason": "Lost phone"})

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=editor).exists()


def test_the_admin_reset_is_refused_to_non_superusers(account_manager, editor):
    enrolled(editor)
    client = csrf_client(account_manager)
    change_page = client.get(reverse("admin:auth_user_change", args=[editor.pk]))
    assert change_page.status_code == 200
    assert reset_url(editor).encode() not in change_page.content
    assert client.get(reset_url(editor)).status_code == 403

    # A valid token (from a page they may see) does not help.
    response = client.post(
        reset_url(editor),
        {"reason": "Because", "csrfmiddlewaretoken": csrf_token_on(change_page)},
    )

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=editor).exists()
    assert not AccountEvent.objects.exists()


def test_the_device_admins_are_not_on_the_site(superuser):
    client = csrf_client(superuser)

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


# --- Deactivation, not deletion, for people in the workflow's records ------------------


def submitter(db):
    editor = make_editor("submitter")
    workflow.submit(alert=make_alert(author=editor), user=editor)
    return editor


def changes_requester(db):
    # Only in a WorkflowEvent, which keeps the actor's id as a plain number: no foreign
    # key would stop the deletion.
    editor = make_editor("writer")
    submission = workflow.submit(alert=make_alert(author=editor), user=editor)
    reviewer = make_reviewer("sender-back")
    workflow.request_changes(submission=submission, user=reviewer, comment="Cite the report.")
    assert WorkflowEvent.objects.filter(actor_ref=reviewer.pk).exists()
    return reviewer


@pytest.fixture(params=[submitter, changes_requester], ids=["submitter", "changes_requester"])
def actor_in_workflow(request, db):
    return request.param(db)


def test_someone_who_acted_in_the_workflow_cannot_be_deleted_in_the_admin(
    superuser, actor_in_workflow
):
    client = csrf_client(superuser)
    change_page = client.get(reverse("admin:auth_user_change", args=[actor_in_workflow.pk]))
    delete_url = reverse("admin:auth_user_delete", args=[actor_in_workflow.pk])
    assert delete_url.encode() not in change_page.content

    assert client.get(delete_url).status_code == 403
    response = client.post(
        delete_url, {"post": "yes", "csrfmiddlewaretoken": csrf_token_on(change_page)}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=actor_in_workflow.pk).exists()


def test_the_bulk_delete_action_refuses_them_too(superuser, actor_in_workflow):
    bystander = make_editor("bystander")
    client = csrf_client(superuser)
    changelist = client.get(reverse("admin:auth_user_changelist"))

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [actor_in_workflow.pk, bystander.pk],
            "post": "yes",
            "csrfmiddlewaretoken": csrf_token_on(changelist),
        },
    )

    assert b"deactivate the account instead" in response.content
    assert User.objects.filter(pk__in=[actor_in_workflow.pk, bystander.pk]).count() == 2


def test_the_delete_queryset_guard_holds_whatever_calls_it(superuser, actor_in_workflow):
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user = superuser

    with pytest.raises(PermissionDenied):
        admin.site.get_model_admin(User).delete_queryset(
            request, User.objects.filter(pk=actor_in_workflow.pk)
        )
    assert User.objects.filter(pk=actor_in_workflow.pk).exists()


def test_someone_who_acted_in_the_workflow_can_be_deactivated_in_the_admin(
    superuser, actor_in_workflow
):
    client = csrf_client(superuser)
    changelist = client.get(reverse("admin:auth_user_changelist"))

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {
            "action": "deactivate_selected",
            "_selected_action": [actor_in_workflow.pk],
            "csrfmiddlewaretoken": csrf_token_on(changelist),
        },
    )

    assert response.status_code == 302
    actor_in_workflow.refresh_from_db()
    assert not actor_in_workflow.is_active
    event = AccountEvent.objects.get()
    assert event.action == AccountEvent.Action.DEACTIVATED
    assert (event.actor_id, event.subject_user_id) == (superuser.pk, actor_in_workflow.pk)


def test_someone_who_never_acted_can_still_be_deleted(superuser):
    newcomer = make_editor("newcomer")
    enrolled(newcomer)
    client = csrf_client(superuser)
    delete_url = reverse("admin:auth_user_delete", args=[newcomer.pk])
    confirm = client.get(delete_url)
    assert confirm.status_code == 200

    response = client.post(
        delete_url, {"post": "yes", "csrfmiddlewaretoken": csrf_token_on(confirm)}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()


def test_deactivation_is_checked_in_the_service(account_manager, reviewer, editor):
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=reviewer, user=editor)  # no auth.change_user
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=account_manager, user=account_manager)
    editor.refresh_from_db()
    assert editor.is_active

    assert services.deactivate_user(actor=account_manager, user=editor) is True
    assert services.deactivate_user(actor=account_manager, user=editor) is False  # already
    editor.refresh_from_db()
    assert not editor.is_active
    assert AccountEvent.objects.count() == 1


def test_a_deactivated_user_is_signed_out(client, superuser, editor):
    login_verified(client, editor)

    services.deactivate_user(actor=superuser, user=editor)

    assert client.get("/admin/").status_code == 302


def test_an_accounts_standing_changes_only_on_record(superuser, actor_in_workflow):
    client = csrf_client(superuser)
    change_url = reverse("admin:auth_user_change", args=[actor_in_workflow.pk])
    form = client.get(change_url)
    assert "is_active" not in form.context["adminform"].form.fields

    # A forged form that leaves the box unticked changes nothing.
    client.post(
        change_url,
        {
            "username": actor_in_workflow.username,
            "email": actor_in_workflow.email,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "csrfmiddlewaretoken": csrf_token_on(form),
        },
    )
    actor_in_workflow.refresh_from_db()
    assert actor_in_workflow.is_active

    services.deactivate_user(actor=superuser, user=actor_in_workflow)
    changelist = client.get(reverse("admin:auth_user_changelist"))
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {
            "action": "reactivate_selected",
            "_selected_action": [actor_in_workflow.pk],
            "csrfmiddlewaretoken": csrf_token_on(changelist),
        },
    )

    assert response.status_code == 302
    actor_in_workflow.refresh_from_db()
    assert actor_in_workflow.is_active
    assert list(AccountEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        AccountEvent.Action.DEACTIVATED,
        AccountEvent.Action.REACTIVATED,
    ]
