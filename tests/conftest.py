import pytest

from tests.builders import make_alert, make_editor, make_reviewer


@pytest.fixture
def editor(db):
    return make_editor("editor")


@pytest.fixture
def reviewer(db):
    return make_reviewer("reviewer")


@pytest.fixture
def alert(editor):
    return make_alert(author=editor, title="Emergency in the Caucasus")
