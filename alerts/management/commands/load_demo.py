from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from alerts.demo import EDITOR_USERNAME, ensure_demo_users, load_demo_content
from alerts.roles import ensure_roles


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
        for line in lines:
            self.stdout.write(line)

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
        if existing:
            lines.append(
                f"Demo users already exist: {', '.join(existing)} (passwords unchanged; reset "
                f"one with: python manage.py changepassword {existing[0]})."
            )
        return lines
