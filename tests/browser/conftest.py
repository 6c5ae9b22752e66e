"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live_server.

The Chromium is the system one (``CHROMIUM_PATH``, default ``/usr/bin/chromium``), never a
browser downloaded by Playwright. Locally a missing Chromium skips these tests; in CI
(``CI=true``) it fails them, so a broken CI machine can never pass by skipping.

Browser tests need a transactional database (the live server answers from another thread)
and must be marked ``django_db(transaction=True, serialized_rollback=True)``; see
``reference_data`` for why.
"""

import os
from pathlib import Path

import pytest

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
def chromium_executable():
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        message = (
            f"Chromium not found at {executable} (install Debian's 'chromium' package "
            "or set CHROMIUM_PATH)"
        )
        if _in_ci():
            pytest.fail(f"{message}; browser tests must run in CI.", pytrace=False)
        pytest.skip(message)
    return executable


@pytest.fixture
def browser(chromium_executable, transactional_db):
    """Playwright and a headless Chromium, for one test.

    Playwright's sync API keeps an asyncio event loop "running" in this thread for as
    long as Playwright is started. Two things follow, and they are why this fixture is
    per test and starts only after the test database is set up:

    - Django's async-safety check refuses ORM calls while a loop runs, so
      DJANGO_ALLOW_ASYNC_UNSAFE is set, only for that time (the usual pytest-django +
      Playwright setting; the test code itself is plain synchronous code). Left set, it
      would leak into the rest of the suite, e.g. into `manage.py check --deploy`.
    - While a loop runs, Django hands out different connection objects (asgiref's Local
      switches to context-local storage). The test case's database set-up and its flush
      afterwards must use the ordinary ones, or serialized_rollback finds nothing to
      restore. Depending on ``transactional_db`` puts the set-up before Playwright starts
      and the flush after it stops.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        # The connections the test body opened while the loop ran; nothing else closes them.
        connections.close_all()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies, own storage) with generous timeouts."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def reference_data(transactional_db):
    """The rows migrations create, for a test on a transactional database.

    With ``serialized_rollback=True`` the database is restored before each test to its
    state right after migrating (the ten stages from their data migration, content
    types, permissions, the role groups) and emptied after it. Every transactional test
    in the suite must do the same: without it, the flush after a test re-runs
    post_migrate, which re-creates the groups under new ids (the next serialized restore
    then collides on their names) but not the stages; and a test that follows a
    serialized one finds no permissions at all. The roles are still ensured here so that
    a browser test never depends on the post_migrate hook.
    """
    from alerts.roles import ensure_roles

    ensure_roles()
