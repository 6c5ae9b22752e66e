"""Writing the working copy outside the admin (commands, demo, tests).

Every write to a versioned model must land in a django-reversion revision with
an acting user and a comment, exactly as an admin save does.
"""

from contextlib import contextmanager

import reversion


@contextmanager
def revision(*, user, comment):
    """One revision, attributed to ``user``; nested calls join the outer revision."""
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        yield
