"""The HTML report: self-contained, escaped, complete, truncated where lists are long."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from readiness.render import html
from render_samples import XSS_FINDING, XSS_TEST, sample_report


@pytest.fixture
def page(tmp_path: Path) -> str:
    """The HTML report of the sample project."""
    return html.render(sample_report(tmp_path))


def test_untrusted_test_names_and_findings_are_escaped(page: str) -> None:
    """A hostile test name and finding message appear as text, never as markup."""
    assert XSS_TEST not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert XSS_FINDING not in page
    assert "<img" not in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_the_page_is_self_contained(page: str) -> None:
    """No script, stylesheet link, image or URL the browser would fetch; a CSP forbids them."""
    assert "<link" not in page
    assert "<img" not in page
    assert "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in page
    assert page.count("<svg") >= 5  # four load charts and two findings bar charts


def test_verdict_banner_blockers_and_conditions_come_first(page: str) -> None:
    """The banner says NO-GO, then what blocks it and the conditions, before any table."""
    banner = page.index('class="banner nogo"')
    blockers = page.index("Blocking (3)")
    conditions = page.index("Conditions (5)")
    first_table = page.index("<table")
    assert banner < blockers < conditions < first_table
    assert "tests.no-errors: FAIL - 1 vs == 0" in page
    assert "To reach public testing" in page
    assert "18.5 ms would not meet &lt;= 10 ms at public" in page


def test_each_criterion_shows_status_value_threshold_evidence_and_waiver(page: str) -> None:
    """Status badge, observed value, threshold and warn band, short sha with the full one in
    a title, and the waiver's approver, role and expiry."""
    assert '<span class="badge warn">WARN</span>' in page
    assert "97.561%" in page
    assert "warn &gt;= 90%" in page
    full = re.search(r'title="sha256:([0-9a-f]{64})">build/junit/results.xml', page)
    assert full is not None
    assert f'<span class="muted">{full[1][:12]}</span>' in page
    assert "A. Chen (security)" in page
    assert "applied, until 2026-12-20" in page
    assert '<span class="badge mode">shadow</span>' in page
    assert '<span class="badge na">N/A</span>' in page


def test_load_test_charts_and_percentile_table(page: str) -> None:
    """Latency, throughput, failure and user charts with axes and labels; a threshold line;
    the per-endpoint percentile table."""
    for title in ("Response time percentiles", "Throughput", "Failures", "Concurrent users"):
        assert f"matching-load: {title}" in page
    assert ">elapsed time<" in page
    assert ">p99 &lt;= 30 ms<" in page  # the aggregate p99 criterion drawn as a reference line
    assert '<th class="num">p99.9 ms</th>' in page
    assert "DELETE /orders/{id}" in page
    assert "HTTPError(&#39;503 Server Error&#39;)" in page


def test_governance_sections_render_when_present(page: str, tmp_path: Path) -> None:
    """Sign-offs, risks and findings by criterion show when `extra` has them, and only then."""
    assert 'id="signoffs"' in page
    assert '<span class="badge missing">missing</span>' in page
    assert "R-07" in page
    assert "freeze the rebate strategy" in page
    assert "accepted by R. Okafor (release-manager) until 2026-01-31" in page
    bare = html.render(sample_report(tmp_path / "bare", extra=False))
    assert 'id="signoffs"' not in bare
    assert 'id="risks"' not in bare
    assert "Rebate system exploited by wash trading</td>" not in bare


def test_long_failing_test_lists_are_truncated_with_a_count(tmp_path: Path) -> None:
    """1,200 failing tests show the first 50 and say how many more there are."""
    page = html.render(sample_report(tmp_path, failing=1200))
    assert page.count("test_accrue_") == html.MAX_TESTS - 1  # the error case comes first
    assert "&hellip; and 1151 more (see the JSON report)" in page


def test_criteria_with_many_evidence_files_link_to_the_full_list(tmp_path: Path) -> None:
    """A check with five files shows two in each criterion row and links to the Evidence
    section, which lists all five with their hashes."""
    page = html.render(sample_report(tmp_path, shards=4))
    assert page.count('<a href="#ev-unit-tests">&hellip; and 3 more</a>') == 5
    evidence = page[page.index('<tr id="ev-unit-tests">') :]
    evidence = evidence[: evidence.index("</tr>")]
    assert evidence.count('title="sha256:') == 5


def test_table_numbers_are_rounded_for_reading() -> None:
    """Counts get thousands separators; measurements keep up to three decimals (a microsecond
    in milliseconds), fewer as they grow."""
    values = (47099, 3189.387, 828.716505, 28.63564, 4.055, 1.9, 0.78412, 0)
    assert [html.fmt_number(v) for v in values] == [
        "47,099",
        "3,189",
        "828.7",
        "28.64",
        "4.055",
        "1.9",
        "0.784",
        "0",
    ]
    assert html.fmt_number(None) == "-"
    assert html.fmt_number(4.25, "ms") == "4.25 ms"


def test_missing_evidence_renders(tmp_path: Path) -> None:
    """With an evidence file gone, criteria are MISSING, the page still renders and says why."""
    page = html.render(sample_report(tmp_path, remove=("build/junit/results.xml",)))
    assert '<span class="badge missing">MISSING</span>' in page
    assert "no evidence file matches build/junit/*.xml" in page
    assert 'id="tests"' not in page


def test_footer_has_generation_time_and_version_from_the_report(page: str) -> None:
    """The footer's time and version are the report's, so two renderings are identical."""
    assert "Generated 2025-12-06T05:46:40Z by readiness 0.0.0+golden" in page


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    """The same report renders to the same bytes."""
    report = sample_report(tmp_path)
    assert html.render(report) == html.render(report)


def test_render_modules_do_not_import_jinja_until_used() -> None:
    """Importing every renderer and rendering JSON never imports jinja2 (evaluate's budget)."""
    code = (
        "import sys\n"
        "import readiness.render.formats, readiness.render.html, readiness.render.markdown\n"
        "import readiness.render.github, readiness.render.junitxml, readiness.render.notes\n"
        "import readiness.render.svg\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'markupsafe',"
        " 'junitparser')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "[]"
