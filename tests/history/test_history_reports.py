"""Reports show the trend: three evaluations recorded in-process on SQLite, then the third's
JSON, HTML and Markdown carry its trend points, marks, sparklines, deltas and what changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from browser_helpers import ARTIFACTS, CHROMIUM
from browser_helpers import driver as _driver
from helpers import STANDARD_DEFINITION, Project, junit_xml, make_standard
from readiness.cli import cli

DEF = "definitions/demo.yaml"
E1, E2, E3 = 1795000000, 1795000100, 1795000200
SKIPS = """  - {id: no-skips, title: Nothing skipped, metric: unit-tests.skipped, pass: "== 0",
     mode: advisory}
"""
ENOUGH = """  - {id: enough, title: Enough tests, metric: unit-tests.tests, pass: ">= 10"}
"""


def _evaluate(p: Project, version: str, epoch: int, out: str, *args: str) -> tuple[int, str]:
    p.write(DEF, STANDARD_DEFINITION.replace("1.0.0", version))
    env = {"SOURCE_DATE_EPOCH": str(epoch), "NO_COLOR": "1"}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(p.root)
        result = CliRunner().invoke(cli, ["evaluate", DEF, "--report-dir", out, *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """#1 CONDITIONAL GO (an advisory criterion fails), #2 GO (fixed), #3 NO-GO (an error:
    regressed) with a criterion added (new); the third written twice at one epoch."""
    p = make_standard(Project(tmp_path_factory.mktemp("trends")))
    gate = (p.root / "gates/tests.yaml").read_text(encoding="utf-8")
    p.write("gates/tests.yaml", gate + SKIPS)
    p.write("build/junit/a.xml", junit_xml(passed=50, skipped=2))
    code, out = _evaluate(p, "1.0.0", E1, "r1")
    assert code == 0 and "recorded as evaluation #1" in out
    p.write("build/junit/a.xml", junit_xml(passed=50))
    code, out = _evaluate(p, "1.0.1", E2, "r2")
    assert code == 0 and "recorded as evaluation #2 (baseline #1" in out
    p.write("gates/tests.yaml", gate + SKIPS + ENOUGH)
    p.write("build/junit/a.xml", junit_xml(passed=50, errors=1))
    code, out = _evaluate(p, "1.0.2", E3, "r3")
    assert code == 1 and "recorded as evaluation #3 (baseline #2" in out
    code, out = _evaluate(p, "1.0.2", E3, "r3-again")
    assert code == 1 and "recorded as evaluation #4 (baseline #2" in out
    return p.root


def _read(root: Path, name: str) -> str:
    return (root / "r3" / name).read_text(encoding="utf-8")


def test_json_carries_trend_points_and_marks(three: Path) -> None:
    """Each criterion's points in #1 and #2 (oldest first, with status, value, unit, version,
    date and threshold) and its mark against the baseline #2."""
    data = json.loads(_read(three, "report.json"))
    crit = {c["criterion"]: c for c in data["criteria"]}
    errors = crit["tests.no-errors"]
    assert [(t["evaluation"], t["version"], t["status"], t["value"]) for t in errors["trend"]] == [
        (1, "1.0.0", "PASS", 0),
        (2, "1.0.1", "PASS", 0),
    ]
    assert errors["trend"][0]["threshold"] == "== 0"
    assert errors["trend"][1]["generated_at"] == "2026-11-18T11:08:20Z"
    assert [t["status"] for t in crit["tests.no-skips"]["trend"]] == ["FAIL", "PASS"]
    assert {k: c["mark"] for k, c in crit.items()} == {
        "tests.pass-rate": "unchanged",
        "tests.no-errors": "regressed",
        "tests.no-skips": "unchanged",
        "tests.enough": "new",
    }
    assert "trend" not in crit["tests.enough"]
    second = json.loads((three / "r2/report.json").read_text(encoding="utf-8"))
    assert {c["criterion"]: c["mark"] for c in second["criteria"]}["tests.no-skips"] == "fixed"


def test_html_draws_a_sparkline_per_criterion_with_its_threshold(three: Path) -> None:
    """One trend line per criterion with history (two earlier dots and now, the threshold
    line, a tooltip per dot), the marks, and what changed since the baseline at the top."""
    html = _read(three, "report.html")
    sparks = re.findall(r'<svg[^>]*class="spark"[^>]*data-points="(\d+)"', html)
    assert sparks == ["3", "3", "3"]  # enough is new: no line
    assert html.count('class="now"') == 3
    assert '<line class="threshold"' in html
    assert "#2 1.0.1, 2026-11-18: 0 (PASS)" in html and "now: 1 (FAIL)" in html
    assert '<span class="badge mark-regressed"' in html and '<span class="badge mark-new"' in html
    since = html[html.index('id="since"') : html.index("</section>", html.index('id="since"'))]
    assert "Since the baseline: 1.0.1" in since and "evaluation #2" in since
    assert '<span class="badge go">GO</span> &rarr; <span class="badge nogo">NO-GO</span>' in since
    assert "1 regressed, 0 fixed, 1 new, 2 unchanged" in since
    assert "no-errors" in since and "PASS &rarr; FAIL" in since and "(+1 vs 1.0.1)" in since
    assert html.index('id="since"') < html.index('id="h-blockers"')


