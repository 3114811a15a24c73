"""One SARIF result -> one Finding, in named steps: its kind and baseline state (either may
drop it, counted), its rule, severity, location, message and title, fingerprint, suppression.

`Run` holds what every result of a run needs, resolved once by the adapter (the tool, its
rules, the artifacts), so each step only does dictionary look-ups. Steps check the result in
the order the SARIF spec lists its properties, so a malformed result is reported by its first
bad property.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from readiness.evidence._json import Shape, kind_of
from readiness.evidence.records import Finding, Severity
from readiness.evidence.sarif.results import is_suppressed, physical_location, trivy_package
from readiness.evidence.sarif.rules import LEVEL_SEVERITY, Rule, lookup_rule, security_severity
from readiness.evidence.scanners.bandit import redact_message
from readiness.evidence.scanners.base import PLACEHOLDERS, fingerprint, first_line, versions

_NOT_FAILURES: Final = frozenset({"pass", "notApplicable", "informational"})
_NEEDS_REVIEW: Final = frozenset({"open", "review"})
_NEW_STATES: Final[dict[str, bool]] = {"new": True, "updated": True, "unchanged": False}


@dataclass(slots=True)
class Run:
    """One run's context for its results, and the counts of results that are not findings."""

    shape: Shape
    where: str
    name: str
    tables: list[list[Rule]]  # each component's rules: 0 = the driver, 1.. = extensions
    by_id: dict[str, Rule]
    names: dict[str, int]  # extension name or guid -> its index in `tables`
    artifacts: object
    bandit: bool
    gitleaks: bool
    trivy: bool
    absent: int = 0  # baselineState absent: gone since the baseline
    not_failures: int = 0  # kind pass, notApplicable, informational
    review: int = 0  # kind open, review: the tool could not decide

    def lookup(self, ref: dict[str, Any], where: str) -> Rule | None:
        """The rule a reportingDescriptorReference names."""
        return lookup_rule(self.shape, ref, self.tables, self.by_id, self.names, where)


def read_result(run: Run, r: object, at: str) -> Finding | None:
    """The finding of result `r` (at `at`), or None for one that is not a finding (counted)."""
    if type(r) is not dict:
        run.shape.fail(f"{at} is not an object (got {kind_of(r)})")
    kind = _kind(run, r, at)
    if kind is None:
        return None
    new = _is_new(run, r, at)
    if new is None:
        return None
    rule, ref = _rule(run, r, at)
    rule_id, rule = _rule_id(run, r, ref, rule, at)
    if kind == "fail":
        severity = _severity(run, r, rule, at)
    else:
        severity = "info"
        run.review += 1
    uri, line, snippet = _location(run, r, at)
    text = _message(run.shape, r, rule, at)
    location = f"{uri}:{line}" if line else uri
    package = fixed = ""
    identity = location  # what the fallback fingerprint hashes
    if run.trivy and text.startswith("Package: "):
        package, installed, fixed = trivy_package(text)
        location = f"{package}@{installed}"
        identity = f"{location} {uri}:{line}"  # one result per package and target
        fixed = versions(fixed)
        text = ""  # the message only repeats the package; the rule holds the title
    sups = r.get("suppressions")
    return Finding(
        tool=run.name,
        rule=rule_id,
        severity=severity,
        title=_title(run, rule, rule_id, text, snippet),
        location=location,
        package=package,
        fixed_version=fixed,
        fingerprint=_fingerprint(run.shape, r, rule_id, identity, package, at),
        suppressed=is_suppressed(run.shape, sups, f"{at}.suppressions") if sups else False,
        new=new,
    )


def _kind(run: Run, r: dict[str, Any], at: str) -> str | None:
    """`fail`, `open` or `review`; None (counted) for a result that is not a failure."""
    kind = r.get("kind", "fail")
    if kind == "fail":
        return "fail"
    if type(kind) is str and kind in _NOT_FAILURES:
        run.not_failures += 1
        return None
    if type(kind) is not str or kind not in _NEEDS_REVIEW:
        run.shape.fail(f"{at}.kind {run.shape.quote(kind)} is not a SARIF result kind")
    return kind


def _is_new(run: Run, r: dict[str, Any], at: str) -> bool | None:
    """Whether the result is new since the baseline; None (counted) when it is gone."""
    state = r.get("baselineState")
    if state is None:
        return True
    if type(state) is str and state in _NEW_STATES:
        return _NEW_STATES[state]
    if state == "absent":
        run.absent += 1
        return None
    run.shape.fail(f"{at}.baselineState {run.shape.quote(state)} is not a SARIF state")


def _rule(run: Run, r: dict[str, Any], at: str) -> tuple[Rule | None, dict[str, Any] | None]:
    """The rule by `rule` (a reference, with `ruleIndex` folded in) or by `ruleIndex` into the
    driver; and the reference, whose `id` names the rule when `ruleId` does not."""
    ref = r.get("rule")
    index = r.get("ruleIndex")
    indexed = index is not None and index != -1
    if ref is not None:
        if type(ref) is not dict:
            run.shape.fail(f"{at}.rule must be an object (got {kind_of(ref)})")
        if indexed:
            ref = {**ref, "index": index}
        return run.lookup(ref, f"{at}.rule"), ref
    if not indexed:
        return None, None
    driver = run.tables[0]
    if type(index) is not int or not 0 <= index < len(driver):
        run.shape.fail(
            f"{at}.ruleIndex {run.shape.quote(index)} is out of range ({len(driver)} rules)"
        )
    return driver[index], None


