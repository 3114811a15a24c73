"""A small portfolio on disk: one JUnit check per release, release-level criteria, real files."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import Project, junit_xml

# 2026-11-27T12:00:00Z: the "today" of these tests
TODAY_EPOCH = 1795780800
ENV = {"SOURCE_DATE_EPOCH": str(TODAY_EPOCH)}


def add_release(
    p: Project,
    name: str,
    *,
    version: str = "1.0.0",
    stage: str = "internal",
    failed: int = 0,
    extra: str = "",
) -> None:
    """A release `name` whose own suite has 10 passing tests (and `failed` failing ones)."""
    p.write(
        f"checks/{name}-tests.yaml",
        f"""
        schema: 1
        id: {name}-tests
        kind: junit
        evidence: build/{name}.xml
        """,
    )
    p.write(f"build/{name}.xml", junit_xml(passed=10, failed=failed))
    body = textwrap.dedent(
        f"""\
        schema: 1
        release: {name}
        version: {version}
        stage: {stage}
        owner: team-{name}
        checks: [{name}-tests]
        criteria:
          - id: pass-rate
            metric: {name}-tests.pass_rate
            pass: "== 100%"
        """
    )
    (p.root / "definitions").mkdir(parents=True, exist_ok=True)
    (p.root / "definitions" / f"{name}.yaml").write_text(
        body + textwrap.dedent(extra), encoding="utf-8"
    )


def fresh(p: Project) -> Path:
    """The project root, for the CLI."""
    return p.root
