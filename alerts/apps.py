from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_delete, post_migrate, post_save


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        from stages.models import Country, Stage

        from .live_spans import rebuild_country_on_save, rebuild_on_save
        from .models import Publication, PublishedDetermination, Withdrawal
        from .public_cache import check_front_door, note_change_on_commit
        from .roles import ensure_roles_after_migrate

        # Runs after the auth app has created the permissions (alerts is installed later).
        post_migrate.connect(ensure_roles_after_migrate, sender=self)
        checks.register(check_front_door)
        # Any way a publication or withdrawal is written (workflow, loaddata, admin)
        # moves the public page cache to a new generation.
        for model in (Publication, Withdrawal):
            post_save.connect(note_change_on_commit, sender=model, dispatch_uid=f"pages-{model}")
            # ... and rebuilds the spans that say which publication is current.
            post_save.connect(rebuild_on_save, sender=model, dispatch_uid=f"spans-{model}")
        # Public pages show countries' and stages' names and addresses from their own
        # tables (the alerts' text is fixed at publication): an edit shows at once.
        for model in (Country, Stage):
            for signal in (post_save, post_delete):
                signal.connect(note_change_on_commit, sender=model, dispatch_uid=f"pages-{model}")
        post_save.connect(
            rebuild_country_on_save,
            sender=PublishedDetermination,
            dispatch_uid="country-spans-determination",
        )