def _rule_id(
    run: Run, r: dict[str, Any], ref: dict[str, Any] | None, rule: Rule | None, at: str
) -> tuple[str, Rule | None]:
    """The rule id (`ruleId`, else the reference's or the rule's), and the rule found by id when
    no index named it (a hierarchical id "py/redos/1" falls back to "py/redos")."""
    rule_id = r.get("ruleId")
    if rule_id is None:
        rule_id = ref.get("id") if ref is not None else None
        if rule_id is None:
            rule_id = rule.id if rule is not None else ""
    if type(rule_id) is not str:
        run.shape.fail(f"{at}.ruleId must be a string (got {kind_of(rule_id)})")
    if rule is None and rule_id:
        rule = run.by_id.get(rule_id)
        prefix = rule_id
        while rule is None and "/" in prefix:
            prefix = prefix.rsplit("/", 1)[0]
            rule = run.by_id.get(prefix)
    return rule_id or "(no rule id)", rule


def _severity(run: Run, r: dict[str, Any], rule: Rule | None, at: str) -> Severity:
    """A failure's severity: security-severity (result's, then rule's), else the level."""
    level = r.get("level")
    if level is None:
        level = rule.level if rule is not None and rule.level is not None else "warning"
    elif type(level) is not str or level not in LEVEL_SEVERITY:
        run.shape.fail(f"{at}.level {run.shape.quote(level)} is not none, note, warning, error")
    props = r.get("properties")
    if type(props) is dict and "security-severity" in props:
        severity = security_severity(run.shape, props, at) or "info"
    elif rule is not None and rule.severity is not None:
        severity = rule.severity
    else:
        severity = LEVEL_SEVERITY[level]
    return "critical" if run.gitleaks else severity


def _location(run: Run, r: dict[str, Any], at: str) -> tuple[str, int | None, str]:
    """(uri, start line, snippet) of the first location; a logical location's name if it has
    no physical one."""
    locs = r.get("locations")
    if not locs:
        return "", None, ""
    if type(locs) is not list or type(locs[0]) is not dict:
        run.shape.fail(f"{at}.locations must be a list of objects")
    phys = locs[0].get("physicalLocation")
    if phys is not None:
        return physical_location(run.shape, phys, run.artifacts, at)
    for logical in run.shape.opt_arr(locs[0], "logicalLocations", run.where)[:1]:
        if type(logical) is dict:
            return str(logical.get("fullyQualifiedName") or logical.get("name") or ""), None, ""
    return "", None, ""


def _message(shape: Shape, r: dict[str, Any], rule: Rule | None, at: str) -> str:
    """The message text, or the rule's message string it names with its arguments filled in."""
    msg = r.get("message")
    if msg is None:
        return ""
    if type(msg) is not dict:
        shape.fail(f"{at}.message must be an object (got {kind_of(msg)})")
    text = msg.get("text") or ""
    mid = msg.get("id")
    if not text and rule is not None and type(mid) is str and mid in rule.messages:
        args = msg.get("arguments") or []
        if type(args) is not list:
            shape.fail(f"{at}.message.arguments must be a list")
        text = rule.messages[mid]
        for a, arg in enumerate(args):
            text = text.replace(f"{{{a}}}", str(arg))
    if type(text) is not str:
        shape.fail(f"{at}.message.text must be a string")
    return text


def _title(run: Run, rule: Rule | None, rule_id: str, text: str, snippet: str) -> str:
    """The message's first line, unless it may carry a secret or quotes the snippet; else the
    rule's title, else its id."""
    title = ""
    if not run.gitleaks and not (rule is not None and rule.secret):
        title = first_line(text) if text else ""
        if title and snippet and snippet in text:
            title = ""
        elif run.bandit:
            title = redact_message(rule_id, title)
    return title or (rule.title if rule is not None else "") or rule_id


def _fingerprint(
    shape: Shape, r: dict[str, Any], rule_id: str, identity: str, package: str, at: str
) -> str:
    """`fingerprints` (not a placeholder), else a hash of rule, identity and
    `partialFingerprints`, else `correlationGuid`, else a hash of rule and identity."""
    fps = r.get("fingerprints")
    if fps:
        if type(fps) is not dict:
            shape.fail(f"{at}.fingerprints must be an object")
        if len(fps) == 1:
            fp = str(next(iter(fps.values())))
        else:
            fp = fingerprint(*(f"{k}={v}" for k, v in sorted(fps.items())))
        if fp not in PLACEHOLDERS:  # Semgrep CE: "requires login"
            return fp
    partial = r.get("partialFingerprints")
    if partial:
        if type(partial) is not dict:
            shape.fail(f"{at}.partialFingerprints must be an object")
        if len(partial) == 1:
            ((key, value),) = partial.items()
            return fingerprint(rule_id, identity, package, f"{key}={value}")
        items = (f"{k}={v}" for k, v in sorted(partial.items()))
        return fingerprint(rule_id, identity, package, *items)
    guid = r.get("correlationGuid")
    return guid if type(guid) is str else fingerprint(rule_id, identity, package)
