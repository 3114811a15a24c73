"""SARIF 2.1.0 logs, from any producer (Bandit, Trivy, Semgrep, gitleaks, ZAP, CodeQL, ...).

Rules are resolved once per run (driver and extensions, configuration overrides, severities), so
the per-result loop only does dictionary look-ups: a log with 200,000 results costs little more
than parsing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Final
from urllib.parse import unquote

from pydantic import Field

from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.records import Finding, Findings, Severity
from readiness.evidence.scanners_bandit import (
    bandit_metrics,
    bandit_path,
    check_scanned,
    redact_message,
)
from readiness.evidence.scanners_common import (
    PLACEHOLDERS,
    Partial,
    ScannerParams,
    fingerprint,
    first_line,
    plural,
    read_each,
    score_or_word_severity,
    versions,
)

LEVEL_SEVERITY: Final[dict[str, Severity]] = {
    "error": "high",
    "warning": "medium",
    "note": "low",
    "none": "info",
}
_NOT_FAILURES: Final = frozenset({"pass", "notApplicable", "informational"})
_NEEDS_REVIEW: Final = frozenset({"open", "review"})
_NEW_STATES: Final[dict[str, bool]] = {"new": True, "updated": True, "unchanged": False}
_SUPPRESSION_STATUS: Final = frozenset({"accepted", "underReview", "rejected"})


class SarifParams(ScannerParams):
    """Options of the `sarif` kind."""

    unknown_severity: Severity = Field(
        "high",
        description="Severity of a result its producer rates UNKNOWN (Trivy SARIF tags such "
        "rules UNKNOWN, with security-severity 0.0).",
    )


class _Rule:
    """A reportingDescriptor reduced to what results need, computed once per run."""

    __slots__ = ("id", "level", "messages", "secret", "severity", "title", "unknown")

    def __init__(self, rule_id: str) -> None:
        self.id = rule_id
        self.title = ""
        self.level: str | None = None
        self.severity: Severity | None = None  # from properties["security-severity"]
        self.unknown = False  # the producer tags the rule's severity UNKNOWN (Trivy)
        self.secret = False  # a secret-scanning rule: its messages may quote the secret
        self.messages: dict[str, str] = {}


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
    log = load_json(path, shown)
    if not isinstance(log, dict):
        shape.fail(f"a SARIF log must be a JSON object (got {kind_of(log)})")
    version = log.get("version")
    if version != "2.1.0":
        if version is None:
            shape.fail('no "version": not a SARIF log')
        shape.fail(f"unsupported SARIF version {version!r} (readiness reads 2.1.0)")
    if "runs" not in log:
        shape.fail('no "runs": not a SARIF log')
    runs = shape.arr(log["runs"], "runs")
    if not runs:
        shape.fail("runs is empty: the log records no scan")
    part = Partial(shown, "sarif")
    for i, run in enumerate(runs):
        _read_run(shape, shape.obj(run, f"runs[{i}]"), f"runs[{i}]", part, params, first=i == 0)
    return part


def _text(shape: Shape, value: Any, where: str) -> str:
    """The `text` of a SARIF message object (absent → "")."""
    if value is None:
        return ""
    return shape.opt_str(shape.obj(value, where), "text", where)


def _rules(
    shape: Shape, tool: dict[str, Any], where: str, params: SarifParams, tool_name: str
) -> tuple[list[list[_Rule]], dict[str, _Rule], dict[str, int]]:
    """Each component's rules (0 = driver, 1.. = extensions), rules by id, extensions by name."""
    components = [shape.obj(tool.get("driver"), f"{where}.driver")]
    names: dict[str, int] = {}
    for k, raw_ext in enumerate(shape.opt_arr(tool, "extensions", where)):
        ext = shape.obj(raw_ext, f"{where}.extensions[{k}]")
        components.append(ext)
        for key in ("name", "guid"):
            if isinstance(ext.get(key), str):
                names.setdefault(ext[key], k + 1)
    gitleaks = tool_name.lower() == "gitleaks"
    trivy = tool_name.lower() == "trivy"
    tables: list[list[_Rule]] = []
    by_id: dict[str, _Rule] = {}
    for c, comp in enumerate(components):
        cwhere = f"{where}.driver" if c == 0 else f"{where}.extensions[{c - 1}]"
        table: list[_Rule] = []
        for k, item in enumerate(shape.opt_arr(comp, "rules", cwhere)):
            rwhere = f"{cwhere}.rules[{k}]"
            raw = shape.obj(item, rwhere)
            rule = _Rule(shape.opt_str(raw, "id", rwhere))
            rule.title = first_line(
                _text(shape, raw.get("shortDescription"), f"{rwhere}.shortDescription")
                or shape.opt_str(raw, "name", rwhere)
            )
            config = shape.opt_obj(raw, "defaultConfiguration", rwhere)
            rule.level = _level(shape, config.get("level"), f"{rwhere}.defaultConfiguration")
            props = shape.opt_obj(raw, "properties", rwhere)
            rule.severity = _security_severity(shape, props, rwhere)
            tags = props.get("tags")
            if trivy and isinstance(tags, list) and "UNKNOWN" in tags:
                rule.unknown = True
            rule.secret = gitleaks or (trivy and raw.get("name") == "Secret")
            for mid, mstr in shape.opt_obj(raw, "messageStrings", rwhere).items():
                rule.messages[mid] = _text(shape, mstr, f"{rwhere}.messageStrings.{mid}")
            if rule.unknown:
                rule.severity = params.unknown_severity
            table.append(rule)
            if rule.id:
                by_id.setdefault(rule.id, rule)
        tables.append(table)
    return tables, by_id, names


