"""What a logical backup (dumpdata) leaves out, because migrate recreates it.

Used by docs/deploy.md's commands and by the round-trip test, so they agree.
"""

DUMP_EXCLUDES = [
    "contenttypes",  # rebuilt by migrate; referred to by natural key everywhere else
    "auth.permission",  # likewise
    "sessions",  # logins are not worth restoring
    "admin.logentry",  # the admin's own log; the editorial record is reversion + events
    "axes",  # login-throttling counters
    # The task queue: mail and purges about the moment the backup was made. A restored
    # site starts with an empty queue (and an emptied front cache: docs/deploy.md).
    "django_tasks_database",
    # Derived from the publications, determinations and withdrawals: after loaddata,
    # `manage.py rebuild_current` makes them again (docs/deploy.md).
    "alerts.supersession",  # which publication of each alert is current
    "alerts.countryspan",  # each country's current determination
]
