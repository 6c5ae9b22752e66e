from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from alerts.admin.review import ReadOnlyAdmin

from . import services
from .forms import ReasonForm
from .models import AccountEvent

User = get_user_model()

# django-otp's own device admins would let anyone with the model permissions add,
# change or delete a device unrecorded; devices change only through accounts.services.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, where people named in the workflow's records are
    deactivated, never deleted, and a superuser can reset a second factor."""

    change_form_template = "admin/accounts/user/change_form.html"
    actions = ["deactivate_selected", "reactivate_selected"]
    list_display = (*UserAdmin.list_display, "is_active", "has_second_factor")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _has_second_factor=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
            )
        )

    @admin.display(boolean=True, description="Second factor", ordering="_has_second_factor")
    def has_second_factor(self, obj):
        return obj._has_second_factor

    def get_urls(self):
        return [
            path(
                "<path:object_id>/second-factor/reset/",
                self.admin_site.admin_view(self.reset_second_factor_view),
                name="auth_user_reset_second_factor",
            ),
            *super().get_urls(),
        ]

    # --- Deletion only for those the workflow's history does not name ----------------

    def has_delete_permission(self, request, obj=None):
        if obj is not None and services.acted_in_workflow(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        acted = services.workflow_actor_ids(obj.pk for obj in objs)
        if acted:
            # Listed as protected, the admin's confirmation page refuses the deletion and
            # says why, the way it does for any protected row (rather than blaming a
            # missing permission, which is how has_delete_permission's refusal reads).
            perms_needed = set()
            protected = [
                *(
                    f"User: {obj.get_username()} (named in the workflow's records: deactivate "
                    "the account instead)"
                    for obj in objs
                    if obj.pk in acted
                ),
                *protected,
            ]
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        self._refuse_deleting_actors([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._refuse_deleting_actors(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)

    def _refuse_deleting_actors(self, user_ids):
        # The last wall, whatever page or action got here.
        if services.workflow_actor_ids(user_ids):
            raise PermissionDenied(
                "People named in the workflow's records are deactivated, never deleted."
            )

    @admin.action(
        description="Deactivate selected users (they keep their records)",
        permissions=["change"],
    )
    def deactivate_selected(self, request, queryset):
        self._change_standing(request, queryset, services.deactivate_user, "Deactivated")

    @admin.action(description="Reactivate selected users", permissions=["change"])
    def reactivate_selected(self, request, queryset):
        self._change_standing(request, queryset, services.reactivate_user, "Reactivated")

    def _change_standing(self, request, queryset, change, done_label):
        done = 0
        for user in queryset:
            try:
                done += change(actor=request.user, user=user)
            except PermissionDenied as refusal:
                self.message_user(request, f"{user.get_username()}: {refusal}", messages.ERROR)
        if done:
            self.message_user(request, f"{done_label} {done} user(s).", messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):
        # Changed only by the actions above, which put every change on record.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "is_active") if obj is not None else fields

    # --- Second factor reset ----------------------------------------------------------

    def reset_second_factor_view(self, request, object_id):
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser may reset someone's second factor.")
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404("No such user.")
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.reset_second_factor(
                actor=request.user, user=user, reason=form.cleaned_data["reason"]
            )
            self.message_user(
                request,
                f"{user.get_username()}'s second factor was reset: they set it up again at "
                "their next sign-in.",
                messages.SUCCESS,
            )
            return redirect(reverse("admin:auth_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reset the second factor of {user.get_username()}",
            "subject": user,
            "form": form,
            "opts": self.opts,
            "has_second_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        }
        return TemplateResponse(request, "admin/accounts/user/reset_second_factor.html", context)


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "subject_username", "actor_name", "reason")
    list_filter = ("action",)
    search_fields = ("subject_username", "actor_name", "reason")
    date_hierarchy = "created_at"
