"""Helpers for the public-site tests: fetching pages the way a reader (or a robot) does."""

import io
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.urls import reverse
from pypdf import PdfReader


def pdf_text(content):
    """The text of a PDF, page after page (what a reader of it can read)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def body_of(response):
    """The decoded body of a response, streaming or not: a PDF's text; nothing of an
    image (what a card says is checked through its alt text)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        return pdf_text(content)
    if content_type.startswith("image/"):
        return ""
    return content.decode("utf-8")


def fetch(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, f"{url} answered {response.status_code}, not {status}"
    return body_of(response)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "action") and value:
                self.links.append(value)
        # Link previews' images (the social cards) are addresses the public fetches too.
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("property") == "og:image" and attrs.get("content"):
            self.links.append(attrs["content"])


def links_in(html):
    parser = _Links()
    parser.feed(html)
    return parser.links


def _local(url):
    """The path (and query) of a link within the site, or None for other sites."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc not in ("testserver", ""):
        return None
    if parts.scheme not in ("", "http", "https"):
        return None
    path = parts.path or ""
    if not path.startswith("/"):
        return None
    return urldefrag(path + (f"?{parts.query}" if parts.query else ""))[0]


EXCLUDED_PREFIXES = ("/admin/", "/staff/", "/static/")
XML_LOC = re.compile(r"<loc>([^<]+)</loc>")
LINK_HREF = re.compile(r'<link[^>]+href="([^"]+)"')


def crawl(client, start_urls, *, limit=400):
    """Fetch every public page reachable from ``start_urls``; returns {url: (status, body)}."""
    seen = {}
    queue = list(start_urls)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        body = body_of(response)
        seen[url] = (response.status_code, body)
        content_type = response.get("Content-Type", "")
        found = []
        if "html" in content_type:
            found = links_in(body)
        elif "xml" in content_type:
            found = XML_LOC.findall(body) + LINK_HREF.findall(body)
        for link in found:
            local = _local(link)
            if local and not local.startswith(EXCLUDED_PREFIXES) and local not in seen:
                queue.append(local)
    return seen


def machine_urls():
    """Every feed, API, CSV and sitemap entry point."""
    return [
        reverse("public:feed_alerts"),
        reverse("public:api_alert_list"),
        reverse("public:api_withdrawals"),
        reverse("public:api_determinations_csv"),
        reverse("public:api_audit_head"),
        reverse("public:sitemap"),
        reverse("public:robots_txt"),
    ]
