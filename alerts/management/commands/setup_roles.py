from django.core.management.base import BaseCommand

from alerts.roles import ROLE_PERMISSIONS, ensure_roles


class Command(BaseCommand):
    help = "Create or update the Editors and Reviewers groups (idempotent; migrate also runs it)."

    def handle(self, *args, **options):
        ensure_roles()
        for name, perms in ROLE_PERMISSIONS.items():
            self.stdout.write(f"{name}: {len(perms)} permissions")
