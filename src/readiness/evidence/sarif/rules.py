"""The rules of a SARIF run, resolved once so that the per-result loop of
`readiness.evidence.sarif` only does dictionary look-ups: each tool component's
reportingDescriptors reduced to a `Rule` (title, level, severity, message strings), levels
checked, `security-severity` read, and reportingDescriptorReferences resolved. The run's
invocations are read here too, since their `ruleConfigurationOverrides` set rule levels: a scan
that did not complete fails, and error-level notifications are gathered.
"""

from __future__ import annotations

from typing import Any, Final

from readiness.evidence._json import Shape
from readiness.evidence.records import Severity
from readiness.evidence.sarif.results import local_path
from readiness.evidence.scanners.base import Partial, first_line, plural, score_or_word_severity

LEVEL_SEVERITY: Final[dict[str, Severity]] = {
    "error": "high",
    "warning": "medium",
    "note": "low",
    "none": "info",
}


class Rule:
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


def _text(shape: Shape, value: Any, where: str) -> str:
    """The `text` of a SARIF message object (absent → "")."""
    if value is None:
        return ""
    return shape.opt_str(shape.obj(value, where), "text", where)


def read_rules(
    shape: Shape, tool: dict[str, Any], where: str, unknown_severity: Severity, tool_name: str
) -> tuple[list[list[Rule]], dict[str, Rule], dict[str, int]]:
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
    tables: list[list[Rule]] = []
    by_id: dict[str, Rule] = {}
    for c, comp in enumerate(components):
        cwhere = f"{where}.driver" if c == 0 else f"{where}.extensions[{c - 1}]"
        table: list[Rule] = []
        for k, item in enumerate(shape.opt_arr(comp, "rules", cwhere)):
            rwhere = f"{cwhere}.rules[{k}]"
            raw = shape.obj(item, rwhere)
            rule = Rule(shape.opt_str(raw, "id", rwhere))
            rule.title = first_line(
                _text(shape, raw.get("shortDescription"), f"{rwhere}.shortDescription")
                or shape.opt_str(raw, "name", rwhere)
            )
            config = shape.opt_obj(raw, "defaultConfiguration", rwhere)
            rule.level = _level(shape, config.get("level"), f"{rwhere}.defaultConfiguration")
            props = shape.opt_obj(raw, "properties", rwhere)
            rule.severity = security_severity(shape, props, rwhere)
            tags = props.get("tags")
            if trivy and isinstance(tags, list) and "UNKNOWN" in tags:
                rule.unknown = True
            rule.secret = gitleaks or (trivy and raw.get("name") == "Secret")
            for mid, mstr in shape.opt_obj(raw, "messageStrings", rwhere).items():
                rule.messages[mid] = _text(shape, mstr, f"{rwhere}.messageStrings.{mid}")
            if rule.unknown:
                rule.severity = unknown_severity
            table.append(rule)
            if rule.id:
                by_id.setdefault(rule.id, rule)
        tables.append(table)
    return tables, by_id, names


