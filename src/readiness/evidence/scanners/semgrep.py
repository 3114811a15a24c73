"""Semgrep's JSON report (static analysis)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final

from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.base import LazyParams, NoDefaults
from readiness.evidence.records import Finding, Findings, Severity, fingerprint
from readiness.evidence.scanners.base import (
    PLACEHOLDERS,
    Partial,
    first_line,
    plural,
    read_each,
    score_or_word_severity,
)

if TYPE_CHECKING:
    from readiness.evidence.params import NoParams

_SEMGREP_SEVERITY: Final[dict[str, Severity]] = {
    "ERROR": "high",
    "WARNING": "medium",
    "INFO": "low",
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
    "INVENTORY": "info",
    "EXPERIMENT": "info",
}


class SemgrepAdapter:
    """Semgrep's JSON report (`semgrep scan --json -o semgrep.json`).

    One finding per entry of `results`: rule = `check_id`, location = `path:start.line`,
    title = `extra.message` (its first line; the rule id when the message quotes the matched
    code), fingerprint = `extra.fingerprint` when Semgrep provides one (logged-in scans), else a
    hash of rule and location. `extra.is_ignored` (nosemgrep, with `--disable-nosem`) findings
    are kept as suppressed.

    Severity: `extra.metadata["security-severity"]` when present (a CVSS score, >= 9.0
    critical, >= 7.0 high, >= 4.0 medium, > 0 low; or a word), as in the SARIF adapter; else
    `extra.severity`: ERROR → high, WARNING → medium, INFO → low, and the newer CRITICAL →
    critical, HIGH → high, MEDIUM → medium, LOW → low, INVENTORY/EXPERIMENT → info.
    `metadata.impact` and `likelihood` are not used: Semgrep derives a rule's severity from
    both, and impact alone would overstate unlikely issues.

    `errors[]`: with results, or with only warn-level errors, they become warnings, and the
    files they name are listed as skipped. With no results, an error-level error (a rule that
    failed to parse, a missing target) means the scan failed: an evidence error, since
    Semgrep may still exit 0. A report that scanned no file (`paths.scanned` empty) and found
    nothing is an error too.
    """

    kind: ClassVar[str] = "semgrep"
    record: ClassVar[str] = "Findings"
    Params: LazyParams[NoParams] = LazyParams("readiness.evidence.params:NoParams")
    defaults: ClassVar[NoDefaults] = NoDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: NoParams | NoDefaults
    ) -> Findings:
        """Merge the Semgrep JSON reports in `files`."""
        return read_each(files, display, _read_semgrep)


def _error_text(shape: Shape, err: dict[str, Any], where: str) -> str:
    etype = err.get("type")
    if isinstance(etype, list):  # newer Semgrep: ["PartialParsing", [...locations]]
        etype = etype[0] if etype else ""
    text = ""
    for key in ("message", "short_msg", "long_msg"):
        text = first_line(shape.opt_str(err, key, where))
        if text:
            break
    label = etype if isinstance(etype, str) else ""
    if label and text and not text.startswith(label):
        return f"{label}: {text}"
    return text or label or "unknown error"


def _read_semgrep(path: Path, shown: str) -> Partial:
    shape = Shape(shown)
    doc = load_json(path, shown)
    if not isinstance(doc, dict) or "results" not in doc:
        shape.fail(f'expected an object with "results" (semgrep --json), got {kind_of(doc)}')
    results = shape.arr(doc["results"], "results")
    part = Partial(shown, "semgrep")
    _read_errors(shape, doc, results, part)
    for i, item in enumerate(results):
        part.findings.append(_finding(shape, item, f"results[{i}]"))
    return part


def _read_errors(shape: Shape, doc: dict[str, Any], results: list[Any], part: Partial) -> None:
    """Semgrep's `errors`: a scan with errors and no result, or that scanned no file, failed;
    otherwise they are a warning, and the files they name are listed as skipped."""
    failed: list[str] = []
    errors: list[str] = []
    for i, item in enumerate(shape.opt_arr(doc, "errors", "")):
        where = f"errors[{i}]"
        err = shape.obj(item, where)
        text = _error_text(shape, err, where)
        errors.append(text)
        if shape.opt_str(err, "level", where) in ("error", ""):
            failed.append(text)
        if isinstance(err.get("path"), str):
            part.skipped.append(f"{err['path']}: {text}")
    if not results and failed:
        shape.fail(f"the scan failed: {plural(len(failed), 'error')} ({failed[0]})")
    paths = doc.get("paths")
    if not results and isinstance(paths, dict) and paths.get("scanned") == []:
        shape.fail("Semgrep scanned no file: an empty result proves nothing")
    if errors:
        part.warnings.append(f"Semgrep reported {plural(len(errors), 'error')} ({errors[0]})")


def _finding(shape: Shape, item: object, where: str) -> Finding:
    """One entry of `results`."""
    r = shape.obj(item, where)
    rule = shape.string(r, "check_id", where)
    file = shape.string(r, "path", where)
    line = shape.opt_int(shape.opt_obj(r, "start", where), "line", f"{where}.start")
    location = f"{file}:{line}" if line else file
    extra = shape.obj(r.get("extra"), f"{where}.extra")
    severity = _severity(shape, extra, where)
    message = shape.opt_str(extra, "message", f"{where}.extra")
    lines = extra.get("lines")
    title = first_line(message)
    if isinstance(lines, str) and lines.strip() not in PLACEHOLDERS and lines.strip() in message:
        title = ""  # the message quotes the matched code, which may be a secret
    given = extra.get("fingerprint")
    return Finding(
        tool="semgrep",
        rule=rule,
        severity=severity,
        title=title or rule,
        location=location,
        fingerprint=given
        if isinstance(given, str) and given not in PLACEHOLDERS
        else fingerprint(rule, location, ""),
        suppressed=extra.get("is_ignored") is True,
    )


def _severity(shape: Shape, extra: dict[str, Any], where: str) -> Severity:
    """The rule's `security-severity` (score or word) when given, else Semgrep's severity."""
    meta = shape.opt_obj(extra, "metadata", f"{where}.extra")
    if meta.get("security-severity") is not None:
        severity = score_or_word_severity(meta["security-severity"])
        if severity is None:
            shape.fail(
                f'{where}.extra.metadata["security-severity"] '
                f"{shape.quote(meta['security-severity'])} is neither a score nor a "
                "severity word"
            )
        return severity
    word = shape.string(extra, "severity", f"{where}.extra")
    known = _SEMGREP_SEVERITY.get(word.upper())
    if known is None:
        shape.fail(f"{where}.extra.severity {shape.quote(word)} is not a Semgrep severity")
    return known
