"""The editorial admin: editing alerts (alerts.py, with the inlines and workflow forms
of forms.py), the review queue and the workflow's records (review.py), and countries
(countries.py), sources (sources.py), submissions gone stale (stale.py), withdrawals and their second review
(withdrawals.py), withholding past versions (redactions.py), and the
background tasks (tasks.py). Importing them registers their ModelAdmins."""

from . import alerts, countries, redactions, review, sources, tasks, withdrawals  # noqa: F401
