"""Where a signed-in member of staff stands with the second factor, and where to send
them when it is still missing. Used by the admin site and by the staff pages alike."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device


def is_verified(user):
    # OTPMiddleware gives request.user is_verified(); a user that auth.login() has
    # just put on the request has not got it, and has not given a code either.
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending(user):
    """Whether ``user`` gave the password but still owes the second factor."""
    return (
        settings.OTP_REQUIRED
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not is_verified(user)
    )


def url_for(user, next_url=""):
    """The enrolment page for someone without a device, the code page otherwise."""
    name = "accounts:verify" if user_has_device(user) else "accounts:enrol"
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return reverse(name) + query


def redirect_if_pending(request):
    """A redirect to the second-factor step when ``request.user`` still owes it, or None.
    For views outside the admin site (which asks through has_permission)."""
    if pending(request.user):
        return redirect(url_for(request.user, request.get_full_path()))
    return None
