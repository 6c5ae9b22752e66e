"""Codes and sign-in steps for the second-factor tests."""

import re
import time
from base64 import b32decode

from django.urls import reverse
from django_otp.oath import hotp

PASSWORD = "pw-for-tests-only-1"  # the default of tests.builders.make_user


def code_for(device, *, steps_ahead=0):
    """The code ``device``'s app shows now (or ``steps_ahead`` steps later)."""
    step = int(time.time() - device.t0) // device.step + device.drift + steps_ahead
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def wrong_code_for(device):
    # Any code but the ones accepted now (the tolerance allows a step either side).
    right = {code_for(device, steps_ahead=n) for n in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


def secret_on(page_html):
    """The base32 key the enrolment page shows, as the key bytes an app would hold."""
    shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page_html).group(1)
    return b32decode(shown.replace(" ", ""))


def csrf_token_on(response):
    return re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()
    ).group(1)


def give_password(client, username, next_url="/admin/"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": next_url},
    )


def give_code(client, code, next_url="/admin/"):
    return client.post(reverse("accounts:verify"), {"code": code, "next": next_url})


def enrolled(user, *, backup_codes=("alpha2345", "bravo2345")):
    """``user`` with an authenticator app and backup codes, as if enrolled earlier."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    app = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    for code in backup_codes:
        backup.token_set.create(token=code)
    return app
