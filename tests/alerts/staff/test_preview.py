import pytest
from django.urls import reverse

from tests.builders import edit_alert, login_verified, make_user


def preview_url(alert):
    return reverse("staff:alert_preview", args=[alert.pk])


def test_anonymous_visitor_gets_the_login_page_not_the_content(client, alert):
    response = client.get(preview_url(alert))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert alert.title not in response.content.decode()


def test_staff_without_permission_is_refused(client, alert):
    login_verified(client, make_user("bystander", groups=(), superuser=False))
    response = client.get(preview_url(alert))
    assert response.status_code in (302, 403)
    assert alert.title not in response.content.decode()


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_editors_and_reviewers_preview_the_working_copy_uncached(client, alert, role, request):
    user = request.getfixturevalue(role)
    edit_alert(alert, user=alert.created_by, summary="Unpublished wording [1].")
    login_verified(client, user)

    response = client.get(preview_url(alert))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Unpublished wording" in page
    assert "Preview of the working copy" in page
    cache_control = {v.strip() for v in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_preview_renders_determinations_references_and_backlinks(client, alert, editor):
    login_verified(client, editor)
    page = client.get(preview_url(alert)).content.decode()

    assert 'id="ref-1"' in page
    assert 'href="#ref-1"' in page
    assert 'href="#cite-1-1"' in page  # the reference links back to its first citation
    assert "Genocide Warning" in page
    assert "Persecution" in page
    assert "The UN Security Council" in page


def test_editor_markup_never_reaches_the_page_active(client, alert, editor):
    edit_alert(
        alert,
        user=editor,
        summary='<script>alert("x")</script> [click](javascript:alert(1)) [1]',
        background='<img src=x onerror="alert(1)"> **bold**',
    )
    login_verified(client, editor)

    page = client.get(preview_url(alert)).content.decode()

    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "<img" not in page
    assert "<strong>bold</strong>" in page


def test_change_page_links_to_the_preview(client, alert, editor):
    login_verified(client, editor)
    page = client.get(reverse("admin:alerts_alert_change", args=[alert.pk])).content.decode()
    assert preview_url(alert) in page
