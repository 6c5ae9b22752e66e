"""No lost edits: the second of two concurrent editors is told, and keeps their input."""

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import Alert
from tests.alerts.admin.admin_forms import alert_form_data, existing_rows
from tests.alerts.helpers import assert_version_count
from tests.builders import login_verified, make_alert, make_editor


def change_url(alert):
    return reverse("admin:alerts_alert_change", args=[alert.pk])


def opened_form(client, alert):
    """What the editor's browser posts back: the form as rendered when they opened it."""
    page = client.get(change_url(alert)).content.decode()
    token = re.search(r'name="based_on_revision" value="(\d+)"', page).group(1)
    data = alert_form_data(alert, countries=alert.countries.all(), inlines=existing_rows(alert))
    data["based_on_revision"] = token
    return data


def test_second_save_is_refused_naming_who_and_keeping_the_input(client, alert, editor):
    other = Client()
    second_editor = make_editor("second")
    login_verified(client, editor)
    login_verified(other, second_editor)
    first_form = opened_form(client, alert)
    second_form = opened_form(other, alert)

    first_form["title"] = "The first editor's title"
    assert client.post(change_url(alert), first_form).status_code == 302

    second_form["title"] = "The second editor's title"
    second_form["ratings-0-rationale"] = "A carefully typed rationale [1]."
    response = other.post(change_url(alert), second_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "editor changed this alert at" in page
    assert "The second editor&#x27;s title" in page  # the typed input is still on the form
    assert "A carefully typed rationale [1]." in page
    alert.refresh_from_db()
    assert alert.title == "The first editor's title"
    assert_version_count(alert, 2)


def test_saving_again_after_the_warning_goes_through_and_keeps_both_versions(client, alert):
    other = Client()
    login_verified(client, alert.created_by)
    login_verified(other, make_editor("second"))
    first_form = opened_form(client, alert)
    second_form = opened_form(other, alert)
    first_form["title"] = "First"
    client.post(change_url(alert), first_form)
    second_form["title"] = "Second"
    refused = other.post(change_url(alert), second_form).content.decode()

    second_form["based_on_revision"] = re.search(
        r'name="based_on_revision" value="(\d+)"', refused
    ).group(1)
    assert other.post(change_url(alert), second_form).status_code == 302

    alert.refresh_from_db()
    assert alert.title == "Second"
    assert_version_count(alert, 3)  # the first editor's version stays in the history


def test_inline_only_edits_conflict_too(client, alert, editor):
    other = Client()
    login_verified(client, editor)
    login_verified(other, make_editor("second"))
    first_form = opened_form(client, alert)
    second_form = opened_form(other, alert)

    first_form["recommendations-0-action"] = "Changed by the first editor [1]."
    assert client.post(change_url(alert), first_form).status_code == 302
    second_form["recommendations-0-action"] = "Changed by the second editor [1]."

    assert other.post(change_url(alert), second_form).status_code == 200
    assert alert.recommendations.get().action == "Changed by the first editor [1]."


class Browserless:
    """A logged-in session speaking real HTTP to the live server."""

    def __init__(self, live_server, user):
        client = Client()
        login_verified(client, user)
        self.base = live_server.url
        self.cookies = {"sessionid": client.cookies["sessionid"].value}

    def _request(self, path, data=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Referer"] = self.base + path
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, response.read().decode()

    def open_form(self, alert):
        status, page = self._request(change_url(alert))
        assert status == 200
        data = alert_form_data(alert, countries=alert.countries.all(), inlines=existing_rows(alert))
        data["based_on_revision"] = re.search(
            r'name="based_on_revision" value="(\d+)"', page
        ).group(1)
        data["csrfmiddlewaretoken"] = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', page
        ).group(1)
        return data

    def save(self, alert, data):
        return self._request(change_url(alert), data)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_saves_over_http_let_exactly_one_through(live_server):
    from alerts.roles import ensure_roles

    ensure_roles()
    first_user, second_user = make_editor("first"), make_editor("second")
    alert = make_alert(author=first_user, title="Contested alert")
    sessions = [Browserless(live_server, first_user), Browserless(live_server, second_user)]
    forms = [session.open_form(alert) for session in sessions]
    for n, form in enumerate(forms):
        form["title"] = f"Saved by editor {n}"

    start = threading.Barrier(2)
    results = [None, None]

    def save(n):
        start.wait()
        results[n] = sessions[n].save(alert, forms[n])

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 302], results
    refused_page = next(page for status, page in results if status == 200)
    assert "changed this alert at" in refused_page
    winner = next(n for n, (status, _) in enumerate(results) if status == 302)
    assert Alert.objects.get(pk=alert.pk).title == f"Saved by editor {winner}"
    assert_version_count(alert, 2)
