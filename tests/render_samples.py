"""Sample reports for the renderers' tests (tests/render/, the golden files), built by the real
pipeline on real evidence files.

`sample_report(root)` writes a small project (a JUnit check, two SARIF scans, a load test,
sign-off records, risks, waivers, launch-notes content) under `root` and returns the `Report`
that `readiness.pipeline.build_report` builds from it: real adapters, evaluation, governance and
verdict. Only the load test's record is constructed here (`LoadStats` with realistic series)
and put in place of what the Locust adapter would read. Time is fixed and every path is
relative to `root`, so renderings are byte-stable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from helpers import Project
from readiness.criteria import Stage
from readiness.evidence.records import EndpointStats, Evidence, LoadStats, Series
from readiness.report import Report

EPOCH = 1_765_000_000.0  # 2025-12-06T05:46:40Z: the sample's fixed "now"
TOOL_VERSION = "0.0.0+golden"
XSS_TEST = "<script>alert(1)</script>"
XSS_FINDING = '"><img src=x onerror=alert(2)>'

GATES = {
    "tests": """
        schema: 1
        id: tests
        title: Automated tests
        waivable-by: [qa]
        criteria:
          - id: pass-rate
            title: Test pass rate
            metric: unit-tests.pass_rate
            pass: {mvp: ">= 95%", internal: ">= 99%", public: "== 100%"}
            warn: {mvp: ">= 90%", internal: ">= 90%"}
          - id: no-errors
            title: No test errors
            metric: unit-tests.errors
            pass: "== 0"
            waivable: false
          - id: flaky
            title: Flaky tests
            metric: unit-tests.flaky
            pass: "== 0"
            mode: advisory
          - id: duration
            title: Suite duration (trial rule)
            metric: unit-tests.duration
            pass: "<= 60 s"
            mode: shadow
          - id: launch-only
            title: Launch-only rule
            metric: unit-tests.skipped
            pass: {launch: "== 0"}
        """,
    "performance": """
        schema: 1
        id: performance
        title: Performance under load
        criteria:
          - id: orders-p99
            title: Order entry p99 latency
            metric: matching-load.requests["POST /orders"].p99
            pass: {mvp: "<= 50 ms", internal: "<= 25 ms", public: "<= 10 ms"}
          - id: aggregate-p99
            title: Aggregate p99 latency
            metric: matching-load.aggregated.p99
            pass: "<= 30 ms"
          - id: throughput
            title: Aggregate throughput
            metric: matching-load.aggregated.rps
            pass: ">= 400 /s"
          - id: failure-ratio
            title: Failed requests
            metric: matching-load.aggregated.failure_ratio
            pass: "< 1%"
        """,
    "security": """
        schema: 1
        id: security
        title: Security scans
        waivable-by: [security]
        criteria:
          - id: no-high
            title: No high-severity findings
            metric: sast.findings.high
            pass: "== 0"
          - id: no-critical
            title: No critical findings
            metric: sast.findings.critical
            pass: "== 0"
          - id: audit
            title: Dependency audit ran
            metric: deps.findings.total
            pass: "== 0"
        """,
}

CHECKS = {
    "unit-tests": "schema: 1\nid: unit-tests\nkind: junit\nevidence: build/junit/*.xml\n",
    "matching-load": "schema: 1\nid: matching-load\nkind: locust\nevidence: build/load/*.csv\n",
    "sast": "schema: 1\nid: sast\nkind: sarif\nevidence: build/sast.sarif\n",
    "deps": "schema: 1\nid: deps\nkind: sarif\nevidence: build/deps.sarif\n",
    "signoffs": "schema: 1\nid: signoffs\nkind: signoffs\nevidence: signoffs/options.yaml\n",
}

SIGNOFFS = """
    signoffs:
    - {role: qa, name: M. Ito, decision: approve, date: 2025-12-05, version: 2026.12.0,
       comment: regression suite green on RC2}
    - {role: security, name: A. Chen, decision: approve-with-conditions, date: 2025-12-04,
       version: 2026.12.0, comment: B602 fixed in 2026.12.1}
    - {role: risk-control, name: J. Weiss, decision: approve, date: 2025-12-02,
       version: 2026.12.0}
