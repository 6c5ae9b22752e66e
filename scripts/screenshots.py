"""Screenshots of the public pages at the widths readers use, for looking at the design.

    make screenshots            (or: .venv/bin/python scripts/screenshots.py [OUT_DIR])

Builds a throwaway SQLite database in a temporary folder (migrate, then ``load_demo``
with DEMO_MODE on, so the demo alert is published), serves it with ``runserver`` on a
free loopback port, and has Playwright drive Debian's Chromium (CHROMIUM_PATH, default
/usr/bin/chromium) over the home, alert list, alert, versions and country pages at
320, 390, 768, 1280 and 1440 px. Full-page PNGs go to screenshots/ (git-ignored) as
<page>-<width>.png. Nothing outside the temporary folder and OUT_DIR is touched.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (320, 390, 768, 1280, 1440)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main(out_dir):
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="alerts-screenshots-") as tmp:
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DEBUG": "true",
            "DEMO_MODE": "true",
        }
        env.pop("REDIS_URL", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--no-input", "-v", "0"], ["load_demo"]):
            subprocess.run(manage + command, env=env, cwd=ROOT, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            manage + ["runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            home = wait_for(base + "/")
            alert = re.search(r'href="(/alerts/[^/"?]+/)"', home).group(1)
            country = re.search(r'href="(/countries/[^/"?]+/)"', home).group(1)
            pages = {
                "home": "/",
                "alert-list": "/alerts/",
                "alert": alert,
                "versions": alert + "versions/",
                "country": country,
            }
            executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
                )
                for width in WIDTHS:
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    page = context.new_page()
                    for name, path in pages.items():
                        page.goto(base + path)
                        page.evaluate("document.fonts.ready")
                        target = out_dir / f"{name}-{width}.png"
                        page.screenshot(path=target, full_page=True)
                        sys.stdout.write(f"{target}\n")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "screenshots")
