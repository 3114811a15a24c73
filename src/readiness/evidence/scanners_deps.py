"""Dependency scanners: pip-audit JSON and Trivy JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Final

from pydantic import Field

from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.records import Finding, Findings, Severity
from readiness.evidence.scanners_common import (
    Partial,
    ScannerParams,
    fingerprint,
    first_line,
    plural,
    read_each,
    versions,
)


class PipAuditParams(ScannerParams):
    """Options of the `pip-audit` kind."""

    unknown_severity: Severity = Field(
        "high", description="pip-audit reports no severity: every vulnerability gets this one."
    )


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
    Params: ClassVar[type[PipAuditParams]] = PipAuditParams

    def read(self, files: list[Path], display: dict[Path, str], params: PipAuditParams) -> Findings:
        """Merge the pip-audit JSON reports in `files`."""
        return read_each(files, display, lambda p, shown: _read_pip_audit(p, shown, params))


def _read_pip_audit(path: Path, shown: str, params: PipAuditParams) -> Partial:
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


_TRIVY_SEVERITY: Final[dict[str, Severity | None]] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
    "UNKNOWN": None,  # the unknown-severity option
}


class TrivyParams(ScannerParams):
    """Options of the `trivy` kind."""

    unknown_severity: Severity = Field(
        "high", description="Severity given to Trivy's UNKNOWN (not rated yet in its databases)."
    )


class TrivyAdapter:
    """Trivy's JSON report, schema version 2 (`trivy image|fs|repo --format json -o trivy.json`,
    with any `--scanners vuln,secret,misconfig`).

    - `Results[].Vulnerabilities[]`: rule = `VulnerabilityID`, package = `PkgName`,
      location = `PkgName@InstalledVersion`, fixed version = `FixedVersion` (absent when there
      is no fix; comma-joined lists normalized to "a, b"), aliases = `VendorIDs`, title =
      `Title` and the target. Status `not_affected` is kept as suppressed.
    - `Results[].Secrets[]`: rule = `RuleID`, location = `Target:StartLine`, title = `Title`. The
      matched text (`Match`, `Code`) is never copied.
    - `Results[].Misconfigurations[]` with Status FAIL (EXCEPTION: suppressed; PASS: ignored):
      rule = `ID`, location = `Target[:line]`, title = `Title`.

    Severity (`Severity`): CRITICAL → critical, HIGH → high, MEDIUM → medium, LOW → low,
    UNKNOWN → the `unknown-severity` option (default high: unrated is not harmless).

    `SchemaVersion` must be 2. Trivy omits empty arrays: absent `Results`, `Vulnerabilities` or
    `Secrets` mean none. The fingerprint is Trivy's own `Fingerprint` when present. License
    results are not read (they are not vulnerabilities).
    """

    kind: ClassVar[str] = "trivy"
    record: ClassVar[str] = "Findings"
    Params: ClassVar[type[TrivyParams]] = TrivyParams

    def read(self, files: list[Path], display: dict[Path, str], params: TrivyParams) -> Findings:
        """Merge the Trivy JSON reports in `files`."""
        return read_each(files, display, lambda p, shown: _read_trivy(p, shown, params))


def _trivy_severity(shape: Shape, item: dict[str, Any], where: str, unknown: Severity) -> Severity:
    word = shape.string(item, "Severity", where)
    if word not in _TRIVY_SEVERITY:
        shape.fail(
            f"{where}.Severity {shape.quote(word)} is not CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN"
        )
    return _TRIVY_SEVERITY[word] or unknown


def _read_trivy(path: Path, shown: str, params: TrivyParams) -> Partial:
    shape = Shape(shown)
    doc = shape.obj(load_json(path, shown), "a Trivy JSON report")
    version = doc.get("SchemaVersion")
    if version != 2 or type(version) is not int:
        if version is None:
            shape.fail("no SchemaVersion: not a Trivy JSON report (trivy --format json)")
        shape.fail(f"unsupported Trivy SchemaVersion {shape.quote(version)} (readiness reads 2)")
    part = Partial(shown, "trivy")
    unknown = params.unknown_severity
    for i, raw in enumerate(shape.opt_arr(doc, "Results", "")):
        where = f"Results[{i}]"
        res = shape.obj(raw, where)
        target = shape.opt_str(res, "Target", where)
        for k, item in enumerate(shape.opt_arr(res, "Vulnerabilities", where)):
            vwhere = f"{where}.Vulnerabilities[{k}]"
            vuln = shape.obj(item, vwhere)
            vid = shape.string(vuln, "VulnerabilityID", vwhere)
            pkg = shape.string(vuln, "PkgName", vwhere)
            location = f"{pkg}@{shape.opt_str(vuln, 'InstalledVersion', vwhere)}"
            title = first_line(shape.opt_str(vuln, "Title", vwhere)) or vid
            part.findings.append(
                Finding(
                    tool="trivy",
                    rule=vid,
                    severity=_trivy_severity(shape, vuln, vwhere, unknown),
                    title=f"{title} ({target})" if target else title,
                    location=location,
                    package=pkg,
                    fixed_version=versions(shape.opt_str(vuln, "FixedVersion", vwhere)),
                    fingerprint=shape.opt_str(vuln, "Fingerprint", vwhere)
                    or fingerprint(vid, location, pkg, target),
                    suppressed=shape.opt_str(vuln, "Status", vwhere) == "not_affected",
                    aliases=tuple(shape.str_list(vuln, "VendorIDs", vwhere)),
                )
            )
        sshape = Shape(shown, secret=True)  # a secret's fields may hold it: never quoted
        for k, item in enumerate(shape.opt_arr(res, "Secrets", where)):
            swhere = f"{where}.Secrets[{k}]"
            secret = sshape.obj(item, swhere)
            rule = sshape.string(secret, "RuleID", swhere)
            line = sshape.opt_int(secret, "StartLine", swhere)
            location = f"{target}:{line}" if line else target
            part.findings.append(
                Finding(
                    tool="trivy",
                    rule=rule,
                    severity=_trivy_severity(sshape, secret, swhere, unknown),
                    title=first_line(sshape.opt_str(secret, "Title", swhere)) or rule,
                    location=location,
                    fingerprint=fingerprint(rule, location, ""),
                )
            )
        for k, item in enumerate(shape.opt_arr(res, "Misconfigurations", where)):
            mwhere = f"{where}.Misconfigurations[{k}]"
            mis = shape.obj(item, mwhere)
            status = shape.opt_str(mis, "Status", mwhere)
            if status == "PASS":
                continue
            rule = shape.opt_str(mis, "ID", mwhere) or shape.string(mis, "AVDID", mwhere)
            cause = shape.opt_obj(mis, "CauseMetadata", mwhere)
            line = shape.opt_int(cause, "StartLine", f"{mwhere}.CauseMetadata")
            location = f"{target}:{line}" if line else target
            part.findings.append(
                Finding(
                    tool="trivy",
                    rule=rule,
                    severity=_trivy_severity(shape, mis, mwhere, unknown),
                    title=first_line(shape.opt_str(mis, "Title", mwhere)) or rule,
                    location=location,
                    fingerprint=fingerprint(rule, location, ""),
                    suppressed=status == "EXCEPTION",
                )
            )
    return part
