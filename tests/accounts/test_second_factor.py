"""Staff sign in with a password and a second factor: an authenticator app's code or a
single-use backup code. Without the second factor, neither the admin nor the staff
pages open."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import (
    code_for,
    enrolled,
    give_code,
    give_password,
    secret_on,
    wrong_code_for,
)
from tests.builders import login_verified, make_alert

pytestmark = pytest.mark.django_db


def enrol_url(next_url="/admin/"):
    return f"{reverse('accounts:enrol')}?{urlencode({'next': next_url})}"


def verify_url(next_url="/admin/"):
    return f"{reverse('accounts:verify')}?{urlencode({'next': next_url})}"


def test_the_tests_run_with_the_second_factor_required(settings):
    assert settings.OTP_REQUIRED is True


# --- Without the second factor, nothing opens -------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/alerts/alert/", "/admin/alerts/alert/add/", "/admin/password_change/"],
)
def test_password_only_staff_are_sent_from_the_admin_to_enrol(client, editor, path):
    client.force_login(editor)  # the password step, and no more

    response = client.get(path, follow=True)

    assert response.redirect_chain[-1][0] == enrol_url(path)
    assert response.status_code == 200
    assert b"id_code" in response.content


def test_password_only_staff_with_a_device_are_asked_for_a_code(client, editor):
    enrolled(editor)
    client.force_login(editor)

    response = client.get("/admin/alerts/alert/", follow=True)

    assert response.redirect_chain[-1][0] == verify_url("/admin/alerts/alert/")


def test_password_only_staff_are_sent_from_the_staff_pages_to_the_second_factor(client, editor):
    alert = make_alert(author=editor)
    preview = reverse("staff:alert_preview", args=[alert.pk])
    client.force_login(editor)

    response = client.get(preview)

    assert response.status_code == 302
    assert response.url == enrol_url(preview)


def test_verified_staff_reach_the_admin_and_the_staff_pages(client, editor):
    alert = make_alert(author=editor)
    login_verified(client, editor)

    assert client.get("/admin/alerts/alert/").status_code == 200
    assert client.get(reverse("staff:alert_preview", args=[alert.pk])).status_code == 200


def test_with_the_setting_off_the_password_is_enough(client, editor, settings):
    settings.OTP_REQUIRED = False
    client.force_login(editor)

    assert client.get("/admin/alerts/alert/").status_code == 200


def test_the_password_leads_on_to_enrolment_keeping_where_the_user_was_going(client, editor):
    response = give_password(client, editor.username, next_url="/admin/alerts/alert/")

    assert response.status_code == 302
    assert response.url == enrol_url("/admin/alerts/alert/")
    assert client.get("/admin/alerts/alert/").status_code == 302


def test_a_wrong_password_does_not_reach_the_second_step(client, editor):
    response = client.post(
        reverse("admin:login"), {"username": editor.username, "password": "wrong", "next": "/"}
    )

    assert response.status_code == 200
    assert client.get(reverse("accounts:verify")).status_code == 302  # to the login page


def test_the_second_step_is_only_for_staff(client, db):
    from tests.builders import make_user

    client.force_login(make_user("reader"))  # not staff

    assert client.get(reverse("accounts:enrol")).status_code == 403


# --- Enrolment --------------------------------------------------------------------------


def test_enrolment_creates_a_confirmed_device_and_shows_backup_codes_once(client, editor):
    give_password(client, editor.username)
    page = client.get(enrol_url())
    key = secret_on(page.content.decode())
    device = TOTPDevice.objects.get(user=editor)
    assert device.bin_key == key
    assert not device.confirmed
    assert b"otpauth://totp/" in page.content
    assert b"<svg" in page.content  # the QR code

    response = client.post(reverse("accounts:enrol"), {"code": code_for(device), "next": "/admin/"})

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    backup = StaticDevice.objects.get(user=editor, confirmed=True)
    codes = set(backup.token_set.values_list("token", flat=True))
    assert len(codes) == 10
    shown = response.content.decode()
    assert all(code in shown for code in codes)
    assert "no-store" in response["Cache-Control"]
    # Signed in with both factors now; the codes are not shown again.
    assert client.get("/admin/").status_code == 200
    again = client.get(reverse("accounts:enrol"), follow=True)
    assert not any(code in again.content.decode() for code in codes)


def test_enrolment_refuses_a_wrong_code(client, editor):
    give_password(client, editor.username)
    client.get(enrol_url())
    device = TOTPDevice.objects.get(user=editor)

    response = client.post(reverse("accounts:enrol"), {"code": wrong_code_for(device)})

    assert response.status_code == 200
    assert b"That code is not right" in response.content
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=editor).exists()
    assert client.get("/admin/").status_code == 302


def test_the_secret_stays_the_same_until_enrolment_is_confirmed(client, editor):
    give_password(client, editor.username)

    first = secret_on(client.get(enrol_url()).content.decode())
    second = secret_on(client.get(enrol_url()).content.decode())

    assert first == second
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def test_someone_enrolled_cannot_enrol_another_device(client, editor):
    enrolled(editor)
    give_password(client, editor.username)

    response = client.get(reverse("accounts:enrol"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))
    assert TOTPDevice.objects.filter(user=editor).count() == 1


# --- Signing in with a code ---------------------------------------------------------------


def test_the_app_code_completes_the_sign_in(client, editor):
    device = enrolled(editor)
    give_password(client, editor.username)

    response = give_code(client, code_for(device), next_url="/admin/alerts/alert/")

    assert response.status_code == 302
    assert response.url == "/admin/alerts/alert/"
    assert client.get("/admin/alerts/alert/").status_code == 200


def test_a_wrong_code_is_refused(client, editor):
    device = enrolled(editor)
    give_password(client, editor.username)

    response = give_code(client, wrong_code_for(device))

    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert client.get("/admin/").status_code == 302


def test_an_app_code_is_accepted_only_once(client, editor):
    device = enrolled(editor)
    code = code_for(device)
    give_password(client, editor.username)
    assert give_code(client, code).status_code == 302
    client.post(reverse("accounts:sign_out"))
    # Sign-in again a moment later: the failure times are the user's own, let them pass.
    give_password(client, editor.username)

    response = give_code(client, code)

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_backup_code_works_once_and_not_twice(client, editor):
    enrolled(editor, backup_codes=["alpha2345", "bravo2345"])
    give_password(client, editor.username)

    # Typed as read from paper: capitals and a space are forgiven.
    assert give_code(client, "ALPHA 2345").status_code == 302
    assert client.get("/admin/").status_code == 200
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["bravo2345"]

    client.post(reverse("accounts:sign_out"))
    give_password(client, editor.username)
    response = give_code(client, "alpha2345")

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_repeated_wrong_codes_lock_out_even_the_right_code_for_a_while(client, editor):
    device = enrolled(editor)
    give_password(client, editor.username)
    wrong = wrong_code_for(device)
    for _ in range(5):
        assert b"That code is not right" in give_code(client, wrong).content
        # Let the growing delay after each guess pass, so that every guess is tried.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
        )
        StaticDevice.objects.filter(user=editor).update(
            throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
        )
    give_code(client, wrong)  # the sixth: now 32 seconds of nothing
    device.refresh_from_db()
    assert device.throttling_failure_count == 6

    refused = give_code(client, code_for(device))
    refused_backup = give_code(client, "alpha2345")

    for response in (refused, refused_backup):
        assert response.status_code == 200
        assert b"Too many wrong codes" in response.content
    assert client.get("/admin/").status_code == 302
    assert StaticToken.objects.filter(token="alpha2345").exists()  # not used up
    device.refresh_from_db()
    assert device.throttling_failure_count == 6  # refused unread, not counted again

    # Once the delay has passed, the right code works and the count starts afresh.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=33)
    )
    StaticDevice.objects.filter(user=editor).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=33)
    )
    assert give_code(client, code_for(device)).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not TOTPDevice.objects.filter(throttling_failure_count__gt=0).exists()
    assert not StaticDevice.objects.filter(throttling_failure_count__gt=0).exists()


def test_a_second_guess_straight_after_a_wrong_one_is_not_even_tried(client, editor):
    device = enrolled(editor)
    give_password(client, editor.username)
    give_code(client, wrong_code_for(device))

    response = give_code(client, code_for(device))

    assert b"Too many wrong codes" in response.content
    assert client.get("/admin/").status_code == 302


def test_enrolment_codes_are_throttled_too(client, editor):
    give_password(client, editor.username)
    client.get(enrol_url())
    device = TOTPDevice.objects.get(user=editor)
    client.post(reverse("accounts:enrol"), {"code": wrong_code_for(device)})

    response = client.post(reverse("accounts:enrol"), {"code": code_for(device)})

    assert b"Too many wrong codes" in response.content
    device.refresh_from_db()
    assert not device.confirmed


def test_signing_out_from_the_second_step_ends_the_session(client, editor):
    give_password(client, editor.username)

    response = client.post(reverse("accounts:sign_out"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_next_cannot_send_the_user_to_another_site(client, editor):
    device = enrolled(editor)
    give_password(client, editor.username)

    response = give_code(client, code_for(device), next_url="https://evil.example/")

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_check_deploy_warns_when_the_second_factor_is_off():
    from tests.config.test_security import production_env, run_manage

    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **production_env(), OTP_REQUIRED="false"
    )

    assert result.returncode != 0
    assert "accounts.W001" in result.stdout + result.stderr
