"""No broken words: at every width a reader may use, the public pages set their text
without breaking a word inside, and never scroll sideways.

Each word of the page (each run of non-space characters in a text node) is measured as
the browser laid it out: a Range over it gives one client rect per line box it touches;
a word whose rects lie on more than one line was broken. That is allowed only

- after a hyphen or dash the word already has ("twenty-first"), as any typesetter does;
- in an address (a token with "/" or "www." or "://"), after a "/", "." or "-";
- for a single token wider than its whole line (a 170-letter word, a long address):
  it cannot fit unbroken, and overflow-wrap: break-word breaks it rather than push the
  page sideways.

Text nobody sees (display: none, the visually hidden labels) is left out.
"""

import pytest

from tests.browser.public_site import build_demo_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (320, 390, 768, 1280, 1440)

BROKEN_WORDS_JS = r"""
() => {
  const hidden = (element) => {
    for (let e = element; e && e !== document.documentElement; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden') return true;
      if (e.classList.contains('visually-hidden') || e.classList.contains('skip-link')) return true;
    }
    return false;
  };
  const lineWidth = (element) => {
    let block = element;
    while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
    const style = getComputedStyle(block);
    return block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  const lines = (range) => {
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    rects.sort((a, b) => a.top - b.top);
    const result = [];
    for (const r of rects) {
      const last = result[result.length - 1];
      // A new line when it starts below the middle of the previous line box.
      if (!last || r.top > last.top + last.height / 2) result.push({top: r.top, height: r.height});
    }
    return result.length;
  };
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest('svg, script, style, noscript') || hidden(element)) continue;
    const text = node.data;
    for (const match of text.matchAll(/\S+/g)) {
      const word = match[0];
      range.setStart(node, match.index);
      range.setEnd(node, match.index + word.length);
      if (lines(range) < 2) continue;
      // Where it breaks: the characters at which a new line begins.
      const breaks = [];
      let previousTop = null;
      for (let i = 0; i < word.length; i++) {
        range.setStart(node, match.index + i);
        range.setEnd(node, match.index + i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.height === 0) continue;
        if (previousTop !== null && rect.top > previousTop + rect.height / 2) breaks.push(i);
        previousTop = rect.top;
      }
      range.setStart(node, match.index);
      range.setEnd(node, match.index + word.length);
      const width = [...range.getClientRects()].reduce((sum, r) => sum + r.width, 0);
      broken.push({
        word,
        breaks,
        width: Math.round(width),
        line: Math.round(lineWidth(element)),
        where: element.tagName.toLowerCase() + (element.className ? '.' + element.className : ''),
      });
    }
  }
  return broken;
}
"""

ADDRESS_MARKS = ("/", "www.", "://")


def allowed(item):
    word, breaks = item["word"], item["breaks"]
    if item["width"] > item["line"]:
        return True  # wider than its whole line: it cannot fit unbroken
    for i in breaks:
        before = word[i - 1]
        if before in "-\u2010\u2011\u2013\u2014":
            continue  # after a hyphen or dash of its own
        if any(mark in word for mark in ADDRESS_MARKS) and (before in "/." or word[i] in "/."):
            continue  # an address, at a separator
        return False
    return True


def pages(site):
    slug, demo, country = site["slug"], site["demo_slug"], site["country"]
    return {
        "home": "/",
        "alert list": "/alerts/",
        "alert": f"/alerts/{slug}/",
        "demo alert": f"/alerts/{demo}/",
        "versions": f"/alerts/{slug}/versions/",
        "country": f"/countries/{country}/",
    }


def test_no_word_is_broken_and_no_page_scrolls_sideways(browser, live_server, reference_data):
    site = build_demo_site()
    failures = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            for name, path in pages(site).items():
                page.goto(live_server.url + path)
                page.evaluate("document.fonts.ready")
                broken = [b for b in page.evaluate(BROKEN_WORDS_JS) if not allowed(b)]
                for item in broken[:5]:
                    failures.append(
                        f"{width} px, {name}: {item['word']!r} broken at {item['breaks']} "
                        f"in <{item['where']}> ({item['width']} px in a {item['line']} px line)"
                    )
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                inner_width = page.evaluate("window.innerWidth")
                if scroll_width > inner_width:
                    failures.append(f"{width} px, {name}: {scroll_width} px wide, scrolls sideways")
        finally:
            context.close()
    assert not failures, "\n".join(failures)


def test_the_checker_sees_a_broken_word(page, live_server, reference_data):
    """A word forced to break inside is reported; one wider than its line is not."""
    build_demo_site()
    page.goto(live_server.url + "/")
    page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.style.cssText = 'width: 9em; word-break: break-all';
            p.textContent = 'Countries at the stage of persecution and extermination';
            document.querySelector('main').append(p);
        }"""
    )
    # (The CSP blocks style attributes in markup, not styles set through the CSSOM.)
    broken = page.evaluate(BROKEN_WORDS_JS)
    assert [b for b in broken if not allowed(b)], broken


def test_chart_labels_are_legible_on_a_phone(browser, live_server, reference_data):
    """The stage history chart's labels render at 12 px or more on a 390 px screen."""
    site = build_demo_site()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/countries/{site['country']}/")
        sizes = page.evaluate(
            """() => {
                const svg = document.querySelector('.stage-chart-svg');
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return [...svg.querySelectorAll('text')].map(
                    t => parseFloat(t.getAttribute('font-size')) * scale);
            }"""
        )
    finally:
        context.close()
    assert sizes, "the chart has no labels"
    assert min(sizes) >= 12, f"chart labels render at {min(sizes):.1f} px"
