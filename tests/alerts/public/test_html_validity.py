"""Every public page is valid HTML: the Nu HTML Checker (vnu.jar) finds no error.

The pages are those of every state the draft-leak test builds (published, updated,
corrected and withheld, withdrawn, scheduled, drafts and reviews beside them), found by
crawling the site as a reader does, plus a filtered list, a page that is not there and
a withdrawn alert's notice. They are written to files and checked in one run of the
checker (it starts a Java VM, which takes seconds).

vnu.jar comes from the npm package vnu-jar (tests/browser/package.json; ``npm ci`` in
tests/browser), Java from Debian's default-jre-headless. Locally, without them, the test
is skipped; under CI=true it fails.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.alerts.public.helpers import crawl
from tests.alerts.public.test_draft_leaks import planted  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

VNU_JAR = (
    Path(__file__).resolve().parents[2]
    / "browser"
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)


def _missing(message):
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{message}; the HTML check must run in CI.", pytrace=False)
    pytest.skip(message)


def vnu_command():
    java = shutil.which("java")
    if java is None:
        _missing("java not found (install Debian's default-jre-headless)")
    if not VNU_JAR.is_file():
        _missing(f"vnu.jar not found at {VNU_JAR} (run `npm ci` in tests/browser)")
    return [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]


def check(files):
    """The checker's error messages for ``files``: [(file name, line, message)]."""
    result = subprocess.run(
        [*vnu_command(), *map(str, files)], capture_output=True, text=True, timeout=300
    )
    try:
        report = json.loads(result.stderr or result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar gave no JSON (exit {result.returncode}): {result.stderr[:2000]}")
    return [
        (Path(m.get("url", "")).name, m.get("lastLine"), m.get("message"), m.get("extract", ""))
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]


def public_pages(client):
    sitemaps = [
        reverse("public:sitemap_section", args=[section])
        for section in ("alerts", "countries", "pages")
    ]
    extra = [
        reverse("public:alert_list") + "?q=livelyquokka&country=armenia&level=2",
        reverse("public:alert_list") + "?issued_after=not-a-date",
        "/no-such-page/",
        reverse("public:alert_detail", args=["hidden-6"]),  # withdrawn: its notice
    ]
    found = crawl(client, [reverse("public:home"), *sitemaps, *extra])
    return {
        url: body
        for url, (status, body) in found.items()
        if body.lstrip().lower().startswith("<!doctype html")
    }


def test_every_public_page_is_valid_html(client, planted, tmp_path):  # noqa: F811
    command = vnu_command()  # skip (or fail, in CI) before the crawl
    assert command
    pages = public_pages(client)
    # The crawl reached every kind of page.
    kinds = {
        "/",
        "/alerts/",
        "/alerts/live-one/",
        "/alerts/live-one/versions/",
        "/alerts/live-one/versions/1/",
        "/alerts/named-alert/versions/1/",  # withheld
        "/countries/",
        "/countries/armenia/",
        "/stages/",
        "/no-such-page/",
        "/alerts/hidden-6/",
    }
    assert kinds <= set(pages), kinds - set(pages)

    names = {}
    for number, (url, body) in enumerate(sorted(pages.items())):
        path = tmp_path / f"page-{number:03d}.html"
        path.write_text(body, encoding="utf-8")
        names[path.name] = url
    errors = check(sorted(tmp_path.glob("*.html")))
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(
        f"{names.get(name, name)} line {line}: {message}\n    {extract!r}"
        for name, line, message, extract in errors[:60]
    )


def test_the_checker_finds_an_error(tmp_path):
    """A page with a known error fails the check: the test can fail."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
        '<p><time datetime="2020-11-01T10:00:00.123456+00:00">1 November 2020</time>'
        '<form action=""></form></body></html>',
        encoding="utf-8",
    )
    messages = [message for _, _, message, _ in check([page])]
    assert any("datetime" in m for m in messages), messages
    assert any("action" in m for m in messages), messages
