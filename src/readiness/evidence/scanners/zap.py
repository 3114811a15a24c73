"""OWASP ZAP's traditional JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final

from readiness.evidence._json import MAX_INT, Shape, kind_of, load_json
from readiness.evidence.base import LazyParams, NoDefaults
from readiness.evidence.records import Finding, Findings, Severity, fingerprint
from readiness.evidence.scanners.base import Partial, first_line, read_each

if TYPE_CHECKING:
    from readiness.evidence.params import NoParams

_RISK: Final[dict[int, Severity]] = {3: "high", 2: "medium", 1: "low", 0: "info"}
_FALSE_POSITIVE: Final = 0  # ZAP's confidence 0
_MAX_DIGITS: Final = 18  # int() of a longer digit string is slow or refused; none fits anyway


def _number(shape: Shape, alert: dict[str, Any], key: str, where: str, top: int | None) -> int:
    """One of ZAP's numbers, which it writes as strings ("2"); ints are accepted too."""
    value = alert.get(key)
    text = value.strip() if isinstance(value, str) else ""
    if text.isdigit() and text.isascii() and len(text) <= _MAX_DIGITS:
        number = int(text)
    elif type(value) is int and value >= 0:
        number = value
    elif text.isdigit() and text.isascii():
        shape.fail(
            f"{where}.{key} {shape.quote(value)} is out of range (more than {_MAX_DIGITS} digits)"
        )
    else:
        got = "missing" if key not in alert else shape.quote(value)
        shape.fail(f'{where}.{key} must be a number written as a string like "2" (got {got})')
    if number > MAX_INT:
        shape.fail(f"{where}.{key} {shape.quote(value)} is out of range (more than {MAX_INT})")
    if top is not None and number > top:
        shape.fail(f"{where}.{key} {shape.quote(value)} is out of range (0 to {top})")
    return number


class ZapAdapter:
    """OWASP ZAP's traditional JSON report (`zap-baseline.py -J zap.json`, `zap-full-scan.py`,
    or the automation framework's `traditional-json` report).

    One finding per alert per site (`site[].alerts[]`), not per instance: rule = `pluginid`,
    aliases = `alertRef` when it differs, location = the site (`@name`), title = `name` and the
    number of instances (`count`). Instance URIs, evidence and attacks are not copied.

    Severity (`riskcode`): "3" → high, "2" → medium, "1" → low, "0" → info; ZAP has no
    critical. Alerts with confidence "0" (marked false positive in ZAP) are kept as suppressed.

    ZAP writes every number as a string: `riskcode`, `confidence` and `count` must be
    non-negative integers in a string (or plain integers); anything else (`"High"`, `"2.5"`, a
    riskcode above 3) is an evidence error, not a guess. A report with no site means ZAP
    reached no target, an error too.
    """

    kind: ClassVar[str] = "zap"
    record: ClassVar[str] = "Findings"
    Params: LazyParams[NoParams] = LazyParams("readiness.evidence.params:NoParams")
    defaults: ClassVar[NoDefaults] = NoDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: NoParams | NoDefaults
    ) -> Findings:
        """Merge the ZAP JSON reports in `files`."""
        return read_each(files, display, _read_zap)


def _read_zap(path: Path, shown: str) -> Partial:
    shape = Shape(shown)
    doc = load_json(path, shown)
    if not isinstance(doc, dict) or "site" not in doc:
        shape.fail(f'expected an object with "site" (ZAP traditional JSON), got {kind_of(doc)}')
    sites = shape.arr(doc["site"], "site")
    if not sites:
        shape.fail(
            "the report lists no site: ZAP reached no target, and an empty report proves nothing"
        )
    part = Partial(shown, "zap")
    for i, item in enumerate(sites):
        where = f"site[{i}]"
        site = shape.obj(item, where)
        name = shape.opt_str(site, "@name", where)
        for k, raw in enumerate(shape.opt_arr(site, "alerts", where)):
            awhere = f"{where}.alerts[{k}]"
            alert = shape.obj(raw, awhere)
            plugin = str(_number(shape, alert, "pluginid", awhere, None))
            risk = _number(shape, alert, "riskcode", awhere, 3)
            confidence = (
                _number(shape, alert, "confidence", awhere, 4) if "confidence" in alert else None
            )
            instances = shape.opt_arr(alert, "instances", awhere)
            count = (
                _number(shape, alert, "count", awhere, None) if "count" in alert else len(instances)
            )
            title = first_line(shape.opt_str(alert, "name", awhere)) or first_line(
                shape.opt_str(alert, "alert", awhere)
            )
            ref = shape.opt_str(alert, "alertRef", awhere)
            part.findings.append(
                Finding(
                    tool="zap",
                    rule=plugin,
                    severity=_RISK[risk],
                    title=f"{title or plugin} ({count} instance{'' if count == 1 else 's'})",
                    location=name,
                    fingerprint=fingerprint(ref or plugin, name, ""),
                    suppressed=confidence == _FALSE_POSITIVE,
                    aliases=(ref,) if ref and ref != plugin else (),
                )
            )
    return part
