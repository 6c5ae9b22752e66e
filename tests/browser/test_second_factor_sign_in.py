"""A member of staff signs in for the first time in a real browser: password, then
enrolling an authenticator app (the key read off the page, as an app would scan it),
then later sign-ins with an app code and with a single-use backup code."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.staff_login import app_code, submit_code, submit_password
from tests.builders import make_editor

pytestmark = [
    pytest.mark.browser,
    # live_server serves from another thread, so the data must really be committed;
    # serialized_rollback: see the reference_data fixture in conftest.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.click("#logout-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Logged out")


def test_staff_enrol_then_sign_in_with_an_app_code_and_with_a_backup_code(
    live_server, reference_data, page: Page
):
    editor = make_editor("first-timer")
    base = live_server.url

    # --- First sign-in: the password leads to enrolment --------------------------------
    submit_password(page, base, editor.username)
    expect(page.locator("h1")).to_have_text("Set up your second factor")
    expect(page.locator(".second-factor-qr svg")).to_be_visible()
    key = b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
    # The admin stays shut until the code is given.
    page.goto(f"{base}/admin/alerts/alert/")
    expect(page.locator("h1")).to_have_text("Set up your second factor")

    submit_code(page, f"{hotp(key, int(time.time()) // 30):06d}")
    expect(page.locator("h1")).to_have_text("Your backup codes")
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    with page.expect_navigation():
        page.click("text=I have kept them: continue")
    expect(page.locator("#user-tools")).to_contain_text(editor.username)
    expect(page.locator("h1")).to_have_text("Select alert to change")  # asked for first
    sign_out(page)

    # --- Next sign-in: password, then the app's code -------------------------------------
    device = TOTPDevice.objects.get(user=editor, confirmed=True)
    assert device.bin_key == key
    submit_password(page, base, editor.username)
    expect(page.locator("h1")).to_have_text("Enter your code")
    submit_code(page, app_code(device))
    expect(page.locator("#user-tools")).to_contain_text(editor.username)
    sign_out(page)

    # --- And with a backup code, which then is spent -----------------------------------
    submit_password(page, base, editor.username)
    submit_code(page, codes[0])
    expect(page.locator("#user-tools")).to_contain_text(editor.username)
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    sign_out(page)

    submit_password(page, base, editor.username)
    submit_code(page, codes[0])
    expect(page.locator(".errornote")).to_contain_text("That code is not right")
    expect(page.locator("#user-tools")).to_have_count(0)
