import datetime

import pytest

from alerts import workflow
from alerts.models import Level
from tests.alerts.workflow_helpers import publish
from tests.builders import edit_alert, make_alert, make_reviewer


@pytest.fixture
def publication(alert, editor):
    """The conftest's alert ("Emergency in the Caucasus"), published once."""
    return publish(alert, editor=editor)


@pytest.fixture
def updated(publication, editor):
    """The same alert updated once more, with a public change note."""
    alert = publication.alert
    edit_alert(alert, user=editor, summary="A revised summary that cites the convention [1].")
    return publish(
        alert,
        editor=editor,
        change_kind="update",
        change_note="New reports of forced displacement.",
    )


def publish_alert(editor, **fields):
    """A new alert, built and published in one go."""
    return publish(make_alert(author=editor, **fields), editor=editor)


@pytest.fixture
def withdrawn(editor):
    publication = publish_alert(
        editor,
        title="An alert later withdrawn",
        slug="withdrawn-alert",
        level=Level.WATCH,
        issued_on=datetime.date(2019, 5, 1),
    )
    workflow.withdraw(
        alert=publication.alert, user=make_reviewer(), reason="Its main source was discredited."
    )
    return publication
