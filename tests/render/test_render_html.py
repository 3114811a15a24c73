"""The HTML report: self-contained, escaped, complete, truncated where lists are long."""

from __future__ import annotations

import base64
import hashlib
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


def _own_script_removed(page: str) -> str:
    """The page without its one constant script (which must be there exactly once)."""
    own = f"<script>{html.script()}</script>"
    assert page.count(own) == 1
    return page.replace(own, "")


def _table(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def test_untrusted_test_names_and_findings_are_escaped(page: str) -> None:
    """A hostile test name and finding message appear as text, never as markup."""
    rest = _own_script_removed(page)
    assert XSS_TEST not in rest
    assert "<script" not in rest
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.replace("<wbr>", "")
    assert XSS_FINDING not in page
    assert "<img" not in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_the_page_is_self_contained(page: str) -> None:
    """No stylesheet link, image or URL the browser would fetch; the CSP forbids them and
    allows exactly the page's own script, by its hash."""
    assert "<link" not in page
    assert "<img" not in page
    assert "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}
    digest = base64.b64encode(hashlib.sha256(html.script().encode()).digest()).decode()
    assert (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'\""
    ) in page
    _own_script_removed(page)
    assert page.count("<svg") == 4  # three load charts and the SAST scan's severity bars


def test_the_banner_says_the_verdict_in_words_and_blockers_come_first(page: str) -> None:
    """The banner says NO-GO and what it means, with no exit code; then what blocks it and the
    conditions, before the criteria table."""
    banner = page.index('class="banner nogo"')
    blockers = page.index("What blocks the release (3)")
    conditions = page.index("Conditions (5)")
    criteria = page.index('id="t-criteria"')
    assert banner < blockers < conditions < criteria
    assert "Not ready for internal testing: 3 blockers to clear first." in page
    assert "exit code" not in page.lower()
    assert "10 criteria evaluated &middot; owner R. Okafor" in page


def test_blockers_are_short_items_with_the_detail_a_click_away(page: str) -> None:
    """Each blocker: a title (not an id), where it stands against its threshold, who acts and
    what to do; the engineering line (metric, evidence, sha256) folded in `<details>`."""
    table = _table(page, "blockers")
    rows = table.split("<tr class=")[1:]
    assert len(rows) == 3
    first = rows[0]
    assert '<b>No test errors</b> <span class="state">not met</span>' in first
    assert '<td class="value">1 vs = 0</td>' in first
    assert "<td>tests</td>" in first
    assert "<td>bring it to = 0 and re-run check unit-tests</td>" in first
    details = first[first.index("<details") : first.index("</details>")]
    assert "tests.no-errors: FAIL - 1 vs == 0 - metric unit-tests.errors" in details
    assert "build/junit/results.xml" in details
    assert '<b>Sign-off of compliance</b> <span class="state">not given</span>' in rows[1]
    assert "ask compliance to sign off version 2026.12.0" in rows[1]
    assert "make its verifying criteria pass (No test errors)" in rows[2]


def test_next_stage_items_use_that_stages_thresholds(page: str) -> None:
    """What blocks public testing is listed against public testing's thresholds, folded."""
    table = _table(page, "next")
    assert "To reach public testing (2)" in page
    assert "18.5 ms vs ≤ 10 ms (gap 8.5 ms)" in table
    assert "97.561% vs = 100% (gap 2.439%)" in table
    assert "bring it to ≤ 10 ms before public testing, then re-run check matching-load" in table


def test_failing_gates_and_criteria_come_first(page: str) -> None:
    """Gates are listed NO-GO first, criteria by status (worst first), then by gate."""
    gates = re.findall(r'<a class="gate (\w+)"', page)
    assert gates == ["nogo", "cond", "go"]
    table = _table(page, "t-criteria")
    statuses = re.findall(r'<tr class="row-([a-z]+)', table)
    assert statuses == ["fail", "warn", "waived"] + ["pass"] * 8 + ["na"]
    titles = re.findall(r'<span class="crit-title">([^<]+)</span>', table)
    assert titles[:4] == [
        "No test errors",
        "Test pass rate",
        "No high-severity findings",
        "Flaky tests",
    ]


def test_each_criterion_shows_status_value_threshold_evidence_and_waiver(page: str) -> None:
    """Status badge, observed value, threshold and warn band, the next stage's threshold, the
    short sha with the full one in a title, and the waiver's approver, role and expiry."""
    assert '<span class="badge warn">WARN</span>' in page
    assert "97.561%" in page
    assert "warning band ≥ 90%" in page
    assert (
        '<span class="badge fail">FAIL</span> = 100% '
        '<span class="muted small">at public testing, gap 2.439%'
    ) in page
    full = re.search(r'title="sha256:([0-9a-f]{64})">build/junit/results.xml', page)
    assert full is not None
    assert f'<span class="muted">{full[1][:12]}</span>' in page
    assert "A. Chen (security) until 20 Dec 2026" in page
    assert '<span class="badge mode">shadow</span>' in page
    assert '<span class="badge na">N/A</span>' in page


def test_dates_read_as_dates_and_ids_never_break_mid_word(page: str) -> None:
    """Timestamps and days are written for people (`6 Dec 2025, 05:46 UTC`, `5 Dec 2025`);
    the stylesheet breaks no word anywhere, only long tokens get break opportunities after a
    separator, and short ones (`compliance`, `2026.12.0`) none."""
    assert '<time datetime="2025-12-06T05:46:40Z">6 Dec 2025, 05:46 UTC</time>' in page
    assert "6 Dec 2025, 05:46 UTC</p>" in page  # in the banner
    assert '<td class="nowrap">5 Dec 2025</td>' in page
    assert "T23:59" not in page
    assert "overflow-wrap: anywhere" not in page
    assert "word-break: break-all" not in page
    assert str(html.breakable("compliance 2026.12.0")) == "compliance 2026.12.0"
    assert str(html.breakable("tests/test_ledger.py::TestAccrual::test_accrue_0")) == (
        "tests/<wbr>test_<wbr>ledger.<wbr>py::<wbr>TestAccrual::<wbr>test_<wbr>accrue_<wbr>0"
    )
    assert str(html.breakable("<b>" + "x" * 30)) == "&lt;b&gt;" + "x" * 30


def test_load_charts_draw_both_stages_thresholds_and_shade_the_ramp_up(page: str) -> None:
    """Response time, throughput and failed-request charts, legends in words with units, each
    criterion's threshold at this stage (red) and the next (grey) when it differs, the ramp-up
    shaded; failures as a percentage of requests, not a flat count per second."""
    charts = re.findall(r"<svg [^>]*class=\"chart\".*?</svg>", page)
    assert [re.search(r"<title>([^<]+)</title>", c)[1] for c in charts] == [  # type: ignore[index]
        "Response time",
        "Throughput",
        "Failed requests",
    ]
    latency, throughput, failures = charts
    assert ">median (ms)<" in latency and ">99th percentile (ms)<" in latency
    assert "hdr_p50" not in page and ">p99<" not in latency
    lines = dict(
        re.findall(r'<line class="(threshold[^"]*)"[^>]*><title>([^<]+)</title>', latency)[i][::-1]
        for i in range(3)
    )
    assert lines == {
        "Order entry p99 latency ≤ 25 ms": "threshold",
        "Aggregate p99 latency ≤ 30 ms": "threshold",
        "Order entry p99 latency ≤ 10 ms": "threshold next",
    }
    assert '<rect class="ramp-up"' in latency and "ramp-up to 200 users" in latency
    assert "<title>Aggregate throughput ≥ 400 /s</title>" in throughput
    assert ">% of requests<" in failures and "<title>Failed requests &lt; 1%</title>" in failures
    assert "Order entry p99 latency ≤ 10 ms (at public testing)" in page  # the caption


def test_tables_for_endpoints_tests_and_findings_sort_and_filter(page: str) -> None:
    """Criteria, failing tests, endpoints and findings are sortable tables, each with a filter
    box that stays hidden unless the script shows it; numbers sort by their value."""
    for table_id in ("t-criteria", "t-tests-1", "t-endpoints-1", "t-findings-1"):
        assert '<table class="sortable' in page[page.index(f'id="{table_id}"') - 40 :][:80]
        assert f'<input type="search" class="filter" data-table="{table_id}"' in page
    assert '<td class="num" data-sort="96000.0">96,000</td>' in page
    assert '<th class="num">p99.9 ms</th>' in page
    assert "DELETE /orders/{id}" in page
    assert "HTTPError(&#39;503 Server Error&#39;)" in page


def test_identical_findings_are_grouped_and_bars_draw_the_budget(page: str) -> None:
    """Two identical B311 findings are one row counted 2 with both locations; the severity
    bars are coloured by severity and the high and critical bars carry their budget."""
    table = _table(page, "t-findings-1")
    assert table.count("B311") == 1
    row = table[table.index("B311") :]
    row = row[: row.index("</tr>")]
    assert '<td class="num">2</td>' in row
    assert "src/app_2.py:12" in row and "src/app_3.py:13" in row
    bars = re.search(r'<svg [^>]*class="chart bars".*?</svg>', page)
    assert bars is not None
    assert 'fill="#C62828"' in bars[0] and 'fill="#0072B2"' in bars[0]
    assert bars[0].count('<line class="threshold"') == 2
    assert "<title>budget = 0</title>" in bars[0]


def test_governance_sections_render_when_present(page: str, tmp_path: Path) -> None:
    """Sign-offs, risks and findings by criterion show when `extra` has them, and only then;
    a stale sign-off says what stale means."""
    assert 'id="signoffs"' in page
    assert '<span class="badge missing">missing</span>' in page
    assert "signed before the evidence it relies on was produced" in page
    assert "R-07" in page
    assert "freeze the rebate strategy" in page
    assert "accepted by R. Okafor (release-manager) until 31 Jan 2026" in page
    bare = html.render(sample_report(tmp_path / "bare", extra=False))
    assert 'id="signoffs"' not in bare
    assert 'id="risks"' not in bare
    assert "Rebate system exploited by wash trading</td>" not in bare


def test_long_failing_test_lists_are_truncated_with_a_count(tmp_path: Path) -> None:
    """1,200 failing tests show the first 50 and say how many more there are."""
    page = html.render(sample_report(tmp_path, failing=1200))
    shown = page.replace("<wbr>", "")
    assert shown.count("test_accrue_") == html.MAX_TESTS - 1  # the error case comes first
    assert "+1151 more (see the JSON report)" in page


def test_criteria_with_many_evidence_files_list_them_or_say_how_many_more(tmp_path: Path) -> None:
    """A check with five files lists them all in each criterion's details (up to six, then
    "+N more" linking to the Evidence section, which lists every file with its hash)."""
    page = html.render(sample_report(tmp_path, shards=4))
    table = _table(page, "t-criteria")
    row = table[table.index("No test errors") :]
    row = row[: row.index("</tr>")]
    assert row.count('title="sha256:') == 5
    page = html.render(sample_report(tmp_path / "more", shards=8))
    assert page.count('<a href="#ev-unit-tests">+3 more files</a>') == 5  # the tests gate
    evidence = page[page.index('<tr id="ev-unit-tests">') :]
    evidence = evidence[: evidence.index("</tr>")]
    assert evidence.count('title="sha256:') == 9


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
    """With an evidence file gone, criteria are MISSING, the page still renders and says why,
    and the blocker says what to do."""
    page = html.render(sample_report(tmp_path, remove=("build/junit/results.xml",)))
    assert '<span class="badge missing">MISSING</span>' in page
    assert "no evidence file matches build/junit/*.xml" in page
    assert "produce the evidence of check unit-tests and evaluate again" in page
    assert 'id="tests"' not in page


def test_footer_has_generation_time_and_version_from_the_report(page: str) -> None:
    """The footer's time and version are the report's, so two renderings are identical."""
    assert (
        'Generated <time datetime="2025-12-06T05:46:40Z">6 Dec 2025, 05:46 UTC</time> by '
        "readiness 0.0.0+golden"
    ) in page


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
