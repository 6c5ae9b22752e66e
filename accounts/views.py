"""The second step of signing in: enrol an authenticator app, or give a code.

Reached only with the password given (a session signed in but not yet verified);
never cached, since they show secrets."""

from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import admin
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from . import second_factor, services
from .forms import CodeForm


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _refuse(request):
    """A response for anyone who has no second step to take here, or None."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not (user.is_active and user.is_staff):
        raise PermissionDenied("Only staff sign in here.")
    if not second_factor.pending(user):
        return redirect(_next_url(request))
    return None


def _locked_message(locked_until):
    return (
        "Too many wrong codes: no code is accepted until "
        f"{timezone.localtime(locked_until):%H:%M:%S %Z}. Wait, then try again."
    )


def _page(request, template, **context):
    return render(
        request,
        template,
        admin.site.each_context(request) | {"next": _next_url(request)} | context,
    )


def _qr_svg(data):
    # Drawn on a white square so that it scans in the admin's dark theme too.
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return mark_safe(svg[svg.index("<svg") :])


@never_cache
@sensitive_post_parameters("code")
def enrol(request):
    refused = _refuse(request)
    if refused:
        return refused
    if user_has_device(request.user):
        return redirect(second_factor.url_for(request.user, _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.confirm_enrolment(user=request.user, code=form.cleaned_data["code"])
        if result.ok:
            request.session.cycle_key()
            otp_login(request, result.device)
            # Shown in this (uncached) response only; there is no page to see them again,
            # and a superuser's reset is the way to new ones.
            return _page(
                request,
                "accounts/backup_codes.html",
                title="Your backup codes",
                codes=result.backup_codes,
            )
        form.add_error(
            "code",
            _locked_message(result.locked_until)
            if result.locked_until
            else "That code is not right. Check the app shows this account, and try the newest code.",
        )
    device = services.pending_app_device(user=request.user)
    secret = b32encode(device.bin_key).decode()
    return _page(
        request,
        "accounts/enrol.html",
        title="Set up your second factor",
        form=form,
        config_url=device.config_url,
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        qr_svg=_qr_svg(device.config_url),
    )


@never_cache
@sensitive_post_parameters("code")
def verify(request):
    refused = _refuse(request)
    if refused:
        return refused
    if not user_has_device(request.user):
        return redirect(second_factor.url_for(request.user, _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.verify_code(user=request.user, code=form.cleaned_data["code"])
        if result.ok:
            request.session.cycle_key()
            otp_login(request, result.device)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _locked_message(result.locked_until)
            if result.locked_until
            else "That code is not right.",
        )
    return _page(request, "accounts/verify.html", title="Enter your code", form=form)


@never_cache
@require_POST
def sign_out(request):
    # The admin's own logout page is behind the second factor; this one is not.
    logout(request)
    return redirect("admin:login")
