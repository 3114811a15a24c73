"""The HTML report in a real browser: headless Chromium opens it from file:// without errors.

Needs the Debian packages `chromium` and `chromium-driver` (`.ci/run` installs them). The
screenshot lands in build/test-artifacts/report.png for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import REPO
from readiness.render import html
from render_samples import sample_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "build" / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent: apt-get install chromium chromium-driver",
    ),
]


def test_report_opens_in_headless_chromium(tmp_path: Path) -> None:
    """From file://: no console error, the verdict banner and the SVG charts are displayed
    with a real size, nothing overflows the page sideways; a screenshot is saved."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    page = tmp_path / "report.html"
    page.write_text(html.render(sample_report(tmp_path / "project")), encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1366,900",
        "--hide-scrollbars",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.get(page.as_uri())
        banner = driver.find_element(By.ID, "verdict")
        assert banner.is_displayed()
        assert banner.size["height"] > 0
        assert "NO-GO" in banner.text
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) >= 4
        shown = [c for c in charts if c.is_displayed() and c.size["width"] > 200]
        assert len(shown) == len(charts)
        assert all(c.size["height"] > 50 for c in shown)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1366, "the page scrolls sideways"
        log = driver.get_log("browser")  # type: ignore[no-untyped-call]  # selenium: untyped
        errors = [e for e in log if e["level"] in ("SEVERE", "WARNING")]
        assert errors == []
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1366, min(int(height) + 40, 8000))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "report.png"))
        shutil.copyfile(page, ARTIFACTS / "report.html")
    finally:
        driver.quit()