def _level(shape: Shape, value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in LEVEL_SEVERITY:
        shape.fail(f"{where}.level {shape.quote(value)} is not one of none, note, warning, error")
    return value


def security_severity(shape: Shape, props: dict[str, Any], where: str) -> Severity | None:
    value = props.get("security-severity")
    if value is None:
        return None
    severity = score_or_word_severity(value)
    if severity is None:
        shape.fail(
            f'{where}.properties["security-severity"] {shape.quote(value)} is neither a score '
            "from 0 to 10 "
            "nor a severity word"
        )
    return severity


def _component(
    shape: Shape, ref: dict[str, Any], tables: list[list[Rule]], names: dict[str, int], where: str
) -> int:
    """The component a reportingDescriptorReference points into (0 = the driver)."""
    tc = ref.get("toolComponent")
    if tc is None:
        return 0
    tc = shape.obj(tc, f"{where}.toolComponent")
    index = tc.get("index")
    if index is not None:
        if type(index) is not int or not 0 <= index < len(tables) - 1:
            shape.fail(f"{where}.toolComponent.index {shape.quote(index)} names no extension")
        return int(index) + 1
    for key in ("name", "guid"):
        if isinstance(tc.get(key), str) and tc[key] in names:
            return names[tc[key]]
    return 0


def lookup_rule(
    shape: Shape,
    ref: dict[str, Any],
    tables: list[list[Rule]],
    by_id: dict[str, Rule],
    names: dict[str, int],
    where: str,
) -> Rule | None:
    """Resolve a reportingDescriptorReference (`result.rule`, an override's `descriptor`)."""
    comp = _component(shape, ref, tables, names, where)
    index = ref.get("index")
    if index is not None and index != -1:
        if type(index) is not int or not 0 <= index < len(tables[comp]):
            shape.fail(
                f"{where}.index {shape.quote(index)} is out of range ({len(tables[comp])} rules)"
            )
        return tables[comp][int(index)]
    rule_id = ref.get("id")
    if isinstance(rule_id, str):
        for rule in tables[comp]:
            if rule.id == rule_id:
                return rule
        return by_id.get(rule_id)
    return None


def read_invocations(
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
        messages = _error_notifications(shape, inv, iwhere, part, errors)
        _check_success(shape, inv, iwhere, messages)
        if messages:
            part.warnings.append(
                f"{plural(len(messages), 'error-level tool notification')} ({messages[0]})"
            )
            every.extend(messages)
        _apply_overrides(shape, inv, iwhere, lookup)
    return errors, every


def _error_notifications(
    shape: Shape, inv: dict[str, Any], iwhere: str, part: Partial, errors: dict[str, str]
) -> list[str]:
    """An invocation's error-level notifications, as `uri: text`; those naming a file are also
    recorded in `errors` and listed as skipped."""
    messages: list[str] = []
    for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
        for n, raw_note in enumerate(shape.opt_arr(inv, key, iwhere)):
            nwhere = f"{iwhere}.{key}[{n}]"
            note = shape.obj(raw_note, nwhere)
            if note.get("level", "warning") != "error":
                continue
            text = first_line(_text(shape, note.get("message"), f"{nwhere}.message"))
            uri = _notification_uri(shape, note, nwhere)
            messages.append(f"{uri}: {text}" if uri else text)
            if uri:
                errors[uri] = text
                part.skipped.append(f"{uri}: {text}")
    return messages


def _notification_uri(shape: Shape, note: dict[str, Any], nwhere: str) -> str:
    """The file a notification's first location names ("" if none)."""
    uri = ""
    for loc in shape.opt_arr(note, "locations", nwhere)[:1]:
        phys = shape.opt_obj(shape.obj(loc, f"{nwhere}.locations[0]"), "physicalLocation", nwhere)
        art = shape.opt_obj(phys, "artifactLocation", nwhere)
        uri = local_path(shape.opt_str(art, "uri", nwhere))
    return uri


def _check_success(shape: Shape, inv: dict[str, Any], iwhere: str, messages: list[str]) -> None:
    """An invocation whose `executionSuccessful` is false (or not a boolean) failed the scan."""
    success = inv.get("executionSuccessful")
    if success is False:
        why = f": {messages[0]}" if messages else ""
        shape.fail(f"{iwhere}: the scan did not complete (executionSuccessful is false){why}")
    if success is not None and success is not True:
        shape.fail(
            f"{iwhere}.executionSuccessful must be true or false (got {shape.quote(success)})"
        )


def _apply_overrides(shape: Shape, inv: dict[str, Any], iwhere: str, lookup: Any) -> None:
    """`ruleConfigurationOverrides`: set the level of the rules they name."""
    for o, raw_ov in enumerate(shape.opt_arr(inv, "ruleConfigurationOverrides", iwhere)):
        owhere = f"{iwhere}.ruleConfigurationOverrides[{o}]"
        override = shape.obj(raw_ov, owhere)
        descriptor = shape.obj(override.get("descriptor"), f"{owhere}.descriptor")
        config = shape.opt_obj(override, "configuration", owhere)
        level = _level(shape, config.get("level"), f"{owhere}.configuration")
        rule = lookup(descriptor, f"{owhere}.descriptor")
        if rule is not None and level is not None:
            rule.level = level