"""

DEFINITION = """
    schema: 1
    release: options-launch
    version: 2026.12.0
    stage: internal
    owner: R. Okafor
    description: Options trading on the sandbox exchange.
    components: [matching-engine, options, rebate]
    checks: [unit-tests, matching-load, sast, deps, signoffs]
    gates: [tests, performance, security]
    waivers:
      - criterion: security.no-high
        reason: shell=True on a constant command; fixed in 2026.12.1
        approver: {name: A. Chen, role: security}
        expires: 2026-12-20
    signoffs:
      check: signoffs
      required: [qa, security, risk-control, compliance]
    risks:
      - id: R-07
        title: Rebate system exploited by wash trading
        impact: high
        likelihood: medium
        owner: risk-control
        trigger: self-trade ratio above 2% for an account
        response: freeze the rebate strategy with the risk-control switch
        verified-by: tests.no-errors
      - id: R-11
        title: Book depth endpoint slow under burst
        impact: low
        likelihood: low
        owner: matching
        response: cache depth snapshots for 100 ms
        accepted:
          reason: low impact at launch volumes
          approver: {name: R. Okafor, role: release-manager}
          expires: 2026-01-31
    notes:
      summary: Options trading opens to all verified accounts.
      highlights:
        - Price-time-priority matching for options series
        - Maker rebates accrue per fill, paid out daily
      known_issues:
        - Book depth may lag by up to 100 ms under burst load
"""


def junit_file(failing: int = 2, passing: int = 120, *, hostile: bool = True) -> str:
    """A pytest-style JUnit file: passing cases, `failing` failures, and (if `hostile`) an error
    whose test name is a script tag."""
    cases = [
        f'<testcase classname="tests.test_book" name="test_match_{i}" time="0.002"/>'
        for i in range(passing)
    ]
    cases += [
        f'<testcase classname="tests.test_ledger" name="test_accrue_{i}" time="0.01">'
        f'<failure message="assert 41 == 42 (rebate off by one tick)">trace</failure></testcase>'
        for i in range(failing)
    ]
    if hostile:
        name = XSS_TEST.replace("<", "&lt;").replace(">", "&gt;")
        cases.append(
            f'<testcase classname="tests.test_api" name="{name}" time="0.1">'
            '<error message="ConnectionResetError: peer closed | retry"/></testcase>'
        )
    body = "\n".join(cases)
    return f'<?xml version="1.0"?>\n<testsuite name="pytest">\n{body}\n</testsuite>\n'


def sarif_file(results: list[tuple[str, str, str]]) -> str:
    """A SARIF 2.1.0 log from (rule id, level, message) triples, Bandit as the driver."""
    rules = sorted({r for r, _, _ in results})
    doc: dict[str, Any] = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Bandit",
                        "rules": [{"id": r, "shortDescription": {"text": r}} for r in rules],
                    }
                },
                "results": [
                    {
                        "ruleId": rule,
                        "level": level,
                        "message": {"text": message},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f"src/app_{i}.py"},
                                    "region": {"startLine": 10 + i},
                                }
                            }
                        ],
                    }
                    for i, (rule, level, message) in enumerate(results)
                ],
            }
        ],
    }
    return json.dumps(doc, indent=1)


def load_stats(p99_orders: float = 18.5, steps: int = 31) -> LoadStats:
    """A realistic 5-minute Locust run: ramp-up, steady state, a latency spike, some failures;
    `steps` history rows (every 10 s by default)."""
    t0 = 1_764_999_000.0
    n = range(31)
    keep = [round(i * 30 / (steps - 1)) for i in range(steps)]
    ts = [t0 + 10 * i for i in n]
    users = [min(200, 20 * i) for i in n]
    rps = [max(0.0, min(520.0, 55.0 * i) + (7 if i % 3 else -5)) for i in n]
    p50 = [4.0 + 0.1 * (i % 4) for i in n]
    p95 = [9.0 + 0.4 * (i % 5) + (6 if i == 20 else 0) for i in n]
    p99 = [14.0 + 0.6 * (i % 5) + (12 if i == 20 else 0) for i in n]
    fails = [0.0 if i < 18 else 0.5 * (i % 3) for i in n]

    def series(name: str, unit: str, values: Sequence[float]) -> Series:
        return Series.of_points(name, unit, ((ts[i], values[i]) for i in keep))

    def endpoint(name: str, n: int, f: int, rps_: float, pct: dict[str, float]) -> EndpointStats:
        return EndpointStats(name, n, f, rps_, pct["50"] * 1.2, 1.1, pct["99.9"] * 1.5, pct)

    orders = endpoint(
        "POST /orders",
        96_000,
        310,
        320.0,
        {"50": 4, "90": 8, "95": 10, "99": p99_orders, "99.9": 41},
    )
    cancel = endpoint(
        "DELETE /orders/{id}", 40_000, 12, 133.3, {"50": 3, "90": 6, "95": 7, "99": 12, "99.9": 30}
    )
    book = endpoint(
        "GET /book/{symbol}", 20_000, 0, 66.7, {"50": 2, "90": 3, "95": 4, "99": 6, "99.9": 11}
    )
    aggregate = endpoint(
        "Aggregated", 156_000, 322, 520.0, {"50": 4, "90": 7, "95": 9, "99": 17, "99.9": 40}
    )
    return LoadStats(
        endpoints=(orders, cancel, book),
        aggregate=aggregate,
        duration_s=300.0,
        peak_users=200,
        sustained_p99_ms=16.0,
        sustained_min_rps=505.0,
        series=(
            series("users", "count", users),
            series("rps", "/s", rps),
            series("failures_per_s", "/s", fails),
            series("p50", "ms", p50),
            series("p95", "ms", p95),
            series("p99", "ms", p99),
        ),
        failures=(("POST /orders", "HTTPError('503 Server Error')", 310),),
    )


def write_project(
    root: Path,
    *,
    failing: int = 2,
    hostile: bool = True,
    waiver_expires: str = "2026-12-20",
    compliance: bool = False,
    shards: int = 0,
) -> Project:
    """The sample project's files: gates, checks, definition and the JUnit and SARIF evidence."""
    project = Project(root)
    for ident, text in GATES.items():
        project.write(f"gates/{ident}.yaml", text)
    for ident, text in CHECKS.items():
        project.write(f"checks/{ident}.yaml", text)
    project.write("definitions/options.yaml", DEFINITION.replace("2026-12-20", waiver_expires))
    project.write("build/junit/results.xml", junit_file(failing=failing, hostile=hostile))
    for i in range(shards):  # more files for the same check, as sharded CI jobs leave them
        project.write(f"build/junit/shard-{i}.xml", junit_file(0, 10, hostile=False))
    project.write(
        "build/sast.sarif",
        sarif_file(
            [
                ("B602", "error", XSS_FINDING),
                ("B105", "warning", "Possible hardcoded password: 'hunter2'"),
                ("B311", "note", "Standard pseudo-random generators are not suitable"),
                ("B311", "note", "Standard pseudo-random generators are not suitable"),
            ]
        ),
    )
    project.write("build/deps.sarif", sarif_file([]))
    signoffs = SIGNOFFS + (
        "    - {role: compliance, name: P. Levi, decision: approve, date: 2025-12-05,\n"
        "       version: 2026.12.0}\n"
        if compliance
        else ""
    )
    project.write("signoffs/options.yaml", signoffs)
    project.write(
        "build/load/matching_stats.csv",
        "Type,Name,Request Count,Failure Count\nPOST,/orders,96000,310\n",
    )
    return project


