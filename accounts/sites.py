from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect
from django.urls import reverse

from . import second_factor


class StaffAdminSite(admin.AdminSite):
    """The admin for staff who gave both their password and a second factor.

    Someone who gave only the password is, for the admin, not signed in: every admin
    page sends them to the login page, and the login page sends them on to enrol or
    to give a code (django-otp's OTPAdminSite asks the same of has_permission, but
    wants the code on the login form, which leaves no place to enrol)."""

    def has_permission(self, request):
        return super().has_permission(request) and not second_factor.pending(request.user)

    def login(self, request, extra_context=None):
        if request.method == "GET" and second_factor.pending(request.user):
            next_url = LoginView().get_redirect_url(request) or reverse(
                "admin:index", current_app=self.name
            )
            return redirect(second_factor.url_for(request.user, next_url))
        response = super().login(request, extra_context)
        # The password was right (a redirect to "next"): the code is the second step.
        if response.status_code == 302 and second_factor.pending(request.user):
            return redirect(second_factor.url_for(request.user, response.url))
        return response
