"""The store wired into readiness: evaluate records and compares, a broken store never hides a
verdict, the regression criterion on Locust-shaped per-second series, history / diff / prune."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import Project, invoke, junit_xml, make_standard
from history_helpers import PostgresServer, new_database
from readiness.cli import cli
from readiness.errors import ReadinessError
from readiness.evaluation import Baseline, CriterionResult, evaluate
from readiness.evidence.records import EndpointStats, Evidence, Intervals, LoadStats
from readiness.metrics import MetricTable
from readiness.pipeline import load

SHRINK = """  - id: not-shrinking
    metric: unit-tests.tests
    pass: ">= -5%"
    on-no-baseline: warn
"""
DEF = "definitions/demo.yaml"
DOWN = "postgresql://nobody@127.0.0.1:1/none"
# Per-second p99 (ms) of POST /orders in two real 15 s Locust runs of the example (HDR log,
# steady state): the shape of real latency samples, noisy and skewed.
RUN_A = (14.799, 18.287, 20.463, 12.399, 22.015, 12.191, 10.039, 10.071, 14.215, 10.207, 17.519)
RUN_B = (15.599, 12.375, 15.143, 14.207, 16.359, 22.927, 24.639, 31.407, 21.3, 31.503, 12.271)


def _cli(args: list[str], root: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    env = {"SOURCE_DATE_EPOCH": "1795000000", "NO_COLOR": "1", **(env or {})}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        result = CliRunner().invoke(cli, args, env=env)
    if isinstance(result.exception, ReadinessError):  # what `main` maps to one line
        return result.exception.exit_code, result.stdout, str(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = make_standard(Project(tmp_path))
    gate = (tmp_path / "gates/tests.yaml").read_text(encoding="utf-8")
    p.write("gates/tests.yaml", gate + SHRINK)
    p.write("build/junit/a.xml", junit_xml(passed=40))
    return p


def _evaluate(p: Project, *args: str, epoch: int = 1795000000) -> tuple[int, str, str]:
    return _cli(["evaluate", DEF, *args], p.root, {"SOURCE_DATE_EPOCH": str(epoch)})


def test_second_evaluation_compares_with_the_first(project: Project) -> None:
    """Two evaluations land in the default SQLite store; the second's JSON names the first as
    its baseline and carries deltas, and a shrunk suite FAILs the relative criterion."""
    code, out, _ = _evaluate(project, "--json", "one.json", epoch=1795000000)
    assert code == 0 and "recorded as evaluation #1" in out
    assert (project.root / ".readiness/history.sqlite").is_file()
    project.write("build/junit/a.xml", junit_xml(passed=36))
    code, out, _ = _evaluate(project, "--json", "two.json", epoch=1795000100)
    assert "recorded as evaluation #2 (baseline #1" in out
    assert code == 1  # 36 tests < 40 - 5%
    data = json.loads((project.root / "two.json").read_text())
    assert data["baseline"]["evaluation"] == 1 and data["baseline"]["judges"] is True
    crit = {c["criterion"]: c for c in data["criteria"]}
    assert crit["tests.not-shrinking"]["status"] == "FAIL"
    assert crit["tests.not-shrinking"]["baseline"]["delta"] == -4
    assert "evaluation" not in data  # the id is printed, the report stays reproducible


def test_store_down_still_prints_the_verdict(project: Project) -> None:
    """An unreachable store: the verdict is printed, one line says why nothing was recorded,
    the exit code is the verdict's; relative criteria are not silently passed."""
    code, out, err = _evaluate(project, "--db", DOWN)
    assert code == 0  # CONDITIONAL GO: the relative criterion WARNs per on-no-baseline
    assert "CONDITIONAL GO" in out and "no evaluation store was consulted" in out
    assert "readiness: evaluation not recorded: evaluation store postgresql://nobody@" in err
    assert "server unreachable" in err and "Traceback" not in err


def test_require_record_exits_2_when_not_recorded(project: Project) -> None:
    """--require-record turns an unrecorded evaluation into exit 2 after printing the verdict."""
    code, out, err = _evaluate(project, "--db", DOWN, "--require-record")
    assert code == 2 and "CONDITIONAL GO" in out and "not recorded" in err


def test_corrupt_store_is_one_line(project: Project) -> None:
    """A file that is not a database: the verdict, then one line naming the store."""
    bad = project.write("junk.sqlite", "not a database at all" * 100)
    code, out, err = _evaluate(project, "--db", f"sqlite:///{bad}")
    assert code == 0 and "CONDITIONAL GO" in out
    assert f"evaluation store sqlite:///{bad}: corrupt" in err


