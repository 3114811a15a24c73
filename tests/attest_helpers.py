"""The project both attestation suites sign: the standard project with a waived failure (97
passed, 3 failed) and an accepted risk, so that waivers, acceptances and their expiry are
attested and re-checked."""

from __future__ import annotations

from helpers import Project, junit_xml, make_standard

DEF = "definitions/demo.yaml"

DEFINITION = """
schema: 1
release: demo
version: 1.0.0
stage: internal
checks: [unit-tests]
gates: [tests]
waivers:
  - criterion: tests.pass-rate
    reason: two flaky tests, quarantined; fixed in 1.0.1
    approver: {name: A. Chen, role: qa}
    expires: 2026-12-20
risks:
  - id: R-1
    title: Order book desync
    impact: high
    likelihood: low
    response: resync from the journal
    accepted:
      reason: the journal replay is drilled weekly
      approver: {name: L. Moreau, role: cro}
      expires: 2026-12-31
"""


def attested_project(root: Project) -> Project:
    """`root` made the standard project, with the definition above and its JUnit evidence."""
    p = make_standard(root)
    p.write(DEF, DEFINITION)
    p.write("build/junit/a.xml", junit_xml(passed=97, failed=3))
    return p