def _level(shape: Shape, value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in LEVEL_SEVERITY:
        shape.fail(f"{where}.level {value!r} is not one of none, note, warning, error")
    return value


def _security_severity(shape: Shape, props: dict[str, Any], where: str) -> Severity | None:
    value = props.get("security-severity")
    if value is None:
        return None
    severity = score_or_word_severity(value)
    if severity is None:
        shape.fail(
            f'{where}.properties["security-severity"] {value!r} is neither a score from 0 to 10 '
            "nor a severity word"
        )
    return severity


def _component(
    shape: Shape, ref: dict[str, Any], tables: list[list[_Rule]], names: dict[str, int], where: str
) -> int:
    """The component a reportingDescriptorReference points into (0 = the driver)."""
    tc = ref.get("toolComponent")
    if tc is None:
        return 0
    tc = shape.obj(tc, f"{where}.toolComponent")
    index = tc.get("index")
    if index is not None:
        if type(index) is not int or not 0 <= index < len(tables) - 1:
            shape.fail(f"{where}.toolComponent.index {index!r} names no extension")
        return int(index) + 1
    for key in ("name", "guid"):
        if isinstance(tc.get(key), str) and tc[key] in names:
            return names[tc[key]]
    return 0


def _lookup(
    shape: Shape,
    ref: dict[str, Any],
    tables: list[list[_Rule]],
    by_id: dict[str, _Rule],
    names: dict[str, int],
    where: str,
) -> _Rule | None:
    """Resolve a reportingDescriptorReference (`result.rule`, an override's `descriptor`)."""
    comp = _component(shape, ref, tables, names, where)
    index = ref.get("index")
    if index is not None and index != -1:
        if type(index) is not int or not 0 <= index < len(tables[comp]):
            shape.fail(f"{where}.index {index!r} is out of range ({len(tables[comp])} rules)")
        return tables[comp][int(index)]
    rule_id = ref.get("id")
    if isinstance(rule_id, str):
        for rule in tables[comp]:
            if rule.id == rule_id:
                return rule
        return by_id.get(rule_id)
    return None


def _invocations(
    shape: Shape,
    run: dict[str, Any],
    where: str,
    part: Partial,
    lookup: Any,
) -> tuple[dict[str, str], list[str]]:
    """Fail on an unsuccessful invocation and apply level overrides.

    Returns the error-level notifications: by artifact (files the tool could not analyse,
    listed as skipped) and all of them (messages).
    """
    errors: dict[str, str] = {}
    every: list[str] = []
    for k, item in enumerate(shape.opt_arr(run, "invocations", where)):
        iwhere = f"{where}.invocations[{k}]"
        inv = shape.obj(item, iwhere)
        messages: list[str] = []
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for n, raw_note in enumerate(shape.opt_arr(inv, key, iwhere)):
                nwhere = f"{iwhere}.{key}[{n}]"
                note = shape.obj(raw_note, nwhere)
                if note.get("level", "warning") != "error":
                    continue
                text = first_line(_text(shape, note.get("message"), f"{nwhere}.message"))
                uri = ""
                for loc in shape.opt_arr(note, "locations", nwhere)[:1]:
                    phys = shape.opt_obj(
                        shape.obj(loc, f"{nwhere}.locations[0]"), "physicalLocation", nwhere
                    )
                    art = shape.opt_obj(phys, "artifactLocation", nwhere)
                    uri = _local(shape.opt_str(art, "uri", nwhere))
                messages.append(f"{uri}: {text}" if uri else text)
                if uri:
                    errors[uri] = text
                    part.skipped.append(f"{uri}: {text}")
        success = inv.get("executionSuccessful")
        if success is False:
            why = f": {messages[0]}" if messages else ""
            shape.fail(f"{iwhere}: the scan did not complete (executionSuccessful is false){why}")
        if success is not None and success is not True:
            shape.fail(f"{iwhere}.executionSuccessful must be true or false (got {success!r})")
        if messages:
            part.warnings.append(
                f"{plural(len(messages), 'error-level tool notification')} ({messages[0]})"
            )
            every.extend(messages)
        for o, raw_ov in enumerate(shape.opt_arr(inv, "ruleConfigurationOverrides", iwhere)):
            owhere = f"{iwhere}.ruleConfigurationOverrides[{o}]"
            override = shape.obj(raw_ov, owhere)
            descriptor = shape.obj(override.get("descriptor"), f"{owhere}.descriptor")
            config = shape.opt_obj(override, "configuration", owhere)
            level = _level(shape, config.get("level"), f"{owhere}.configuration")
            rule = lookup(descriptor, f"{owhere}.descriptor")
            if rule is not None and level is not None:
                rule.level = level
    return errors, every


def _trivy_package(text: str) -> tuple[str, str, str]:
    """Package, installed and fixed version from a Trivy vulnerability message."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value.strip()
    return (
        fields.get("Package", ""),
        fields.get("Installed Version", ""),
        fields.get("Fixed Version", ""),
    )


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
    tables, by_id, names = _rules(shape, tool, f"{where}.tool", params, name)

    def lookup(ref: dict[str, Any], at: str) -> _Rule | None:
        return _lookup(shape, ref, tables, by_id, names, at)

    errors, messages = _invocations(shape, run, where, part, lookup)
    if run.get("results") is None:
        shape.fail(f"{where} has no results: a run without results is not a scan")
    results = shape.arr(run["results"], f"{where}.results")
    lname = name.lower()
    bandit, gitleaks, trivy = lname == "bandit", lname == "gitleaks", lname == "trivy"
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
                shape.fail(f"{where}.results[{j}].kind {kind!r} is not a SARIF result kind")
        state = r.get("baselineState")
        new = True
        if state is not None:
            if type(state) is not str or state not in _NEW_STATES:
                if state == "absent":
                    absent += 1
                    continue
                shape.fail(f"{where}.results[{j}].baselineState {state!r} is not a SARIF state")
            new = _NEW_STATES[state]

        # The rule: ruleIndex (into the driver, or rule.toolComponent), rule.index, ruleId.
        rule: _Rule | None = None
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
                    f"{where}.results[{j}].ruleIndex {index!r} is out of range ({n_driver} rules)"
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
                    f"{where}.results[{j}].level {level!r} is not none, note, warning, error"
                )
            props = r.get("properties")
            if type(props) is dict and "security-severity" in props:
                severity = _security_severity(shape, props, f"{where}.results[{j}]") or "info"
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
                uri, line, snippet = _physical(shape, phys, artifacts, f"{where}.results[{j}]")
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
            package, installed, fixed = _trivy_package(text)
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
            suppressed = _suppressed(shape, sups, f"{where}.results[{j}].suppressions")
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


def _physical(
    shape: Shape, phys: object, artifacts: object, where: str
) -> tuple[str, int | None, str]:
    """(uri, start line, snippet text) of a physicalLocation."""
    if type(phys) is not dict:
        shape.fail(f"{where}.locations[0].physicalLocation must be an object")
    uri: object = ""
    art = phys.get("artifactLocation")
    if art is not None:
        if type(art) is not dict:
            shape.fail(f"{where}.locations[0].physicalLocation.artifactLocation must be an object")
        uri = art.get("uri")
        if uri is None:  # an index into run.artifacts instead of a uri
            index = art.get("index")
            if type(index) is int and isinstance(artifacts, list) and 0 <= index < len(artifacts):
                entry = artifacts[index]
                loc = entry.get("location") if type(entry) is dict else None
                uri = loc.get("uri") if type(loc) is dict else None
            uri = uri or ""
        if type(uri) is not str:
            shape.fail(
                f"{where}.locations[0].physicalLocation.artifactLocation.uri must be a string"
            )
        if uri.startswith("file:"):
            uri = _local(uri)
    line = None
    snippet = ""
    region = phys.get("region")
    if region is not None:
        if type(region) is not dict:
            shape.fail(f"{where}.locations[0].physicalLocation.region must be an object")
        line = region.get("startLine")
        if line is not None and (type(line) is not int or line < 0):
            shape.fail(f"{where}.locations[0]...region.startLine must be a positive integer")
        snip = region.get("snippet")
        if type(snip) is dict and type(snip.get("text")) is str:
            snippet = snip["text"].strip()
    return str(uri), line, snippet


def _local(uri: str) -> str:
    """A `file:` URI as a path (Bandit writes `file:///abs/path` for absolute targets)."""
    if uri.startswith("file://"):
        return unquote(uri[7:])
    if uri.startswith("file:"):
        return unquote(uri[5:])
    return uri


def _suppressed(shape: Shape, sups: object, where: str) -> bool:
    """Suppressed unless a suppression is underReview or rejected (status absent = accepted)."""
    if type(sups) is not list:
        shape.fail(f"{where} must be a list (got {kind_of(sups)})")
    result = True
    for k, sup in enumerate(sups):
        if type(sup) is not dict:
            shape.fail(f"{where}[{k}] must be an object (got {kind_of(sup)})")
        status = sup.get("status")
        if status is None or status == "accepted":
            continue
        if type(status) is not str or status not in _SUPPRESSION_STATUS:
            shape.fail(f"{where}[{k}].status {status!r} is not accepted, underReview, rejected")
        result = False
    return result
