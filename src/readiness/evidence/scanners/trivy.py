"""Trivy's JSON report (vulnerabilities, secrets, misconfigurations)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final

from readiness.evidence._json import Shape, load_json
from readiness.evidence.base import LazyParams
from readiness.evidence.records import Finding, Findings, Severity, fingerprint
from readiness.evidence.scanners.base import (
    Partial,
    first_line,
    read_each,
    versions,
)

if TYPE_CHECKING:
    from readiness.evidence.scanners.params import TrivyParams

_TRIVY_SEVERITY: Final[dict[str, Severity | None]] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
    "UNKNOWN": None,  # the unknown-severity option
}


@dataclass(frozen=True)
class TrivyDefaults:
    """`TrivyParams()` without pydantic (a test holds them equal)."""

    unknown_severity: Severity = "high"


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
    Params: LazyParams[TrivyParams] = LazyParams("readiness.evidence.scanners.params:TrivyParams")
    defaults: ClassVar[TrivyDefaults] = TrivyDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: TrivyParams | TrivyDefaults
    ) -> Findings:
        """Merge the Trivy JSON reports in `files`."""
        return read_each(files, display, lambda p, shown: _read_trivy(p, shown, params))


def _trivy_severity(shape: Shape, item: dict[str, Any], where: str, unknown: Severity) -> Severity:
    word = shape.string(item, "Severity", where)
    if word not in _TRIVY_SEVERITY:
        shape.fail(
            f"{where}.Severity {shape.quote(word)} is not CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN"
        )
    return _TRIVY_SEVERITY[word] or unknown


def _read_trivy(path: Path, shown: str, params: TrivyParams | TrivyDefaults) -> Partial:
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
