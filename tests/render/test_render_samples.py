"""The sample report of render_samples.py, which every renderer test and golden file reads."""

from __future__ import annotations

from pathlib import Path

from render_samples import sample_report


def test_sample_report_is_built_by_the_real_pipeline(tmp_path: Path) -> None:
    """The sample exercises every status the renderers must show: FAIL, WARN, WAIVED, N/A, ..."""
    report = sample_report(tmp_path)
    statuses = {r.key: r.status for r in report.verdict.results}
    assert report.verdict.verdict.value == "NO-GO"
    assert statuses["tests.pass-rate"] == "WARN"
    assert statuses["tests.no-errors"] == "FAIL"
    assert statuses["tests.launch-only"] == "N/A"
    assert statuses["security.no-high"] == "WAIVED"
    assert statuses["performance.orders-p99"] == "PASS"
    assert report.verdict.next_stage == "public"
    assert report.verdict.next_stage_blockers
    assert report.generated_at == "2025-12-06T05:46:40Z"
