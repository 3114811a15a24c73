"""SARIF 2.1.0 logs, from any producer (Bandit, Trivy, Semgrep, gitleaks, ZAP, CodeQL, ...).

Rules are resolved once per run (driver and extensions, configuration overrides, severities), so
the per-result loop only does dictionary look-ups: a log with 200,000 results costs little more
than parsing it.

Duplicate object keys are not refused in SARIF, unlike the smaller JSON formats: the check is a
Python call per JSON object, and on a 200,000-result log (tests/test_sarif.py) it took the
adapter from within 2x of a bare `json.load` to 2.6x (4.2 s against 1.6 s), past the speed
issue's bound. A writer who can edit the evidence file can also write a clean one; evidence
integrity is what the attestation issue answers, not this parser.

This module holds the adapter and the per-result loop. The rules, and the invocations that
configure them, are resolved in `rules`; a result's location, suppressions and Trivy
package are read in `results`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Final

from pydantic import Field

from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.records import Finding, Findings, Severity
from readiness.evidence.sarif.results import is_suppressed, physical_location, trivy_package
from readiness.evidence.sarif.rules import (
    LEVEL_SEVERITY,
    Rule,
    lookup_rule,
    read_invocations,
    read_rules,
    security_severity,
)
from readiness.evidence.scanners.bandit import (
    bandit_metrics,
    bandit_path,
    check_scanned,
    redact_message,
)
from readiness.evidence.scanners.base import (
    PLACEHOLDERS,
    Partial,
    ScannerParams,
    fingerprint,
    first_line,
    plural,
    read_each,
    versions,
)

_NOT_FAILURES: Final = frozenset({"pass", "notApplicable", "informational"})
_NEEDS_REVIEW: Final = frozenset({"open", "review"})
_NEW_STATES: Final[dict[str, bool]] = {"new": True, "updated": True, "unchanged": False}


class SarifParams(ScannerParams):
    """Options of the `sarif` kind."""

    unknown_severity: Severity = Field(
        "high",
        description="Severity of a result its producer rates UNKNOWN (Trivy SARIF tags such "
        "rules UNKNOWN, with security-severity 0.0).",
    )


class SarifAdapter:
    """A SARIF 2.1.0 log (`*.sarif`): Bandit `-f sarif`, Trivy `--format sarif`, Semgrep
    `--sarif`, gitleaks `--report-format sarif`, ZAP `sarif-json`, CodeQL, ...

    Every run of the log is read; results with `kind` other than `fail` are not failures:
    `pass`, `notApplicable` and `informational` are not findings (counted as `non-failures`),
    `open` and `review` (the tool could not decide) are findings of severity info (counted as
    `needs-review`). Severity, for `kind: fail`:
    - the rule's (or the result's) `properties["security-severity"]` when present, as GitHub
      code scanning reads it: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, 0 info; a
      word (CRITICAL, HIGH, ...) is taken as written. It wins over the level.
    - else the level: the result's `level`, else the rule's level from
      `invocations[].ruleConfigurationOverrides`, else its `defaultConfiguration.level`, else
      `warning`. error → high, warning → medium, note → low, none → info.
    - Trivy's UNKNOWN severity (score 0.0, tag UNKNOWN) → the `unknown-severity` option (high).
    - gitleaks: every result is critical (a leaked secret), as in the `gitleaks` kind.

    Rules are found by `ruleIndex`, then `rule.index`/`rule.toolComponent` (extensions), then
    `ruleId` (a hierarchical id "a/b/1" falls back to "a/b"), in `tool.driver.rules` and
    `tool.extensions[].rules`. `baselineState: absent` results are gone and not counted
    (`baseline-absent`); `unchanged` ones are not new. A result is suppressed when it has
    `suppressions` and none is `underReview` or `rejected`. The fingerprint is the result's
    `fingerprints` (Semgrep's "requires login" placeholder ignored), else a hash of rule,
    location and `partialFingerprints`, else its `correlationGuid`, else a hash of rule and
    location. Location = `uri:startLine` of the first location (`file:` URIs as paths); for
    Trivy, `package@version` with the fixed version, as in the `trivy` kind.

    Fails closed: an invocation with `executionSuccessful: false`, a run without `results`, a
    run with no results but error-level tool notifications (Semgrep's rule errors), an empty
    `runs`, a version other than 2.1.0, or any malformed element is an evidence error (Trivy
    writes no invocations: absent is not a failure). Error-level notifications beside results
    become warnings, and the files they name are listed as skipped. Bandit runs: `# nosec`
    counts from its metrics, and a scan that analysed no file is an error, as in the `bandit`
    kind. Snippets are never copied; for gitleaks and Trivy secret rules the message is not
    copied either, nor Bandit's quoted hardcoded passwords.
    """

    kind: ClassVar[str] = "sarif"
    record: ClassVar[str] = "Findings"
    Params: ClassVar[type[SarifParams]] = SarifParams

    def read(self, files: list[Path], display: dict[Path, str], params: SarifParams) -> Findings:
        """Merge every run of every SARIF log in `files`."""
        return read_each(files, display, lambda p, shown: _read_log(p, shown, params))


def _read_log(path: Path, shown: str, params: SarifParams) -> Partial:
    shape = Shape(shown)
    log = load_json(path, shown, unique_keys=False)  # see the module docstring
    if not isinstance(log, dict):
        shape.fail(f"a SARIF log must be a JSON object (got {kind_of(log)})")
    version = log.get("version")
    if version != "2.1.0":
        if version is None:
            shape.fail('no "version": not a SARIF log')
        shape.fail(f"unsupported SARIF version {shape.quote(version)} (readiness reads 2.1.0)")
    if "runs" not in log:
        shape.fail('no "runs": not a SARIF log')
    runs = shape.arr(log["runs"], "runs")
    if not runs:
        shape.fail("runs is empty: the log records no scan")
    part = Partial(shown, "sarif")
    for i, run in enumerate(runs):
        _read_run(shape, shape.obj(run, f"runs[{i}]"), f"runs[{i}]", part, params, first=i == 0)
    return part


def _read_run(
    shape: Shape,
    run: dict[str, Any],
    where: str,
    part: Partial,
    params: SarifParams,
    *,
    first: bool,
) -> None:
    tool = shape.obj(run.get("tool"), f"{where}.tool")
    driver = shape.obj(tool.get("driver"), f"{where}.tool.driver")
    name = shape.opt_str(driver, "name", f"{where}.tool.driver") or "sarif"
    if first:
        part.tool = name
    tables, by_id, names = read_rules(shape, tool, f"{where}.tool", params.unknown_severity, name)

    def lookup(ref: dict[str, Any], at: str) -> Rule | None:
        return lookup_rule(shape, ref, tables, by_id, names, at)

    errors, messages = read_invocations(shape, run, where, part, lookup)
    if run.get("results") is None:
        shape.fail(f"{where} has no results: a run without results is not a scan")
    results = shape.arr(run["results"], f"{where}.results")
    lname = name.lower()
    bandit, gitleaks, trivy = lname == "bandit", lname == "gitleaks", lname == "trivy"
    if gitleaks:
        shape.secret = True  # any field of a leak may hold the secret: errors never quote one
    if messages and not results and not bandit:
        # Semgrep reports a rule that failed to parse this way, with executionSuccessful true.
        shape.fail(
            f"{where}: the scan failed: no results and "
            f"{plural(len(messages), 'error-level tool notification')} ({messages[0]})"
        )
    if bandit:
        metrics = shape.opt_obj(shape.opt_obj(run, "properties", where), "metrics", where)
        files = (
            bandit_metrics(part, metrics, shape, f"{where}.properties.metrics") if metrics else None
        )
        check_scanned(shape, files, {bandit_path(k): v for k, v in errors.items()}, len(results))
    artifacts = run.get("artifacts")
    driver_rules = tables[0]
    n_driver = len(driver_rules)
    findings = part.findings
    absent = not_failures = review = 0
    for j, r in enumerate(results):
        if type(r) is not dict:
            shape.fail(f"{where}.results[{j}] is not an object (got {kind_of(r)})")
        kind = r.get("kind", "fail")
        if kind != "fail":
            if type(kind) is str and kind in _NOT_FAILURES:
                not_failures += 1
                continue
            if type(kind) is not str or kind not in _NEEDS_REVIEW:
                shape.fail(
                    f"{where}.results[{j}].kind {shape.quote(kind)} is not a SARIF result kind"
                )
        state = r.get("baselineState")
        new = True
        if state is not None:
            if type(state) is not str or state not in _NEW_STATES:
                if state == "absent":
                    absent += 1
                    continue
                shape.fail(
                    f"{where}.results[{j}].baselineState {shape.quote(state)} is not a SARIF state"
                )
            new = _NEW_STATES[state]

        # The rule: ruleIndex (into the driver, or rule.toolComponent), rule.index, ruleId.
        rule: Rule | None = None
        ref = r.get("rule")
        index = r.get("ruleIndex")
        if ref is not None:
            if type(ref) is not dict:
                shape.fail(f"{where}.results[{j}].rule must be an object (got {kind_of(ref)})")
            if index is not None and index != -1:
                ref = {**ref, "index": index}
            rule = lookup(ref, f"{where}.results[{j}].rule")
        elif index is not None and index != -1:
            if type(index) is not int or not 0 <= index < n_driver:
                shape.fail(
                    f"{where}.results[{j}].ruleIndex {shape.quote(index)} is out of range "
                    f"({n_driver} rules)"
                )
            rule = driver_rules[index]
        rule_id = r.get("ruleId")
        if rule_id is None:
            rule_id = ref.get("id") if ref is not None else None
            if rule_id is None:
                rule_id = rule.id if rule is not None else ""
        if type(rule_id) is not str:
            shape.fail(f"{where}.results[{j}].ruleId must be a string (got {kind_of(rule_id)})")
        if rule is None and rule_id:
            rule = by_id.get(rule_id)
            prefix = rule_id
            while rule is None and "/" in prefix:  # hierarchical id: "py/redos/1" → "py/redos"
                prefix = prefix.rsplit("/", 1)[0]
                rule = by_id.get(prefix)
        if not rule_id:
            rule_id = "(no rule id)"

        # Severity.
        if kind != "fail":
            severity: Severity = "info"
            review += 1
        else:
            level = r.get("level")
            if level is None:
                level = rule.level if rule is not None and rule.level is not None else "warning"
            elif type(level) is not str or level not in LEVEL_SEVERITY:
                shape.fail(
                    f"{where}.results[{j}].level {shape.quote(level)} is not none, note, "
                    "warning, error"
                )
            props = r.get("properties")
            if type(props) is dict and "security-severity" in props:
                severity = security_severity(shape, props, f"{where}.results[{j}]") or "info"
            elif rule is not None and rule.severity is not None:
                severity = rule.severity
            else:
                severity = LEVEL_SEVERITY[level]
            if gitleaks:
                severity = "critical"

        # Location: the first location's artifact and start line.
        uri = ""
        line = None
        snippet = ""
        locs = r.get("locations")
        if locs:
            if type(locs) is not list or type(locs[0]) is not dict:
                shape.fail(f"{where}.results[{j}].locations must be a list of objects")
            phys = locs[0].get("physicalLocation")
            if phys is not None:
                uri, line, snippet = physical_location(
                    shape, phys, artifacts, f"{where}.results[{j}]"
                )
            else:
                for logical in shape.opt_arr(locs[0], "logicalLocations", where)[:1]:
                    if type(logical) is dict:
                        uri = str(logical.get("fullyQualifiedName") or logical.get("name") or "")
        location = f"{uri}:{line}" if line else uri

        # Title: the message, unless it may carry a secret.
        msg = r.get("message")
        text = ""
        if msg is not None:
            if type(msg) is not dict:
                shape.fail(f"{where}.results[{j}].message must be an object (got {kind_of(msg)})")
            text = msg.get("text") or ""
            mid = msg.get("id")
            if not text and rule is not None and type(mid) is str and mid in rule.messages:
                text = rule.messages[mid]
                args = msg.get("arguments") or []
                if type(args) is not list:
                    shape.fail(f"{where}.results[{j}].message.arguments must be a list")
                for a, arg in enumerate(args):
                    text = text.replace(f"{{{a}}}", str(arg))
            if type(text) is not str:
                shape.fail(f"{where}.results[{j}].message.text must be a string")
        package = fixed = ""
        identity = location  # what the fallback fingerprint hashes
        if trivy and text.startswith("Package: "):
            package, installed, fixed = trivy_package(text)
            location = f"{package}@{installed}"
            identity = f"{location} {uri}:{line}"  # one result per package and target
            fixed = versions(fixed)
            text = ""  # the message only repeats the package; the rule holds the title
        if gitleaks or (rule is not None and rule.secret):
            title = ""
        else:
            title = first_line(text) if text else ""
            if title and snippet and snippet in text:
                title = ""
            elif bandit:
                title = redact_message(rule_id, title)
        if not title:
            title = (rule.title if rule is not None else "") or rule_id

        # Identity and triage.
        fps = r.get("fingerprints")
        if fps:
            if type(fps) is not dict:
                shape.fail(f"{where}.results[{j}].fingerprints must be an object")
            if len(fps) == 1:
                fp = str(next(iter(fps.values())))
            else:
                fp = fingerprint(*(f"{k}={v}" for k, v in sorted(fps.items())))
            if fp in PLACEHOLDERS:  # Semgrep CE: "requires login"
                fps = None
        if not fps:
            partial = r.get("partialFingerprints")
            if partial:
                if type(partial) is not dict:
                    shape.fail(f"{where}.results[{j}].partialFingerprints must be an object")
                if len(partial) == 1:
                    ((key, value),) = partial.items()
                    fp = fingerprint(rule_id, identity, package, f"{key}={value}")
                else:
                    items = (f"{k}={v}" for k, v in sorted(partial.items()))
                    fp = fingerprint(rule_id, identity, package, *items)
            else:
                guid = r.get("correlationGuid")
                fp = guid if type(guid) is str else fingerprint(rule_id, identity, package)
        suppressed = False
        sups = r.get("suppressions")
        if sups:
            suppressed = is_suppressed(shape, sups, f"{where}.results[{j}].suppressions")
        findings.append(
            Finding(
                tool=name,
                rule=rule_id,
                severity=severity,
                title=title,
                location=location,
                package=package,
                fixed_version=fixed,
                fingerprint=fp,
                suppressed=suppressed,
                new=new,
            )
        )
    if absent:
        part.count("baseline-absent", absent)
    if not_failures:
        part.count("non-failures", not_failures)
    if review:
        part.count("needs-review", review)
        part.warnings.append(f"{plural(review, 'result')} of kind open/review need a human review")
