"""Two people in two real browsers: an editor submits, a reviewer sends it back, the editor
fixes and resubmits, the reviewer approves, and the alert is published."""

import pytest
from playwright.sync_api import Browser, Page, expect

from alerts.models import Level, Publication, Submission
from tests.browser.staff_login import log_in
from tests.builders import make_alert, make_editor, make_reviewer

pytestmark = [
    pytest.mark.browser,
    # live_server serves from another thread, so the data must really be committed;
    # serialized_rollback: see the reference_data fixture in conftest.py.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT_MS = 15_000
TITLE = "Genocide Warning: Armenia and Azerbaijan"
REVIEW_COMMENT = "Say which UN body adopted the convention."
FIXED_SUMMARY = "A summary that cites the convention adopted by the UN General Assembly [1]."


def new_page(browser: Browser) -> Page:
    """A second person: a browser context with its own cookies."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def expect_success(page: Page, text: str) -> None:
    errors = page.locator(".messagelist .error, .errornote, .errorlist")
    if errors.count():
        pytest.fail(f"The admin refused: {errors.all_inner_texts()}")
    expect(page.locator(".messagelist .success")).to_contain_text(text)


def submit_for_review(page: Page, base_url: str, alert_pk: int) -> None:
    page.goto(f"{base_url}/admin/alerts/alert/{alert_pk}/change/")
    with page.expect_navigation():
        page.click("input.workflow-submit")
    expect(page.locator("h1")).to_contain_text("for review")
    with page.expect_navigation():
        page.click("input[name=_workflow]")
    expect_success(page, "Submitted for review")
    expect(page.locator(".workflow-state")).to_have_text("In review")


def open_review_from_queue(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/")
    with page.expect_navigation():
        page.click("#review-queue-module a")
    expect(page.locator("#review-queue tbody tr")).to_have_count(1)
    with page.expect_navigation():
        page.click("#review-queue a.review-link")
    expect(page.locator("h1")).to_contain_text(f"Review: {TITLE}")


def test_editor_submits_reviewer_requests_changes_then_approves(
    page: Page, browser: Browser, live_server, reference_data
):
    editor = make_editor("browser-editor")
    reviewer = make_reviewer("browser-reviewer")
    # A Warning raises nothing, so one approval publishes it.
    alert = make_alert(author=editor, title=TITLE, level=Level.WARNING)
    base = live_server.url

    # --- The editor submits it through the admin button -------------------------------
    log_in(page, base, editor)
    submit_for_review(page, base, alert.pk)
    first = Submission.objects.get(alert=alert)

    # --- The reviewer, in a browser of their own, opens the queue and the diff --------
    review = new_page(browser)
    try:
        log_in(review, base, reviewer)
        open_review_from_queue(review, base)
        diff = review.locator(".snapshot-diff")
        expect(diff).to_contain_text("First publication")
        inserted_title = diff.locator('tr[data-field="title"] td.diff-new ins')
        expect(inserted_title).to_have_text(TITLE)
        # The diff's stylesheet applies (and passes the Content-Security-Policy).
        expect(inserted_title).to_have_css("background-color", "rgb(221, 255, 221)")
        expect(diff.locator('tbody[data-section="ratings"]')).to_contain_text("Armenia, stage 8")
        expect(review.locator("a.submitted-preview")).to_have_attribute(
            "href", f"/staff/submissions/{first.pk}/preview/"
        )

        review.fill("#id_changes-comment", REVIEW_COMMENT)
        with review.expect_navigation():
            review.click(".request-changes-form input[type=submit]")
        expect_success(review, "Changes requested")
        expect(review.locator(".submission-status")).to_have_text("Changes requested")
        first.refresh_from_db()
        assert first.status == Submission.Status.CHANGES_REQUESTED

        # --- The editor reads the comment, fixes the summary and resubmits ------------
        page.goto(f"{base}/admin/alerts/alert/{alert.pk}/change/")
        expect(page.locator(".changes-requested-comment")).to_have_text(REVIEW_COMMENT)
        page.fill("#id_summary", FIXED_SUMMARY)
        with page.expect_navigation():
            page.click("input[name=_continue]")
        expect_success(page, "was changed successfully")
        submit_for_review(page, base, alert.pk)

        # --- The reviewer reads the resubmission against what they sent back ----------
        open_review_from_queue(review, base)
        diff = review.locator(".snapshot-diff")
        expect(review.locator("h2", has_text="What changes")).to_contain_text(
            "Version sent back on"
        )
        expect(diff).to_contain_text("UN General Assembly")
        # Only what changed since it was sent back: the summary, not the whole alert.
        expect(diff.locator('tr[data-field="summary"]')).to_have_count(1)
        expect(diff.locator('tr[data-field="title"]')).to_have_count(0)
        expect(review.locator("#submission-events")).to_contain_text(REVIEW_COMMENT)
        expect(review.locator(".stale-warning")).to_have_count(0)
        # The diff and the round's comments come before the decision.
        diff_top = diff.bounding_box()["y"]
        events_top = review.locator("#submission-events").bounding_box()["y"]
        decision_top = review.locator(".approve-form").bounding_box()["y"]
        assert diff_top < events_top < decision_top
        # One click compares it with what is live instead (nothing yet: all new).
        with review.expect_navigation():
            review.click("text=Compare with the live version")
        expect(diff).to_contain_text("First publication")
        expect(diff.locator('tr[data-field="title"]')).to_have_count(1)

        # --- The reviewer approves the new submission ----------------------------------
        review.fill("#id_approve-comment", "Well sourced now.")
        with review.expect_navigation():
            review.click(".approve-form input[type=submit]")
        expect_success(review, "Approved and published as publication 1")
        expect(review.locator(".submission-status")).to_have_text("Published")
    finally:
        review.context.close()

    publication = Publication.objects.get(alert=alert)
    assert publication.number == 1
    assert publication.snapshot["summary"] == FIXED_SUMMARY
    assert publication.approvers == [reviewer.username]
    assert publication.submission.submitted_by == editor
