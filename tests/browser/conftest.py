"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live_server.

The Chromium is the system one (``CHROMIUM_PATH``, default ``/usr/bin/chromium``), never a
browser downloaded by Playwright. Locally a missing Chromium skips these tests; in CI
(``CI=true``) it fails them, so a broken CI machine can never pass by skipping.
"""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    # The machines have no network but loopback: stop Chromium reaching out on its own.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Generous, so a loaded CI machine is slow rather than flaky.
TIMEOUT_MS = 15_000


def _in_ci():
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        message = (
            f"Chromium not found at {executable} (install Debian's 'chromium' package "
            "or set CHROMIUM_PATH)"
        )
        if _in_ci():
            pytest.fail(f"{message}; browser tests must run in CI.", pytrace=False)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop in this thread, so Django's
    # async-safety check would refuse the ORM calls the tests make between browser steps.
    # The tests are plain synchronous code; this is the usual pytest-django + Playwright setting.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies, own storage) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def reference_data(transactional_db):
    """Bring back the rows that migrations create, for tests on a transactional database.

    live_server needs a transactional database, whose tables are flushed after each
    test. The flush re-runs post_migrate, so content types, permissions and (through
    alerts' post_migrate hook) the role groups come back, but the ten stages, created
    by a data migration, do not. So each browser test re-creates the stages with the
    migration's own function, and the groups with ``ensure_roles()`` rather than
    relying on the hook.

    ``serialized_rollback=True`` would restore them too, but its flush skips post_migrate
    and so leaves the next transactional test (ours or anyone's) without content types
    and permissions; it also makes every test run serialize the whole database first.
    """
    from alerts.roles import ensure_roles

    stages_migration = importlib.import_module("stages.migrations.0002_the_ten_stages")
    stages_migration.create_stages(apps, None)
    ensure_roles()
