"""System checks (``manage.py check``) for what the public site needs from the machine."""

from django.core.checks import Warning, register

from . import assets


def _import_weasyprint():
    import weasyprint  # noqa: F401  (loads Pango and HarfBuzz through cffi)


@register()
def assets_can_be_made(app_configs, **kwargs):
    """Warn when the social cards or the PDFs cannot be made here (alerts/assets.py).

    A warning, not an error: the site serves everything else, and those files answer
    503 until the packages are installed (see README, "Set-up")."""
    warnings = []
    try:
        _import_weasyprint()
    except (ImportError, OSError) as exc:
        warnings.append(
            Warning(
                f"WeasyPrint cannot load, so alert PDFs cannot be made: {exc}",
                hint="Install its system libraries: apt-get install libpango-1.0-0 "
                "libpangoft2-1.0-0 libharfbuzz-subset0 (and pip install -r requirements.txt).",
                id="alerts.W021",
            )
        )
    for style in assets.FONT_FILES:
        try:
            assets.font_path(style)
        except assets.AssetUnavailable as exc:
            warnings.append(
                Warning(
                    f"Social cards cannot be made: {exc}",
                    hint="apt-get install fonts-dejavu-core",
                    id="alerts.W022",
                )
            )
            break
    return warnings
