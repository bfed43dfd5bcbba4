"""Remake README's screenshots from the demo: ``python docs/make_screenshots.py``.

Builds the demo in a temporary SQLite database, serves the app in demo mode on a free port,
signs in as the demo's officer 李明 (``li.ming``, password ``demo``) in Debian's chromium
and saves the work list and a case page to ``docs/screenshots/`` (1366×768 wide, Chinese).
Needs ``apt-get install chromium fonts-wqy-microhei``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "screenshots"
CHROMIUM = os.environ.get("CASEFLOW_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        env = {**os.environ, "CASEFLOW_DATABASE_URL": url, "CASEFLOW_DEMO": "1",
               "CASEFLOW_EVIDENCE_DIR": str(Path(tmp) / "evidence"),
               "CASEFLOW_SECRET_KEY_FILE": str(Path(tmp) / "secret-key")}
        subprocess.run([sys.executable, "-m", "caseflow.entrypoints.cli", "demo"], env=env,
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        os.environ.update(env)
        from caseflow.config import Settings
        from web import create_app

        app = create_app(replace(Settings.from_env(), database_url=url))
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_port}"
        OUT.mkdir(exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
                                         env={**os.environ, "LANG": "zh_CN.UTF-8",
                                              "LANGUAGE": "zh_CN:zh"})
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                    timezone_id="Asia/Shanghai", base_url=base)
            page.goto("/signin")
            page.fill("#username", "li.ming")
            page.fill("#password", "demo")
            page.click("main form button[type=submit]")
            page.goto("/work/")
            page.screenshot(path=str(OUT / "officer-worklist.png"))
            link = page.locator("a[href^='/cases/']").first
            href = link.get_attribute("href") or "/cases/1"
            page.goto(re.sub(r"[?#].*", "", href))
            page.screenshot(path=str(OUT / "case-page.png"))
            browser.close()
        httpd.shutdown()
    print(f"saved {OUT / 'officer-worklist.png'} and {OUT / 'case-page.png'}")


if __name__ == "__main__":
    main()
