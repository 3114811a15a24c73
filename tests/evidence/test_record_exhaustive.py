"""Every registered evidence kind yields metrics, and every record type is handled: the
registry, the records, `metrics.from_record` and `metrics.CATALOGUE` agree."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, REPO
from readiness import units
from readiness.errors import PluginError
from readiness.evidence import gather, registry
from readiness.evidence.records import RECORD_TYPES, TestRun
from readiness.metrics import CATALOGUE, from_record, pattern_of

# One small valid evidence file (or run) per built-in kind, taken from the fixtures and examples.
SAMPLES: dict[str, list[Path]] = {
    "junit": [FIXTURES / "junit" / "jest-junit.xml"],
    "locust": [FIXTURES / "locust" / "stale" / "run.json.json"],
    "sarif": [REPO / "examples" / "scans" / "bandit.sarif"],
    "bandit": [REPO / "examples" / "scans" / "bandit.json"],
    "pip-audit": [REPO / "examples" / "scans" / "pip-audit.json"],
    "trivy": [REPO / "examples" / "scans" / "trivy.json"],
    "gitleaks": [REPO / "examples" / "scans" / "gitleaks.json"],
    "semgrep": [REPO / "examples" / "scans" / "semgrep.json"],
    "zap": [REPO / "examples" / "scans" / "zap.json"],
    "signoffs": [REPO / "signoffs" / "2026.12-options-launch.yaml"],
}


def test_every_builtin_kind_has_a_sample() -> None:
    """A kind added to the registry without a sample here fails, so the next test covers it."""
    assert sorted(SAMPLES) == sorted(registry.BUILTIN)


@pytest.mark.parametrize("kind", sorted(registry.BUILTIN))
def test_every_registered_kind_yields_metrics_with_catalogued_units(
    kind: str, tmp_path: Path
) -> None:
    """A valid file of each kind, read through the registry, gives a record of the type the
    adapter declares and non-empty metrics, each with the unit the catalogue lists for it."""
    files = [Path(shutil.copy(src, tmp_path / src.name)) for src in SAMPLES[kind]]
    record = gather.read_files(kind, files, tmp_path, {})
    declared = registry.get(kind).record
    assert type(record).__name__ == declared
    metrics = from_record("check", record)
    assert metrics
    catalogue = CATALOGUE[declared]
    for m in metrics:
        assert m.unit in units.KNOWN, m.name
        assert catalogue.get(pattern_of(m.key)) == m.unit, m.name


@pytest.mark.parametrize("kind", sorted(registry.BUILTIN))
def test_every_builtin_kinds_plain_defaults_are_its_params_defaults(
    kind: str, tmp_path: Path
) -> None:
    """A built-in adapter read without options uses its `defaults` (plain data: no pydantic for
    `inspect`): they hold exactly the fields and values of `Params()`, and reading a file with
    them or with `Params()` gives the same record."""
    adapter = registry.get(kind)
    defaults = adapter.defaults  # type: ignore[attr-defined]
    assert dataclasses.asdict(defaults) == adapter.Params().model_dump()
    files = [Path(shutil.copy(src, tmp_path / src.name)) for src in SAMPLES[kind]]
    display = {p: p.name for p in files}
    assert gather.params_of(kind, adapter, {}) is defaults
    assert adapter.read(files, display, defaults) == adapter.read(files, display, adapter.Params())


def test_the_catalogue_covers_exactly_the_record_types() -> None:
    """CATALOGUE has one entry per member of the Record union, each naming keys with units."""
    assert sorted(CATALOGUE) == sorted(t.__name__ for t in RECORD_TYPES)
    assert all(keys and set(keys.values()) <= set(units.KNOWN) for keys in CATALOGUE.values())


class _MislabelledAdapter:
    """A plugin-like adapter that declares LoadStats but returns a TestRun."""

    kind = "mislabelled"
    record = "LoadStats"
    Params = registry.get("junit").Params

    def read(self, files: list[Path], display: dict[Path, str], params: object) -> TestRun:
        return TestRun(tests=1, passed=1, failed=0, errors=0, skipped=0, flaky=0, duration_s=0.0)


class _ForeignAdapter(_MislabelledAdapter):
    """A plugin-like adapter that returns something that is not a record at all."""

    record = "Coverage"

    def read(self, files: list[Path], display: dict[Path, str], params: object) -> TestRun:
        return object()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("adapter", "message"),
    [
        (_MislabelledAdapter, "returned TestRun, not the LoadStats it declares"),
        (_ForeignAdapter, "returned object, not the Coverage it declares"),
    ],
)
def test_an_adapter_returning_another_record_is_a_plugin_error(
    adapter: type[_MislabelledAdapter],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An adapter whose record is not the type it declares, or not a Record, fails to read
    (PluginError naming both), rather than reaching metrics that do not handle it."""
    monkeypatch.setitem(registry.BUILTIN, "mislabelled", f"{__name__}:{adapter.__name__}")
    sample = tmp_path / "a.xml"
    sample.write_text("<testsuite/>", encoding="utf-8")
    with pytest.raises(PluginError, match=message):
        gather.read_files("mislabelled", [sample], tmp_path, {})
