import pytest
from django.urls import reverse

from alerts.models import Alert
from tests.alerts.admin.admin_forms import alert_form_data, existing_rows
from tests.alerts.helpers import assert_version_count, versions_of
from tests.alerts.workflow_helpers import publish
from tests.builders import (
    edit_alert,
    login_verified,
    make_alert,
    make_country,
    make_source,
    make_user,
)


@pytest.fixture
def editor_client(client, editor):
    login_verified(client, editor)
    return client


def change_url(alert):
    return reverse("admin:alerts_alert_change", args=[alert.pk])


def test_editor_creates_alert_with_inlines_in_one_revision(editor_client, editor):
    armenia = make_country("Armenia")
    source = make_source()
    data = alert_form_data(
        countries=[armenia],
        summary="Armenia is at risk [1].",
        inlines={
            "ratings": [{"country": armenia.pk, "stage": 8, "rationale": "Expulsions [1]."}],
            "citations": [{"number": 1, "source": source.pk, "locator": "p. 4"}],
        },
    )

    response = editor_client.post(reverse("admin:alerts_alert_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    alert = Alert.objects.get(slug="an-alert")
    assert alert.created_by == editor
    assert alert.ratings.get().stage_id == 8
    assert_version_count(alert, 1)
    assert versions_of(alert).get().revision.user == editor


def test_save_with_a_dangling_marker_is_refused_naming_field_and_marker(editor_client, alert):
    data = alert_form_data(
        alert,
        countries=alert.countries.all(),
        inlines=existing_rows(alert),
        background="This cites a footnote that does not exist [7].",
    )

    response = editor_client.post(change_url(alert), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Background cites [7], but the alert has no citation 7" in page
    alert.refresh_from_db()
    assert "[7]" not in alert.background
    assert_version_count(alert, 1)


def test_saving_under_an_address_another_alert_was_published_under_is_refused(
    editor_client, editor, alert
):
    elsewhere = make_alert(author=editor, title="Published elsewhere", slug="taken-address")
    publish(elsewhere, editor=editor)
    edit_alert(elsewhere, user=editor, slug="moved-on")  # its publication keeps the address
    data = alert_form_data(
        alert, countries=alert.countries.all(), inlines=existing_rows(alert), slug="taken-address"
    )

    response = editor_client.post(change_url(alert), data)

    assert response.status_code == 200
    assert "/alerts/taken-address/ belongs to another alert" in response.content.decode()
    alert.refresh_from_db()
    assert alert.slug != "taken-address"
    assert_version_count(alert, 1)


def test_deleting_a_cited_citation_is_refused(editor_client, alert):
    rows = existing_rows(alert)
    rows["citations"][1]["DELETE"] = "on"  # [2] is cited by the background and the evidence

    response = editor_client.post(
        change_url(alert), alert_form_data(alert, countries=alert.countries.all(), inlines=rows)
    )

    assert response.status_code == 200
    assert "cites [2], but the alert has no citation 2" in response.content.decode()
    assert alert.citations.count() == 2


def test_marker_in_an_inline_rationale_is_checked_too(editor_client, alert):
    rows = existing_rows(alert)
    rows["ratings"][0]["rationale"] = "Now citing [9]."

    response = editor_client.post(
        change_url(alert), alert_form_data(alert, countries=alert.countries.all(), inlines=rows)
    )

    assert response.status_code == 200
    assert "Stage rating (Armenia, stage 8) cites [9]" in response.content.decode()


def test_marker_in_a_new_recommendation_is_checked_too(editor_client, alert):
    rows = existing_rows(alert)
    rows["recommendations"].append({"position": 9, "addressee": "The UN", "action": "Act [8]."})

    response = editor_client.post(
        change_url(alert), alert_form_data(alert, countries=alert.countries.all(), inlines=rows)
    )

    assert response.status_code == 200
    assert "(The UN) cites [8]" in response.content.decode()
    assert not alert.recommendations.filter(addressee="The UN").exists()


def test_each_inline_formset_has_the_pages_inlines_as_siblings(editor_client, alert):
    response = editor_client.get(change_url(alert))

    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert [fs.prefix for fs in formsets] == ["ratings", "evidence", "recommendations", "citations"]
    for formset in formsets:
        assert formset.sibling_formsets == formsets  # the same formsets, in page order


def test_unchanged_valid_save_is_accepted_and_recorded(editor_client, alert):
    data = alert_form_data(
        alert, countries=alert.countries.all(), inlines=existing_rows(alert), title="Renamed"
    )

    response = editor_client.post(change_url(alert), data)

    assert response.status_code == 302
    assert_version_count(alert, 2)
    alert.refresh_from_db()
    assert alert.title == "Renamed"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "ftp://example.org/x",
        "vbscript:x",
    ],
)
def test_source_url_must_be_http_or_https(editor_client, url):
    response = editor_client.post(
        reverse("admin:sources_source_add"), {"title": "Bad", "url": url, "archive_url": url}
    )

    assert response.status_code == 200
    assert "Only web addresses starting with http:// or https:// are allowed" in (
        response.content.decode()
    )


def test_source_with_https_url_is_saved(editor_client):
    response = editor_client.post(
        reverse("admin:sources_source_add"),
        {
            "title": "Charter of the United Nations",
            "url": "https://www.un.org/en/about-us/un-charter",
        },
    )
    assert response.status_code == 302


def test_changelist_queries_do_not_grow_with_alerts(
    editor_client, editor, django_assert_max_num_queries
):
    for _ in range(50):
        make_alert(author=editor, countries=("Armenia", "Azerbaijan", "Artsakh"))
    for _ in range(5):
        make_alert(author=editor, countries=(), ratings={})

    # 11 today (session, user, the second-factor device, perms, filters, one count, the
    # page with its country names); an N+1 on countries would add 55.
    with django_assert_max_num_queries(11):
        response = editor_client.get(reverse("admin:alerts_alert_changelist") + "?all=")
    assert response.status_code == 200
    assert response.content.decode().count("Armenia, Artsakh, Azerbaijan") == 50


@pytest.mark.parametrize(
    "path",
    [
        "admin:alerts_alert_history",
        "admin:alerts_alert_change",
    ],
)
def test_history_and_change_pages_render(editor_client, alert, path):
    assert editor_client.get(reverse(path, args=[alert.pk])).status_code == 200


def test_history_shows_revisions_a_page_at_a_time_newest_first(
    editor_client, editor, alert, monkeypatch
):
    from alerts.admin.alerts import AlertAdmin

    monkeypatch.setattr(AlertAdmin, "history_per_page", 2)
    for n in range(1, 5):
        edit_alert(alert, user=editor, comment=f"Edit number {n}", summary=f"Summary {n} [1].")
    url = reverse("admin:alerts_alert_history", args=[alert.pk])

    first = editor_client.get(url).content.decode()
    assert "Edit number 4" in first
    assert "Edit number 3" in first
    assert "Edit number 2" not in first
    assert "Page 1 of 3" in first
    assert "(5 revisions)" in first
    assert 'href="?p=2"' in first

    last = editor_client.get(url + "?p=3").content.decode()
    assert "Initial draft" in last
    assert "Edit number 4" not in last
    assert 'href="?p=2"' in last


def test_revert_and_recover_views_exist(editor_client, alert, django_user_model):
    version = versions_of(alert).get()
    revert = reverse("admin:alerts_alert_revision", args=[alert.pk, version.pk])
    assert editor_client.get(revert).status_code == 200
    assert editor_client.get(reverse("admin:alerts_alert_recoverlist")).status_code == 200


def test_editor_cannot_change_the_ten_stages(client, editor):
    login_verified(client, editor)
    assert client.get(reverse("admin:stages_stage_changelist")).status_code == 200
    response = client.post(
        reverse("admin:stages_stage_change", args=[8]),
        {"number": 8, "name": "Renamed", "definition": "x"},
    )
    assert response.status_code == 403
    assert editor.has_perm("stages.view_stage")
    assert not editor.has_perm("stages.change_stage")


def test_superuser_cannot_change_the_ten_stages_in_the_admin_either(client, db):
    login_verified(client, make_user(superuser=True))
    response = client.get(reverse("admin:stages_stage_change", args=[1]))
    assert response.status_code == 200
    assert "Save" not in response.content.decode().split('id="content-main"')[1].split("</form>")[0]


def test_alert_admin_searches_and_filters(editor_client, editor):
    make_alert(author=editor, title="Sudan alert", countries=("Sudan",), ratings={"Sudan": [9]})
    make_alert(
        author=editor, title="Myanmar alert", countries=("Myanmar",), ratings={"Myanmar": [8]}
    )
    url = reverse("admin:alerts_alert_changelist")

    found = editor_client.get(url, {"q": "Sudan"}).content.decode()
    assert "Sudan alert" in found
    assert "Myanmar alert" not in found
    sudan = make_country("Sudan")
    filtered = editor_client.get(url, {"countries__id__exact": sudan.pk}).content.decode()
    assert "Sudan alert" in filtered
    assert "Myanmar alert" not in filtered
