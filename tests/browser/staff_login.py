"""Signing in to the admin in a real browser: the password, then the code from the
staff member's authenticator app (computed here from the device's key)."""

import time

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

PASSWORD = "pw-for-tests-only-1"  # the default of tests.builders.make_user


def app_code(device):
    """The code the device's app shows now, or the next one if this one was already
    used (a code is accepted once; the next step's code is within tolerance)."""
    device.refresh_from_db()
    now = int(time.time() - device.t0) // device.step + device.drift
    if device.last_t + 1 > now + device.tolerance:
        # Both usable steps are spent: wait for the next one rather than fail.
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.1)
        now += 1
    step = max(now, device.last_t + 1)
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def enrolled_device(user):
    """The user's authenticator-app device, set up (as if enrolled earlier) if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def submit_password(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/admin/")
    # Anonymous visitors are sent to the login page.
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


def submit_code(page: Page, code: str) -> None:
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("#second-factor-form input[type=submit]")


def log_in(page: Page, base_url: str, user) -> None:
    """Sign ``user`` in with both factors and land on the admin."""
    device = enrolled_device(user)
    submit_password(page, base_url, user.get_username())
    expect(page.locator("h1")).to_contain_text("Enter your code")
    submit_code(page, app_code(device))
    expect(page.locator("#user-tools")).to_contain_text(user.get_username())
