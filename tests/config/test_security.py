import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.builders import make_editor

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment |= env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env():
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "alerts.example.org",
    }


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="alerts.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "Traceback" in result.stderr or "ImproperlyConfigured" in result.stderr


def login(client, username, password):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.7",
    )


def test_admin_login_is_locked_after_repeated_failures(client, db, settings):
    editor = make_editor("guessable")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "guessable", "wrong-guess").status_code == 200
    assert login(client, "guessable", "wrong-guess").status_code == 429

    locked = login(client, "guessable", "pw-for-tests-only-1")

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert editor.pk  # the account itself is untouched


def test_a_lockout_for_one_address_does_not_lock_the_user_out_elsewhere(client, db, settings):
    make_editor("targeted")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "targeted", "wrong-guess")

    response = client.post(
        reverse("admin:login"),
        {"username": "targeted", "password": "pw-for-tests-only-1", "next": "/admin/"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302


def test_forged_forwarded_for_header_does_not_dodge_the_lockout(client, db, settings):
    make_editor("victim")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("admin:login"),
            {"username": "victim", "password": "wrong", "next": "/admin/"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        reverse("admin:login"),
        {"username": "victim", "password": "pw-for-tests-only-1", "next": "/admin/"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert response.status_code == 429


@pytest.mark.parametrize("header", ["X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"])
def test_security_headers_on_admin_login(client, db, header):
    assert client.get(reverse("admin:login")).has_header(header)
