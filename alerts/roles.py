"""The staff roles. Kept in code so every environment has the same groups."""

from django.contrib.auth.models import Group, Permission

EDITORS = "Editors"
REVIEWERS = "Reviewers"

_CONTENT_MODELS = {
    "alerts": ["alert", "recommendation", "stagerating", "stageevidence", "citation"],
    "stages": ["country"],
    "sources": ["source"],
}
_CHILD_MODELS = {
    "alerts": ["recommendation", "stagerating", "stageevidence", "citation"],
}

# Both roles can read the workflow records; only the workflow functions write them.
_WORKFLOW_VIEWS = [
    f"alerts.view_{model}"
    for model in (
        "submission",
        "approval",
        "publication",
        "withdrawal",
        "redaction",
        "workflowevent",
    )
] + [
    # The background tasks (review mail among them), to see one that is failing.
    "django_tasks_database.view_dbtaskresult"
]

ROLE_PERMISSIONS = {
    EDITORS: (
        # Editors write alerts and everything in them; removing an inline row needs delete_*.
        [
            f"{app}.{action}_{model}"
            for app, models in _CONTENT_MODELS.items()
            for model in models
            for action in ("add", "change", "view")
        ]
        + [f"{app}.delete_{model}" for app, models in _CHILD_MODELS.items() for model in models]
        + ["stages.view_stage", "alerts.preview_alert", "alerts.submit_alert"]
        + _WORKFLOW_VIEWS
    ),
    REVIEWERS: (
        [f"{app}.view_{model}" for app, models in _CONTENT_MODELS.items() for model in models]
        + ["stages.view_stage", "alerts.preview_alert"]
        + ["alerts.review_alert", "alerts.withdraw_alert"]
        + _WORKFLOW_VIEWS
    ),
}


def _permission(codename_with_app):
    app_label, codename = codename_with_app.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_roles():
    """Create or bring up to date the role groups. Safe to run any number of times.

    A group's permissions are set to exactly the list above, so a permission
    removed here is removed from the group too.
    """
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(c) for c in codenames])


def ensure_roles_after_migrate(sender, **kwargs):
    # Permissions are created by post_migrate, so the groups can only be built after it.
    if Permission.objects.filter(content_type__app_label="alerts").exists():
        ensure_roles()
