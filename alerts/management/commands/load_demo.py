from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from alerts.demo import EDITOR_USERNAME, REVIEWER_USERNAMES, ensure_demo_users, load_demo_content
from alerts.roles import ensure_roles
from alerts.workflow import approve, open_submission, submit


class Command(BaseCommand):
    help = (
        "Load the demo alert (Artsakh, November 2020) and, in demo mode, the demo editor and "
        "reviewers. Idempotent: running it again duplicates nothing."
    )

    def handle(self, *args, **options):
        lines = []
        # One transaction: a failure anywhere leaves no half-loaded demo behind. Output is
        # written after the commit, so a password is never shown for a user that was rolled back.
        with transaction.atomic():
            ensure_roles()
            editor = None
            if settings.DEMO_MODE:
                users = ensure_demo_users()
                editor = next(u for u, _, _ in users if u.username == EDITOR_USERNAME)
                lines += self._user_lines(users)
            else:
                lines.append("DEMO_MODE is off: no demo users created; the alert has no author.")
            alert, created = load_demo_content(editor)
            published = None
            if settings.DEMO_MODE and not alert.publications.exists():
                published = self._publish(alert, users)

        if created:
            lines.append(
                f'Loaded demo alert "{alert.title}" ({alert.slug}): '
                f"{alert.countries.count()} countries, {alert.ratings.count()} determinations, "
                f"{alert.evidence.count()} pieces of stage evidence, "
                f"{alert.recommendations.count()} recommendations, "
                f"{alert.citations.count()} citations."
            )
        else:
            lines.append(f'Demo alert "{alert.slug}" already exists; left untouched.')
        if published is not None:
            lines.append(
                f"Published it as publication {published.number} through the review workflow "
                f"(submitted by {EDITOR_USERNAME}, approved by {', '.join(published.approvers)})."
            )
        for line in lines:
            self.stdout.write(line)

    def _publish(self, alert, users):
        """The demo goes through the same functions as real work: an Emergency needs two."""
        by_name = {user.username: user for user, _, _ in users}
        submission = open_submission(alert) or submit(alert=alert, user=by_name[EDITOR_USERNAME])
        publication = None
        for name in REVIEWER_USERNAMES[: submission.approvals_required]:
            if not submission.approvals.filter(reviewer=by_name[name]).exists():
                publication = approve(submission=submission, user=by_name[name])
        return publication

    def _user_lines(self, users):
        lines = []
        existing = []
        for user, group, password in users:
            if password is None:
                existing.append(user.username)
                if not (user.is_staff and user.groups.filter(name=group).exists()):
                    lines.append(
                        f"Warning: user {user.username} exists but is not staff in group {group}."
                    )
            else:
                lines.append(f"Created user {user.username} ({group}), password: {password}")
        if len(existing) < len(users):
            lines.append("These passwords are shown only this once; note them now.")
            if settings.OTP_REQUIRED:
                lines.append(
                    "At its first sign-in each user sets up an authenticator app (the page "
                    "shows a QR code and the key) and is given backup codes."
                )
        if existing:
            lines.append(
                f"Demo users already exist: {', '.join(existing)} (passwords unchanged; reset "
                f"one with: python manage.py changepassword {existing[0]})."
            )
        return lines
