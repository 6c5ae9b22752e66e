from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def second_factor_required(app_configs, **kwargs):
    # Off, a stolen password alone opens the admin: fine on a laptop, never in production.
    if settings.OTP_REQUIRED:
        return []
    return [
        Warning(
            "OTP_REQUIRED is off: staff sign in with a password alone.",
            hint="Unset OTP_REQUIRED (it is on by default) in production.",
            id="accounts.W001",
        )
    ]