def test_no_record_imports_no_store_or_statistics(tmp_path: Path) -> None:
    """`evaluate --no-record` on a definition that compares nothing never imports SQLAlchemy,
    Alembic, psycopg or scipy, and never creates the store."""
    p = make_standard(Project(tmp_path))
    p.write("build/junit/a.xml", junit_xml(passed=5))
    code = (
        "import sys\nfrom readiness.cli import main\n"
        "try:\n    main(['evaluate', 'definitions/demo.yaml', '--no-record'])\n"
        "except SystemExit:\n    pass\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'alembic', 'psycopg', 'scipy'})\n"
        "print('STORE', loaded)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=p.root, capture_output=True, text=True, check=False
    )
    assert "STORE []" in proc.stdout, proc.stdout + proc.stderr
    assert not (p.root / ".readiness").exists()


def test_two_concurrent_evaluates_both_land(project: Project) -> None:
    """Two `readiness evaluate` processes at once against one SQLite store: both recorded."""
    exe = Path(sys.executable).parent / "readiness"
    procs = [
        subprocess.Popen(
            [str(exe), "evaluate", DEF],
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("recorded as evaluation #" in out for out, _ in outs)
    code, out, _ = _cli(["history", DEF], project.root)
    assert code == 0 and len(out.splitlines()) == 2


def test_history_diff_prune_on_postgresql(project: Project, postgres: PostgresServer) -> None:
    """The same commands against the suite's real PostgreSQL: record twice, list, diff, prune."""
    url = new_database(postgres)
    assert _evaluate(project, "--db", url, epoch=1795000000)[0] == 0
    project.write("build/junit/a.xml", junit_xml(passed=39, failed=1))
    code, out, _ = _evaluate(project, "--db", url, epoch=1795000100)
    assert "recorded as evaluation #2 (baseline #1" in out, out
    code, out, _ = _cli(["history", DEF, "--db", url], project.root)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("#2 ") and lines[1].startswith("#1 ")
    code, out, _ = _cli(["diff", "1", "2", "--db", url], project.root)
    assert "verdict: CONDITIONAL GO -> NO-GO (changed)" in out
    assert "tests.pass-rate: PASS -> FAIL" in out
    assert "~ unit-tests: build/junit/a.xml sha256" in out
    assert "failing tests that appeared:\n  + unit-tests:" in out
    code, out, _ = _cli(["history", "prune", "--keep", "0", "--db", url], project.root)
    assert out.startswith("pruned 1 evaluation(s) from postgresql://")  # #1 is the baseline
    assert len(_cli(["history", DEF, "--db", url], project.root)[1].splitlines()) == 1


def test_history_criterion_and_diff_def(project: Project) -> None:
    """history --criterion shows a criterion's series; diff DEF compares the latest with its
    baseline; --json lists the evaluations."""
    _evaluate(project, epoch=1795000000)
    project.write("build/junit/a.xml", junit_xml(passed=41))
    _evaluate(project, epoch=1795000100)
    _, out, _ = _cli(["history", DEF, "--criterion", "tests.not-shrinking"], project.root)
    first, second = out.splitlines()
    assert first.startswith("#2 ") and " PASS " in first and "41" in first
    assert second.startswith("#1 ") and " WARN " in second and "40" in second
    _, out, _ = _cli(["diff", DEF], project.root)
    assert out.startswith("#1 demo 1.0.0") and "tests.not-shrinking: WARN -> PASS" in out
    assert "tests.not-shrinking: 40 -> 41 (+1, +2.5%)" in out
    rows = json.loads(_cli(["history", DEF, "--json"], project.root)[1])
    assert [r["id"] for r in rows] == [2, 1]


def test_prune_needs_a_rule(project: Project) -> None:
    """history prune without --keep or --older-than is a usage error (exit 2)."""
    assert _cli(["history", "prune"], project.root)[0] != 0


# ------------------------------------------------------------------ the regression criterion

REGRESSION_GATE = """
schema: 1
id: perf
criteria:
  - id: orders-regression
    regression:
      metric: load.requests["POST /orders"].p99
      max-shift: "+10%"
      confidence: 0.95
"""
LOAD_CHECK = """
schema: 1
id: load
kind: locust
evidence: build/load*
"""


def _regression_eval(
    tmp_path: Path, current: tuple[float, ...], base: tuple[float, ...]
) -> tuple[object, object]:
    p = make_standard(Project(tmp_path))
    p.write("gates/perf.yaml", REGRESSION_GATE)
    p.write("checks/load.yaml", LOAD_CHECK)
    text = (tmp_path / DEF).read_text().replace("gates: [tests]", "gates: [perf]")
    text = text.replace("checks: [unit-tests]", "checks: [load]")
    p.write(DEF, text)
    project = load(p.root / DEF)
    ep = EndpointStats("POST /orders", 1000, 0, 60.0, 5.0, 1.0, 40.0, {"99": max(current)})
    stats = LoadStats((ep,), ep, 15.0, 20, intervals=(Intervals("POST /orders", current),))
    evidence = {"load": Evidence("load", "locust", "ok", (), stats)}
    baseline = Baseline(
        3,
        "2026.11.2",
        "2026-11-20T10:00:00Z",
        series={'load.requests["POST /orders"].p99': ("ms", base)},
    )
    table = MetricTable.build(evidence)
    ev = evaluate(project, evidence, table, "mvp", dt.date(2026, 11, 29), baseline=baseline)
    return project, ev


def _regression(tmp_path: Path, current: tuple[float, ...], base: tuple[float, ...]) -> str:
    _, ev = _regression_eval(tmp_path, current, base)
    r: CriterionResult = ev.results[0]  # type: ignore[attr-defined]
    return f"{r.status}|{r.message}"


def test_regression_fails_on_a_slowed_run(tmp_path: Path) -> None:
    """Every second 8 ms slower than a real run: FAIL, with the shift, its CI and p-value."""
    out = _regression(tmp_path, tuple(v + 8 for v in RUN_A), RUN_A)
    status, message = out.split("|")
    assert status == "FAIL", message
    assert message.startswith("significant regression: shift +8 ms")
    assert "95% CI" in message and "p=" in message and "11 intervals vs 11" in message


def test_regression_passes_when_the_same(tmp_path: Path) -> None:
    """A long run (132 s) with the same samples as its baseline: the interval is narrow enough
    to lie within the allowed shift, a PASS that shows it."""
    status, message = _regression(tmp_path, RUN_A * 12, RUN_A * 12).split("|")
    assert status == "PASS" and message.startswith("no regression: shift +0 ms"), message


def test_two_noisy_runs_are_inconclusive_not_pass(tmp_path: Path) -> None:
    """Two real runs of the same code whose interval straddles the limit: INCONCLUSIVE."""
    status, message = _regression(tmp_path, RUN_B, RUN_A).split("|")
    assert status == "INCONCLUSIVE" and message.startswith("cannot tell"), message


def test_too_short_run_is_inconclusive(tmp_path: Path) -> None:
    """Five seconds of samples: INCONCLUSIVE with the counts, never a PASS."""
    status, message = _regression(tmp_path, RUN_A[:5], RUN_A).split("|")
    assert status == "INCONCLUSIVE"
    assert "5 intervals vs 11" in message and "at least 10" in message


def test_inconclusive_blocks_like_missing(tmp_path: Path) -> None:
    """A blocking INCONCLUSIVE criterion makes the verdict NO-GO, listed as a blocker."""
    from readiness.verdict import judge

    project, ev = _regression_eval(tmp_path, RUN_A[:5], RUN_A)
    verdict = judge(project, ev)  # type: ignore[arg-type]
    assert verdict.verdict.value == "NO-GO"
    assert [str(b).split(":")[0] for b in verdict.blockers] == ["perf.orders-regression"]


def test_regression_takes_no_pass(tmp_path: Path) -> None:
    """`pass` beside `regression` is a definition error naming both."""
    p = make_standard(Project(tmp_path))
    p.write("checks/load.yaml", LOAD_CHECK)
    p.write("gates/perf.yaml", REGRESSION_GATE + '    pass: "<= 5 ms"\n')
    text = (tmp_path / DEF).read_text().replace("gates: [tests]", "gates: [perf]")
    p.write(DEF, text.replace("checks: [unit-tests]", "checks: [load]"))
    code, _, err = _cli(["validate", DEF], tmp_path)
    assert code == 2 and "a regression criterion takes no pass" in err


def test_an_evaluation_id_beyond_the_store_is_one_line(project: Project) -> None:
    """A 30-digit evaluation id is not in the store: `diff` says so in one line, `evaluate
    --baseline` compares with nothing (never a pass) and says why; never an OverflowError
    traceback (SQLite's integers stop at 2^63)."""
    first = invoke(["evaluate", "definitions/demo.yaml"], project.root)
    assert first.code == 0, first.out + first.err
    r = invoke(["diff", "1", "9" * 30], project.root)
    assert (r.code, "Traceback" in r.err) == (2, False), r.out + r.err
    assert "has no evaluation" in r.err
    r = invoke(["evaluate", "definitions/demo.yaml", "--baseline", "9" * 30], project.root)
    assert "Traceback" not in r.err
    assert "has no evaluation" in r.out + r.err
    assert "tests.not-shrinking: PASS" not in r.out
