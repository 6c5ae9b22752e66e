from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .roles import ensure_roles_after_migrate

        # Runs after the auth app has created the permissions (alerts is installed later).
        post_migrate.connect(ensure_roles_after_migrate, sender=self)