def test_markdown_shows_deltas_and_since(three: Path) -> None:
    """Criteria rows show the value with its delta against the baseline, the way test-result
    PR comments do, marked; a short "Since" section says what moved."""
    md = _read(three, "report.md")
    row = next(line for line in md.splitlines() if "| no-errors |" in line)
    assert "| 1 (+1 vs 1.0.1) |" in row and "🔻 regressed" in row
    assert "| 98.039% (-1.961% vs 1.0.1) |" in md  # pass-rate: 50 of 51 now, 50 of 50 then
    assert "### Since 1.0.1 (evaluation #2, 18 Nov 2026, 11:08 UTC)" in md
    assert "✅ GO → ⛔ NO-GO · 1 regressed, 0 fixed, 1 new, 2 unchanged" in md
    assert "- 🔻 **no-errors** regressed: PASS → FAIL (+1 vs 1.0.1)" in md
    assert "- 🆕 **Enough tests** new: PASS" in md


def test_rerun_at_one_epoch_is_byte_identical(three: Path) -> None:
    """The same evaluation rendered twice (the second after the first was recorded): every
    report byte-identical, because trends and baselines are strictly before it."""
    for name in ("report.json", "report.html", "report.md"):
        assert (three / "r3" / name).read_bytes() == (three / "r3-again" / name).read_bytes()


def test_first_evaluation_has_no_history_section(three: Path) -> None:
    """The first evaluation found nothing before it: no trend column, no marks, no "Since"."""
    html = (three / "r1/report.html").read_text(encoding="utf-8")
    assert 'class="spark"' not in html and 'id="since"' not in html and "Trend</th>" not in html
    md = (three / "r1/report.md").read_text(encoding="utf-8")
    assert "### Since" not in md and " vs 1." not in md


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent")
def test_trend_report_in_headless_chromium(three: Path, tmp_path: Path) -> None:
    """In a real browser: every trend line is displayed with a real size, its threshold line
    and dots drawn inside it; the "since" section is visible above the blockers; no console
    error; nothing overflows sideways at 1400 and 800 px; screenshots are saved."""
    from selenium.webdriver.common.by import By

    for width in (1400, 800):
        driver = _driver(tmp_path, width)
        try:
            driver.get((three / "r3/report.html").as_uri())
            since = driver.find_element(By.ID, "since")
            assert since.is_displayed() and "GO → NO-GO" in since.text
            assert since.location["y"] < driver.find_element(By.ID, "blockers").location["y"]
            sparks = driver.find_elements(By.CSS_SELECTOR, "svg.spark")
            assert len(sparks) == 3
            for spark in sparks:
                box = spark.rect
                assert spark.is_displayed() and box["width"] >= 90 and box["height"] > 20
                for dot in spark.find_elements(By.TAG_NAME, "circle"):
                    r = dot.rect
                    assert box["x"] <= r["x"] and r["x"] + r["width"] <= box["x"] + box["width"]
                    assert box["y"] <= r["y"] and r["y"] + r["height"] <= box["y"] + box["height"]
                assert spark.find_elements(By.CSS_SELECTOR, "line.threshold")
            marks = [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".badge[class*=mark-]")]
            assert sorted(marks) == ["new", "regressed"]
            scroll = driver.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= width, "the page scrolls sideways"
            errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
            assert errors == []
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, min(int(height) + 40, 8000))
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(ARTIFACTS / f"report-trends-{width}.png"))
        finally:
            driver.quit()


def test_without_a_baseline_it_is_since_the_previous_evaluation(tmp_path: Path) -> None:
    """Only a NO-GO before: no baseline, so the reports say what changed since the previous
    evaluation, and say that it is not a baseline."""
    p = make_standard(Project(tmp_path))
    p.write("build/junit/a.xml", junit_xml(passed=50, errors=1))
    assert _evaluate(p, "1.0.0", E1, "r1")[0] == 1
    p.write("build/junit/a.xml", junit_xml(passed=50))
    code, out = _evaluate(p, "1.0.1", E2, "r2")
    assert code == 0 and "deltas against the previous, #1" in out
    md = (tmp_path / "r2/report.md").read_text(encoding="utf-8")
    assert "### Since the previous evaluation, 1.0.0 (evaluation #1," in md
    assert "⛔ NO-GO → ✅ GO · 0 regressed, 1 fixed, 0 new, 1 unchanged" in md
    assert "- 🔧 **no-errors** fixed: FAIL → PASS (-1 vs 1.0.0)" in md
    html = (tmp_path / "r2/report.html").read_text(encoding="utf-8")
    assert "Since the previous evaluation: 1.0.0" in html
    assert '<span class="badge mark-fixed"' in html
