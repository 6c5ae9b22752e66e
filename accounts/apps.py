from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 -- registers the deploy check


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose default site (``admin.site``, on which every app registers
    its models) also asks for the second factor. Replacing the default site this way,
    as Django documents, keeps every ``@admin.register`` in the project as it is."""

    default = False  # named in INSTALLED_APPS in Django's admin's place
    default_site = "accounts.sites.StaffAdminSite"
