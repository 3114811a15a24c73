"""The portfolio page in a real browser: headless Chromium opens it from file:// without errors.

Needs the Debian packages `chromium` and `chromium-driver`. The screenshot lands in
build/test-artifacts/portfolio.png for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import Project, run_cli
from portfolio_helpers import ENV, add_release

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent: apt-get install chromium chromium-driver",
    ),
]


def test_portfolio_page_opens_in_headless_chromium(project: Project, tmp_path: Path) -> None:
    """From file://: no console error; one graph node per release coloured by its verdict, the
    unmet requirement drawn, the risk matrix and release table shown; nothing overflows
    sideways; a screenshot is saved."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    risk = "risks:\n  - {id: R-9, title: Outage, impact: high, likelihood: medium, response: x}\n"
    add_release(project, "limits", failed=1, extra="milestones: {public: 2026-11-20}\n")
    add_release(project, "matching", extra="requires: [{release: limits, stage: mvp}]\n" + risk)
    add_release(
        project,
        "options",
        extra="requires: [{release: matching, stage: internal}, {release: limits, stage: mvp}]\n"
        "milestones: {launch: 2027-03-01}\n",
    )
    out = project.root / "out"
    r = run_cli(["portfolio", "--report-dir", str(out), "--no-record"], project.root, ENV)
    assert r.code == 1, r.err
    page = out / "portfolio.html"
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
        nodes = driver.find_elements(By.CSS_SELECTOR, "svg.graph g.node")
        verdicts = {n.get_attribute("data-release"): n.get_attribute("data-verdict") for n in nodes}
        assert verdicts == {"limits": "NO-GO", "matching": "NO-GO", "options": "NO-GO"}
        graph = driver.find_element(By.CSS_SELECTOR, "svg.graph")
        assert graph.is_displayed() and graph.size["width"] > 300
        assert len(driver.find_elements(By.CSS_SELECTOR, "svg.graph path.edge")) == 3
        assert driver.find_elements(By.CSS_SELECTOR, "svg.graph path.edge.critical")
        rows = driver.find_elements(By.CSS_SELECTOR, "#releases tbody tr")
        assert len(rows) == 3
        assert "late" in rows[0].text
        assert "R-9" in driver.find_element(By.ID, "risk-matrix").text
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1366, "the page scrolls sideways"
        log = driver.get_log("browser")  # type: ignore[no-untyped-call]  # selenium: untyped
        errors = [e for e in log if e["level"] in ("SEVERE", "WARNING")]
        assert errors == []
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1366, min(int(height) + 40, 8000))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "portfolio.png"))
        shutil.copyfile(page, ARTIFACTS / "portfolio.html")
    finally:
        driver.quit()
