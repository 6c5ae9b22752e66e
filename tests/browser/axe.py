"""axe-core in a real page: the accessibility checker the browser tests run.

axe-core is an npm package installed next to this file (``npm ci`` in tests/browser,
see package.json). Locally a missing install skips the accessibility tests; in CI
(``CI=true``) it fails them, like a missing Chromium.
"""

import os
from pathlib import Path

import pytest

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_source():
    if not AXE_JS.is_file():
        message = f"axe-core is not installed at {AXE_JS} (run `npm ci` in tests/browser)"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message}; accessibility tests must run in CI.", pytrace=False)
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, source):
    """Run every axe rule (WCAG 2.x A and AA, and best practices) on the page as it is.

    The script is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so the policy stays on while axe runs.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary),
            }));
        }"""
    )


def describe(violations):
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)
