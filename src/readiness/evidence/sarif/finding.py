"""One SARIF result -> one finding, in named steps: its kind and baseline state (either may
drop it, counted), its rule, severity, location, message and title, fingerprint, suppression.

`Run` holds what every result of a run needs, resolved once by the adapter (the tool, its
rules, the artifacts), so each step only does dictionary look-ups. Steps check the result in
the order the SARIF spec lists its properties, so a malformed result is reported by its first
bad property.

A finding is returned as the row of a `FindingTable` (a tuple of its fields), its fingerprint
still the parts to hash when it is one to compute: on a 200,000-result log, making a frozen
Finding per result and hashing each fingerprint took as long as decoding the log.

Two entries share the steps: `read_result` reads a result decoded as a dict (by `json`, or by
`structs` when it has fields that need checks), `read_plain` one that `structs` decoded as a
`Plain` (the common result: every field it has already typed by msgspec, none of the rarer
ones). Both take the values of the result's properties to the same steps and the same
`_fields`, so the two agree on every result `Plain` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from readiness.evidence._json import Shape, kind_of
from readiness.evidence.records import FindingFields, Severity
from readiness.evidence.sarif.results import (
    artifact_uri,
    is_suppressed,
    physical_location,
    trivy_package,
)
from readiness.evidence.sarif.rules import LEVEL_SEVERITY, Rule, lookup_rule, security_severity
from readiness.evidence.scanners.bandit import redact_message
from readiness.evidence.scanners.base import PLACEHOLDERS, first_line, versions

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


def read_result(run: Run, r: object, at: str) -> FindingFields | None:
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
    rule_id, rule = _rule_id(run, r.get("ruleId"), ref, rule, at)
    if kind == "fail":
        severity = _severity(run, r.get("level"), r.get("properties"), rule, at)
    else:
        severity = "info"
        run.review += 1
    uri, line, snippet = _location(run, r, at)
    text = _message(run.shape, r, rule, at)
    return _fields(
        run,
        rule_id,
        rule,
        severity,
        new,
        uri,
        line,
        snippet,
        text,
        r.get("fingerprints"),
        r.get("partialFingerprints"),
        r.get("correlationGuid"),
        r.get("suppressions"),
        at,
    )


def read_plain(run: Run, p: Any, at: str) -> FindingFields:
    """The finding of a result decoded as a `structs.Plain`: a failure (kind absent or fail),
    new unless its baselineState says unchanged, no rule reference, no properties that set a
    severity, no suppressions, a message with its text, locations by uri or artifact index;
    every value typed. The same row `read_result` gives for it: the same steps where a value
    needs one, the common case (a rule named by index and id) without the calls."""
    state = p.baselineState
    index = p.ruleIndex
    rule = None if index is None or index == -1 else _indexed_rule(run, index, at)
    rule_id = p.ruleId
    if rule is None or not rule_id:
        rule_id, rule = _rule_id(run, rule_id, None, rule, at)
    level = p.level
    if rule is None:  # `_severity`, its checks made by msgspec
        severity = LEVEL_SEVERITY[level or "warning"]
    else:
        severity = rule.severity or LEVEL_SEVERITY[level or rule.level or "warning"]
    uri, line, snippet = _plain_location(run, p.locations, at) if p.locations else _NOWHERE
    message = p.message
    return _fields(
        run,
        rule_id,
        rule,
        "critical" if run.gitleaks else severity,
        True if state is None else _NEW_STATES[state],
        uri,
        line,
        snippet,
        "" if message is None else message.text or "",
        p.fingerprints,
        p.partialFingerprints,
        p.correlationGuid,
        None,
        at,
    )


_NOWHERE: Final = ("", None, "")


def _plain_location(run: Run, locations: list[Any], at: str) -> tuple[str, int | None, str]:
    """`_location` of typed locations: the first one's uri, line and snippet (no logical
    locations in a Plain)."""
    phys = locations[0].physicalLocation
    if phys is None:
        return _NOWHERE
    uri = ""
    art = phys.artifactLocation
    if art is not None:
        uri = art.uri
        if uri is None or uri.startswith("file:"):
            uri = artifact_uri(run.shape, uri, art.index, run.artifacts, at)
    region = phys.region
    if region is None:
        return uri, None, ""
    snip = region.snippet
    if snip is None or snip.text is None:
        return uri, region.startLine, ""
    return uri, region.startLine, snip.text.strip()


def _fields(
    run: Run,
    rule_id: str,
    rule: Rule | None,
    severity: Severity,
    new: bool,
    uri: str,
    line: int | None,
    snippet: str,
    text: str,
    fps: object,
    partial: object,
    guid: object,
    sups: object,
    at: str,
) -> FindingFields:
    """The row of a result from its rule id, rule, severity, whether it is new, its uri,
    line, snippet and message, (partial) fingerprints, correlationGuid and suppressions."""
    location = f"{uri}:{line}" if line else uri
    package = fixed = ""
    identity = location  # what the fallback fingerprint hashes
    if run.trivy and text.startswith("Package: "):
        package, installed, fixed = trivy_package(text)
        location = f"{package}@{installed}"
        identity = f"{location} {uri}:{line}"  # one result per package and target
        fixed = versions(fixed)
        text = ""  # the message only repeats the package; the rule holds the title
    return (
        run.name,
        rule_id,
        severity,
        _title(run, rule, rule_id, text, snippet),
        location,
        package,
        fixed,
        _fingerprint(run.shape, fps, partial, guid, rule_id, identity, package, at),
        is_suppressed(run.shape, sups, f"{at}.suppressions") if sups else False,
        new,
        (),
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
    return _indexed_rule(run, index, at), None


def _indexed_rule(run: Run, index: object, at: str) -> Rule:
    """The driver's rule at `ruleIndex`."""
    driver = run.tables[0]
    if type(index) is not int or not 0 <= index < len(driver):
        run.shape.fail(
            f"{at}.ruleIndex {run.shape.quote(index)} is out of range ({len(driver)} rules)"
        )
    return driver[index]


