from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("enrol/", views.enrol, name="enrol"),
    path("verify/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
]
