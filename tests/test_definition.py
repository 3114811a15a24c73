"""Loading definitions, gates and checks: strict models and errors located by file, line, ids."""

from __future__ import annotations

import pytest

from helpers import Project
from readiness.definition import load_project
from readiness.errors import DefinitionError


def problems(project: Project) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_project(project.root / "definitions" / "demo.yaml")
    return info.value.problems


def test_standard_project_loads(standard: Project) -> None:
    """The small valid project loads with its check, gate and criteria."""
    p = load_project(standard.root / "definitions" / "demo.yaml")
    assert [c.key for c in p.criteria()] == ["tests.pass-rate", "tests.no-errors"]
    assert p.root == standard.root


def test_unknown_unit_is_located_by_file_line_and_ids(standard: Project) -> None:
    """A typo in a unit names the gate file, the line and the criterion by id."""
    standard.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - id: no-errors
            metric: unit-tests.errors
            pass: "== 0"
          - id: pass-rate
            metric: unit-tests.pass_rate
            pass: ">= 99 pct"
        """,
    )
    (msg,) = problems(standard)
    assert msg.startswith("gates/tests.yaml:9 criteria[pass-rate].pass: ")
    assert 'unknown unit "pct"' in msg


def test_misspelled_key_is_rejected(standard: Project) -> None:
    """`threshhold` is not silently ignored: strict models reject unknown keys."""
    standard.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - id: pass-rate
            metric: unit-tests.pass_rate
            pass: ">= 99%"
            threshhold: ">= 98%"
        """,
    )
    (msg,) = problems(standard)
    assert msg == 'gates/tests.yaml:7 criteria[pass-rate].threshhold: unknown key "threshhold"'


def test_newer_schema_asks_for_an_upgrade(standard: Project) -> None:
    """A file from a newer readiness says "upgrade", not a dozen field errors."""
    standard.write("definitions/demo.yaml", "schema: 2\nrelease: demo\nfuture-field: 1\n")
    (msg,) = problems(standard)
    assert "schema 2" in msg
    assert "upgrade readiness" in msg


def test_missing_schema_is_reported_first(standard: Project) -> None:
    """A file without `schema:` is refused before anything else is checked."""
    standard.write("checks/unit-tests.yaml", "id: unit-tests\nkind: junit\nevidence: x\n")
    (msg,) = problems(standard)
    assert msg.startswith("checks/unit-tests.yaml")
    assert 'missing "schema: 1"' in msg


def test_unknown_check_and_gate_references(standard: Project) -> None:
    """A definition naming checks or gates that do not exist fails, each named and located."""
    standard.write(
        "definitions/demo.yaml",
        """
        schema: 1
        release: demo
        version: 1.0.0
        stage: mvp
        checks: [unit-tests, load]
        gates: [tests, perf]
        """,
    )
    msgs = problems(standard)
    assert 'definitions/demo.yaml:5 checks[load]: no check "load" (checks/load.yaml)' in msgs
    assert 'definitions/demo.yaml:6 gates[perf]: no gate "perf" (gates/perf.yaml)' in msgs


def test_metric_naming_an_unlisted_check(standard: Project) -> None:
    """A criterion over a check the definition does not list is a definition error."""
    standard.write(
        "definitions/demo.yaml",
        """
        schema: 1
        release: demo
        version: 1.0.0
        stage: mvp
        checks: [unit-tests]
        gates: [tests]
        criteria:
          - id: p99
            metric: matching-load.aggregated.p99
            pass: "<= 5 ms"
        """,
    )
    (msg,) = problems(standard)
    assert msg.startswith("definitions/demo.yaml:9 criteria[p99].metric:")
    assert 'check "matching-load"' in msg


def test_waiver_for_unknown_criterion(standard: Project) -> None:
    """A waiver must name an existing criterion."""
    standard.write(
        "definitions/demo.yaml",
        """
        schema: 1
        release: demo
        version: 1.0.0
        stage: mvp
        checks: [unit-tests]
        gates: [tests]
        waivers:
          - criterion: tests.pass-rat
            reason: flaky network tests
            approver: {name: A. Chen, role: qa}
            expires: 2026-12-20
        """,
    )
    (msg,) = problems(standard)
    assert "demo.yaml:8 waivers[tests.pass-rat].criterion: no criterion 'tests.pass-rat'" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema: 1\nrelease: !!python/object/apply:os.system ['true']\n", "unsupported YAML tag"),
        ("schema: 1\na: &x [1]\nb: *x\n", "aliases"),
        ("schema: 1\nrelease: a\nrelease: b\n", "duplicate key 'release'"),
        ("schema: 1\nrelease: [unclosed\n", "definitions/demo.yaml:"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_unsafe_or_broken_yaml(standard: Project, text: str, expected: str) -> None:
    """Python tags, aliases, duplicate keys and syntax errors: one clear located error."""
    standard.write("definitions/demo.yaml", text)
    with pytest.raises(DefinitionError) as info:
        load_project(standard.root / "definitions" / "demo.yaml")
    assert expected in str(info.value)
    assert "definitions/demo.yaml" in str(info.value)


def test_stage_table_with_unknown_stage(standard: Project) -> None:
    """Per-stage thresholds accept only the four stages."""
    standard.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - id: pass-rate
            metric: unit-tests.pass_rate
            pass: {mvp: ">= 90%", beta: ">= 95%"}
        """,
    )
    (msg,) = problems(standard)
    assert 'unknown stage "beta"' in msg


def test_gate_id_must_match_file_name(standard: Project) -> None:
    """gates/tests.yaml must say `id: tests`."""
    standard.write(
        "gates/tests.yaml",
        'schema: 1\nid: other\ncriteria:\n  - {id: a, metric: unit-tests.tests, pass: ">= 1"}\n',
    )
    (msg,) = problems(standard)
    assert "does not match the file name" in msg


def test_every_problem_is_reported_at_once(standard: Project) -> None:
    """Problems in several files are all listed, not just the first."""
    standard.write("gates/tests.yaml", "schema: 1\nid: tests\ncriteria: []\nextra: 1\n")
    standard.write("checks/unit-tests.yaml", "schema: 1\nid: unit-tests\nkind: junit\n")
    msgs = problems(standard)
    assert len(msgs) >= 3
    assert any(m.startswith("checks/unit-tests.yaml") for m in msgs)
    assert any(m.startswith("gates/tests.yaml") for m in msgs)