def _rule_id(
    run: Run, rule_id: object, ref: dict[str, Any] | None, rule: Rule | None, at: str
) -> tuple[str, Rule | None]:
    """The rule id (`ruleId`, else the reference's or the rule's), and the rule found by id when
    no index named it (a hierarchical id "py/redos/1" falls back to "py/redos")."""
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


def _severity(run: Run, level: object, props: object, rule: Rule | None, at: str) -> Severity:
    """A failure's severity: security-severity (result's `properties`, then the rule's), else
    the `level`."""
    if level is None:
        level = rule.level if rule is not None and rule.level is not None else "warning"
    elif type(level) is not str or level not in LEVEL_SEVERITY:
        run.shape.fail(f"{at}.level {run.shape.quote(level)} is not none, note, warning, error")
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
    shape: Shape,
    fps: object,
    partial: object,
    guid: object,
    rule_id: str,
    identity: str,
    package: str,
    at: str,
) -> str | tuple[str, ...]:
    """`fingerprints` (not a placeholder), else a hash of rule, identity and
    `partialFingerprints`, else `correlationGuid`, else a hash of rule and identity; a hash
    as the parts it is computed from (the finding's table hashes them when it is read)."""
    if fps:
        if type(fps) is not dict:
            shape.fail(f"{at}.fingerprints must be an object")
        if len(fps) != 1:
            return tuple(f"{k}={v}" for k, v in sorted(fps.items()))  # never a placeholder
        fp = str(next(iter(fps.values())))
        if fp not in PLACEHOLDERS:  # Semgrep CE: "requires login"
            return fp
    if partial:
        if type(partial) is not dict:
            shape.fail(f"{at}.partialFingerprints must be an object")
        if len(partial) == 1:
            ((key, value),) = partial.items()
            return (rule_id, identity, package, f"{key}={value}")
        return (rule_id, identity, package, *(f"{k}={v}" for k, v in sorted(partial.items())))
    return guid if type(guid) is str else (rule_id, identity, package)
