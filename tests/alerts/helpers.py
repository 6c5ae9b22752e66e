"""Domain assertions for the alert's version history."""

from reversion.models import Version

from alerts.models import Alert


def versions_of(alert):
    return Version.objects.get_for_object(alert)


def assert_version_count(alert, expected):
    actual = versions_of(alert).count()
    assert actual == expected, f"{alert} has {actual} versions, expected {expected}"


def revert_to(version):
    """Revert as the admin does: restore the whole revision and delete rows added since."""
    version.revision.revert(delete=True)
    return Alert.objects.get(pk=version.object_id)


def country_names(alert):
    return sorted(alert.countries.values_list("name", flat=True))
