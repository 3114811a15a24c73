"""The format registry: every format renders, names and file names are as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from helpers import REPO
from readiness.errors import UsageError
from readiness.render import formats
from readiness.report import Report
from render_samples import sample_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The sample report, built once for the module."""
    return sample_report(tmp_path_factory.mktemp("formats"))


def test_registry_covers_exactly_the_format_names() -> None:
    """`FORMATS` has one entry per `Format` name, with the documented default file names."""
    assert tuple(formats.FORMATS) == get_args(formats.Format) == formats.NAMES
    assert {name: spec[0] for name, spec in formats.FORMATS.items()} == {
        "json": "report.json",
        "html": "report.html",
        "markdown": "report.md",
        "junit": "readiness-junit.xml",
        "notes": "LAUNCH_NOTES.md",
    }


@pytest.mark.parametrize("name", formats.NAMES)
def test_every_format_renders_a_sample(report: Report, name: formats.Format) -> None:
    """Each format renders the sample to a non-empty text ending in a newline, the same through
    the registry entry as through `render`."""
    text = formats.render(report, name)
    assert text.strip()
    assert text.endswith("\n")
    assert formats.FORMATS[name][1](report) == text
    if name == "json":
        assert json.loads(text)["verdict"] == "NO-GO"


def test_unknown_format_names_are_usage_errors() -> None:
    """A misspelt `--format` exits 2 with the list of known formats."""
    assert formats.parse("junit") == "junit"
    with pytest.raises(UsageError, match=r'unknown report format "xml" \(known: json, html'):
        formats.parse("xml")


def test_write_all_writes_each_requested_file_once(report: Report, tmp_path: Path) -> None:
    """Files land in the report directory under their default names, duplicates ignored."""
    written = formats.write_all(report, tmp_path / "out", ["html", "junit", "html"])
    assert list(written) == ["html", "junit"]
    assert written["html"] == tmp_path / "out" / "report.html"
    assert written["junit"].read_text(encoding="utf-8").startswith("<?xml")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "readiness-junit.xml",
        "report.html",
    ]


def test_write_all_passes_the_notes_template_on(report: Report, tmp_path: Path) -> None:
    """`--template` reaches the launch notes through the registry."""
    tpl = tmp_path / "notes.j2"
    tpl.write_text("{{ release.version }}: {{ verdict }}\n", encoding="utf-8")
    written = formats.write_all(report, tmp_path / "out", ["notes"], notes_template=tpl)
    assert written["notes"].name == "LAUNCH_NOTES.md"
    assert written["notes"].read_text(encoding="utf-8") == "2026.12.0: NO-GO\n"


def test_a_failing_format_writes_nothing(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If one format fails to render, no file of the set is written (no stale mix)."""
    from readiness.render import html

    def boom(_report: Report) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(html, "render", boom)
    with pytest.raises(RuntimeError, match="renderer bug"):
        formats.write_all(report, tmp_path / "out", ["json", "html"])
    assert not (tmp_path / "out").exists()


def test_json_through_the_registry_does_not_import_jinja(tmp_path: Path) -> None:
    """`--format json` alone never imports jinja2 or junitparser."""
    code = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from pathlib import Path\n"
        "from render_samples import sample_report\n"
        "from readiness.render import formats\n"
        f"formats.render(sample_report(Path({str(tmp_path)!r})), 'json')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'junitparser')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_problems_total_counts_every_failing_case_not_the_kept_ones() -> None:
    """The JSON record of a run with 1,565 failing cases says 1,565, though 1,000 are kept."""
    from readiness.render import view
    from readiness.report import Evidence, TestCase, TestRun

    kept = tuple(TestCase(f"t::c{i}", "failed") for i in range(1000))
    run = TestRun(
        tests=100_000,
        passed=98_435,
        failed=1_500,
        errors=65,
        skipped=0,
        flaky=0,
        duration_s=1.0,
        problems=kept,
    )
    data = view.record_dict(Evidence("unit-tests", "junit", "ok", record=run))
    assert data is not None
    assert data["problems_total"] == 1565
    assert len(data["problems"]) == 200