def sample_report(
    root: Path,
    *,
    failing: int = 2,
    extra: bool = True,
    load: LoadStats | None = None,
    stage: Stage | None = None,
    hostile: bool = True,
    remove: tuple[str, ...] = (),
    waiver_expires: str = "2026-12-20",
    compliance: bool = False,
    shards: int = 0,
) -> Report:
    """The sample project evaluated by `readiness.pipeline.build_report` (see the module docstring).

    `remove` deletes evidence files (relative to `root`) before the evidence is gathered;
    `extra=False` drops the governance and launch-notes sections from the report;
    `compliance=True` adds the one required sign-off the sample otherwise lacks; `shards`
    adds JUnit files of passing tests beside the main one.
    """
    from readiness.evidence import gather as gather_mod
    from readiness.pipeline import Clock, build_report
    from readiness.pipeline import load as _load

    write_project(
        root,
        failing=failing,
        hostile=hostile,
        waiver_expires=waiver_expires,
        compliance=compliance,
        shards=shards,
    )
    for rel in remove:
        (root / rel).unlink()
    for path in root.rglob("*"):  # evidence written "two days ago": no sign-off looks stale
        os.utime(path, (EPOCH - 2 * 86400, EPOCH - 2 * 86400))
    real_gather = gather_mod.gather

    def gather(project: Any, evidence_dir: Path, now: float) -> dict[str, Evidence]:
        found = real_gather(project, evidence_dir, now)
        old = found["matching-load"]  # the file is hashed for real, the record is built here
        found["matching-load"] = Evidence(
            old.check, old.kind, "ok", old.files, load or load_stats(), ""
        )
        return found

    definition = root / "definitions/options.yaml"
    clock = Clock()
    clock.epoch = EPOCH
    with mock.patch.object(gather_mod, "gather", gather):
        report = build_report(
            _load(definition, root),
            definition,
            stage=stage,
            evidence_dir=None,
            clock=clock,
            strict=False,
        )
    report.tool_version = TOOL_VERSION
    if not extra:
        from readiness.report import LaunchNotes

        report.signoffs, report.risks, report.findings = (), (), {}
        report.launch_notes = LaunchNotes()
    return report
