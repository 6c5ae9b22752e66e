"""Finds active content in HTML by parsing it, the way a browser would see tags."""

from html.parser import HTMLParser

FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "img",
    "form",
    "base",
    "meta",
    "link",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}


class _Finder(HTMLParser):
    def __init__(self, allowed_tags):
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS and tag not in self.allowed_tags:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme and scheme not in {"http", "https", "mailto"}:
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")


def active_content(html, *, allowed_tags=()):
    """A list of the active things in ``html`` (empty when it is inert)."""
    finder = _Finder(set(allowed_tags))
    finder.feed(html)
    finder.close()
    return finder.problems
