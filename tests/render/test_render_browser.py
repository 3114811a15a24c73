"""The HTML report in a real browser: headless Chromium opens it from file:// without errors.

Needs the Debian packages `chromium` and `chromium-driver` (`.ci/run` installs them). The
screenshot lands in build/test-artifacts/report.png for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import ARTIFACTS, BROWSER_MARKS, driver
from readiness.render import html
from render_samples import sample_report

pytestmark = BROWSER_MARKS
_driver = driver


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample report written to a file."""
    root = tmp_path_factory.mktemp("browser")
    path = root / "report.html"
    path.write_text(html.render(sample_report(root / "project")), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1400, 800])
def test_report_opens_in_headless_chromium(page: Path, tmp_path: Path, width: int) -> None:
    """From file://, at 1400 and 800 px: no console error (the CSP lets the page's own script
    run), the banner says the verdict in words, every chart is displayed with a real size and
    draws a threshold line, nothing overflows the page sideways; a screenshot is saved."""
    from selenium.webdriver.common.by import By

    driver = _driver(tmp_path, width)
    try:
        driver.get(page.as_uri())
        banner = driver.find_element(By.ID, "verdict")
        assert banner.is_displayed()
        assert banner.size["height"] > 0
        assert "NO-GO" in banner.text
        assert "Not ready for internal testing: 3 blockers to clear first." in banner.text
        assert "exit code" not in banner.text.lower()
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) == 4
        shown = [c for c in charts if c.is_displayed() and c.size["width"] > 200]
        assert len(shown) == len(charts)
        assert all(c.size["height"] > 50 for c in shown)
        for chart in charts:
            lines = chart.find_elements(By.CSS_SELECTOR, "line.threshold")
            title = chart.get_attribute("aria-label")
            assert lines, f"chart {title!r} draws no threshold"
            assert all(ln.rect["width"] > 0 or ln.rect["height"] > 0 for ln in lines), title
        width_used = driver.execute_script("return document.documentElement.scrollWidth")
        assert width_used <= width, "the page scrolls sideways"
        assert driver.find_element(By.CSS_SELECTOR, "input.filter").is_displayed()  # script ran
        log = driver.get_log("browser")
        errors = [e for e in log if e["level"] in ("SEVERE", "WARNING")]
        assert errors == []
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height) + 40, 8000))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / f"report-{width}.png"))
        shutil.copyfile(page, ARTIFACTS / "report.html")
    finally:
        driver.quit()


def _column(driver: Any, table_id: str, col: int) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [r.find_elements(By.TAG_NAME, "td")[col].text.strip() for r in rows if r.is_displayed()]


def test_tables_sort_by_a_clicked_header_and_filter_by_typed_text(
    page: Path, tmp_path: Path
) -> None:
    """Clicking "Observed" sorts the criteria by value, numbers as numbers and the empty value
    last; a second click reverses; "Status" puts the worst first; typing in a filter box leaves
    only the matching rows."""
    from selenium.webdriver.common.by import By

    driver = _driver(tmp_path, 1400)
    try:
        driver.get(page.as_uri())
        header = driver.find_element(By.XPATH, "//table[@id='t-criteria']//th[4]")
        header.click()
        observed = _column(driver, "t-criteria", 3)
        assert header.get_attribute("aria-sort") == "ascending"

        def number(text: str) -> float:
            return float(text.split(maxsplit=1)[0].rstrip("%").replace(",", ""))

        values = [number(v) for v in observed if v != "-"]
        assert values == sorted(values)
        assert values[-1] == 520  # 520 /s, not "97.561%" as text would sort
        assert observed[-1] == "-"  # the N/A criterion has no value
        header.click()
        again = [number(v) for v in _column(driver, "t-criteria", 3) if v != "-"]
        assert again == sorted(values, reverse=True)
        driver.find_element(By.XPATH, "//table[@id='t-criteria']//th[1]").click()
        statuses = [s.split()[0] for s in _column(driver, "t-criteria", 0)]
        assert statuses[:3] == ["FAIL", "WARN", "WAIVED"] and statuses[-1] == "N/A"
        box = driver.find_element(By.CSS_SELECTOR, "input.filter[data-table='t-criteria']")
        box.send_keys("latency")
        titles = [t.split("\n")[0] for t in _column(driver, "t-criteria", 1)]
        assert titles == ["Order entry p99 latency details", "Aggregate p99 latency details"]
    finally:
        driver.quit()
