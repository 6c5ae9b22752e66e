"""The django-reversion versions of an alert, queried so that an index serves them.

reversion's only index on (object_id) is its unique constraint on
(db, content_type, object_id, revision): a lookup without ``db`` cannot use it and
scans every version of every alert (seconds at 100,000 alerts). Every query for
an alert's versions goes through here.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import router
from reversion.models import Version

from .models import Alert


def alert_versions(object_id):
    """Versions of the alert ``object_id`` (a value, or an expression such as an OuterRef)."""
    return Version.objects.filter(
        db=router.db_for_write(Alert),
        content_type=ContentType.objects.get_for_model(Alert),
        object_id=object_id,
    )
