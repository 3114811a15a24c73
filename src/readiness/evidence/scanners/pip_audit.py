"""pip-audit's JSON report (dependency vulnerabilities)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.base import LazyParams
from readiness.evidence.records import Finding, Findings, Severity, fingerprint
from readiness.evidence.scanners.base import (
    Partial,
    first_line,
    plural,
    read_each,
)

if TYPE_CHECKING:
    from readiness.evidence.scanners.params import PipAuditParams


@dataclass(frozen=True)
class PipAuditDefaults:
    """`PipAuditParams()` without pydantic (a test holds them equal)."""

    unknown_severity: Severity = "high"


class PipAuditAdapter:
    """pip-audit's JSON report (`pip-audit -f json -o pip-audit.json`, with `--aliases` and
    `--desc` for richer findings).

    One finding per vulnerability of each dependency: rule = the advisory id (PYSEC-..., GHSA-...),
    aliases = its `aliases` (CVE-...), location = `name@version`, package = the name, fixed
    version = `fix_versions` joined by ", " (empty when there is no fix), title = the
    description's first line, or the id.

    Severity: pip-audit reports none, so every vulnerability gets the `unknown-severity` option,
    default **high** (fail closed: an unrated vulnerability is treated as serious until a waiver
    says otherwise).

    Dependencies pip-audit could not audit (`skip_reason`: not on PyPI, editable, offline) are
    listed as skipped with a warning. If it audited nothing (every dependency skipped, as in an
    offline run that still says "No known vulnerabilities", or no dependency at all) the
    evidence is an error: an empty report then proves nothing. A missing file (pip-audit
    `--strict`, or a crash of the vulnerability service) is a missing evidence file.
    """

    kind: ClassVar[str] = "pip-audit"
    record: ClassVar[str] = "Findings"
    Params: LazyParams[PipAuditParams] = LazyParams(
        "readiness.evidence.scanners.params:PipAuditParams"
    )
    defaults: ClassVar[PipAuditDefaults] = PipAuditDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: PipAuditParams | PipAuditDefaults
    ) -> Findings:
        """Merge the pip-audit JSON reports in `files`."""
        return read_each(files, display, lambda p, shown: _read_pip_audit(p, shown, params))


def _read_pip_audit(path: Path, shown: str, params: PipAuditParams | PipAuditDefaults) -> Partial:
    shape = Shape(shown)
    doc = load_json(path, shown)
    if not isinstance(doc, dict) or "dependencies" not in doc:
        shape.fail(
            f'expected an object with "dependencies" (pip-audit -f json), got {kind_of(doc)}'
        )
    deps = shape.arr(doc["dependencies"], "dependencies")
    part = Partial(shown, "pip-audit")
    audited = 0
    for i, item in enumerate(deps):
        where = f"dependencies[{i}]"
        dep = shape.obj(item, where)
        name = shape.string(dep, "name", where)
        if dep.get("skip_reason") is not None:
            part.skipped.append(f"{name}: {shape.opt_str(dep, 'skip_reason', where)}")
            continue
        audited += 1
        version = shape.string(dep, "version", where)
        if "vulns" not in dep:
            shape.fail(f"{where} has neither vulns nor skip_reason")
        for k, raw in enumerate(shape.arr(dep["vulns"], f"{where}.vulns")):
            vwhere = f"{where}.vulns[{k}]"
            vuln = shape.obj(raw, vwhere)
            vid = shape.string(vuln, "id", vwhere)
            location = f"{name}@{version}"
            aliases = tuple(a for a in shape.str_list(vuln, "aliases", vwhere) if a != vid)
            part.findings.append(
                Finding(
                    tool="pip-audit",
                    rule=vid,
                    severity=params.unknown_severity,
                    title=first_line(shape.opt_str(vuln, "description", vwhere)) or vid,
                    location=location,
                    package=name,
                    fixed_version=", ".join(shape.str_list(vuln, "fix_versions", vwhere)),
                    fingerprint=fingerprint(vid, location, name),
                    aliases=aliases,
                )
            )
    if not audited:
        if not deps:
            shape.fail("audited nothing: the report lists no dependency")
        shape.fail(
            f"audited nothing: {plural(len(deps), 'dependency')} skipped "
            f"({part.skipped[0]}); an offline or failed audit is not a clean one"
        )
    if part.skipped:
        part.warnings.append(
            f"{len(part.skipped)} of {len(deps)} dependencies were not audited "
            f"({part.skipped[0]}); listed as skipped"
        )
    return part
