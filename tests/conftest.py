import pytest

from tests.builders import make_alert, make_editor, make_reviewer


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # A page kept by one test must not answer another's, whose rows differ.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    return make_editor("editor")


@pytest.fixture
def reviewer(db):
    return make_reviewer("reviewer")


@pytest.fixture
def alert(editor):
    return make_alert(author=editor, title="Emergency in the Caucasus")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file rather than in memory.

    With an in-memory database the live server shares the test thread's single
    connection, so requests served at the same time would share one transaction;
    a file gives each thread its own connection and real locking, as in production.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
