"""Golden files: every report format of the sample project, byte for byte.

The sample is built by the real pipeline with a fixed time and relative paths (see
`render_samples`), so any difference is a change in a renderer. When the change is
intended, rewrite the files and review the diff (tests/render/golden/README.md):

    READINESS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/render/test_render_golden.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from readiness.render import formats
from readiness.report import Report
from render_samples import load_stats, sample_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("READINESS_UPDATE_GOLDEN") == "1"
GOLDEN_NAMES = {
    "json": "report.json",
    "html": "report.html",
    "markdown": "report.md",
    "junit": "readiness-junit.xml",
    "notes": "LAUNCH_NOTES.md",
}


def check_golden(name: str, actual: str) -> None:
    """Compare `actual` with tests/render/golden/`name`, or rewrite the file when updating."""
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), f"no golden file {path}: run READINESS_UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"golden/{name}",
            "rendered",
        )
        shown = "".join(list(diff)[:120])
        pytest.fail(
            f"{name} differs from its golden file (READINESS_UPDATE_GOLDEN=1 to accept):\n{shown}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """The sample report and the directory it was built in."""
    root = tmp_path_factory.mktemp("golden")
    return sample_report(root, load=load_stats(steps=11)), root  # fewer points: small files


@pytest.mark.parametrize("name", formats.NAMES)
def test_format_matches_its_golden_file(report: tuple[Report, Path], name: formats.Format) -> None:
    """Each format renders the sample exactly as its reviewed golden file, with no absolute
    path or machine-specific text in it."""
    rep, root = report
    text = formats.render(rep, name)
    assert str(root) not in text
    assert str(Path.home()) not in text or str(Path.home()) == "/"
    check_golden(GOLDEN_NAMES[name], text)


def test_every_format_has_a_golden_file() -> None:
    """No format is left without a golden file, and no stale golden file lingers."""
    assert set(GOLDEN_NAMES) == set(formats.NAMES)
    on_disk = {p.name for p in GOLDEN.iterdir() if p.name != "README.md"}
    assert on_disk == set(GOLDEN_NAMES.values())
