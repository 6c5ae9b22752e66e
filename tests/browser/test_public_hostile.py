"""No hostile editor input runs in a real browser.

Every input of the corpus (tests/alerts/public/hostile.py) is published in every editor text
field; Chromium then loads every page that shows them, twice: once with the site's
Content-Security-Policy bypassed, to prove the sanitising alone keeps them inert, and
once with the policy on, to prove the policy has nothing to block. The inputs try to
set ``window.__pwned``; nothing may, no dialog may open, no request may leave for
another site, and no element may carry an event handler or a javascript: link.
"""

from urllib.parse import urlsplit

import pytest

from tests.alerts.public.hostile import CORPUS, hostile_alert
from tests.builders import make_editor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline'));
});
"""

ACTIVE_THINGS = """() => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
            if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
        }
    }
    for (const el of document.querySelectorAll('script, iframe, object, embed, base, img')) {
        found.push(el.tagName);
    }
    for (const a of document.querySelectorAll('a[href]')) {
        if (!/^(https?:|mailto:|#|\\/|\\?)/i.test(a.getAttribute('href').trim())) {
            found.push('link to ' + a.getAttribute('href'));
        }
    }
    return found;
}"""


def paths(slugs):
    result = ["/", "/alerts/", "/countries/", "/stages/"]
    for slug in slugs:
        result += [
            f"/alerts/{slug}/",
            f"/alerts/{slug}/versions/",
            f"/countries/{slug}/",
            f"/alerts/{slug.replace('hostile', 'gone')}/",
        ]
    return result


def visit_all(browser, base_url, urls, *, bypass_csp):
    context = browser.new_context(bypass_csp=bypass_csp, java_script_enabled=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    problems = []
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).hostname not in ("localhost", "127.0.0.1")
            and problems.append(f"request to {request.url}")
        ),
    )
    try:
        for path in urls:
            page.goto(base_url + path)
            page.mouse.move(200, 300)
            page.mouse.move(300, 500)
            if page.evaluate("typeof window.__pwned !== 'undefined'"):
                problems.append(f"{path}: script ran")
            problems += [f"{path}: {thing}" for thing in page.evaluate(ACTIVE_THINGS)]
            violations = page.evaluate("window.__violations")
            # The shared diff template's own <style> is refused by the policy (style-src
            # has no 'unsafe-inline'); any other refusal means something tried to run.
            problems += [
                f"{path}: CSP refused {v}" for v in violations if not v.startswith("style-src")
            ]
    finally:
        context.close()
    return problems


CHUNK = 8


def test_no_hostile_input_runs_in_the_browser(browser, live_server, reference_data):
    # Each input alone, in every field and on every page, is tested without a browser
    # (tests/alerts/public/test_hostile_input.py); here they come a few to an alert, so that a
    # real browser sees all of them in a reasonable time.
    editor = make_editor("hostile-editor")
    chunks = ["\n\n".join(CORPUS[i : i + CHUNK]) for i in range(0, len(CORPUS), CHUNK)]
    slugs = [hostile_alert(editor, value, number) for number, value in enumerate(chunks)]
    urls = paths(slugs)

    problems = visit_all(browser, live_server.url, urls, bypass_csp=True)
    problems += visit_all(browser, live_server.url, urls, bypass_csp=False)
    assert not problems, "\n".join(problems)


def test_the_watchers_would_see_a_script_run(browser, live_server, reference_data):
    """The checks above are live: a page that does run script is caught."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.evaluate("window.__pwned = 1")
        assert page.evaluate("typeof window.__pwned !== 'undefined'")
        page.evaluate("document.body.setAttribute('onclick', 'x')")
        assert page.evaluate(ACTIVE_THINGS) == ["BODY onclick"]
    finally:
        context.close()
