"""Bandit's JSON report (`bandit -f json`), and the Bandit rules the SARIF adapter reuses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from readiness.evidence._json import Shape, load_json
from readiness.evidence.base import LazyParams
from readiness.evidence.records import Finding, Findings, Severity, fingerprint
from readiness.evidence.scanners.base import (
    Partial,
    first_line,
    plural,
    read_each,
)

if TYPE_CHECKING:
    from readiness.evidence.scanners.params import BanditParams

BANDIT_SEVERITY: Final[dict[str, Severity]] = {
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
    "UNDEFINED": "info",
}
_CONFIDENCE_RANK: Final[dict[str, int]] = {"UNDEFINED": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
_MIN_RANK: Final[dict[str, int]] = {"any": 0, "low": 1, "medium": 2, "high": 3}

# Bandit's hardcoded-password checks quote the password in their message.
_PASSWORD_RULES: Final = frozenset({"B105", "B106", "B107"})


def redact_message(rule: str, text: str) -> str:
    """A Bandit message safe to show: the hardcoded-password checks lose the quoted password."""
    if rule in _PASSWORD_RULES:
        cut = text.find(": '")
        return (text[:cut] if cut >= 0 else text.rstrip(".")) + ": '***' (redacted)"
    return text


def bandit_path(name: str) -> str:
    """Bandit writes `./pkg/mod.py` in JSON and `pkg/mod.py` in SARIF: one spelling for both."""
    return name[2:] if name.startswith("./") else name


def bandit_metrics(part: Partial, metrics: dict[str, Any], shape: Shape, where: str) -> set[str]:
    """Record `# nosec` counts from Bandit's metrics; return the files the metrics list.

    Bandit drops `# nosec` findings from its results and only counts them: `nosec` (bare
    comments) and `skipped_tests` (`# nosec B602`-style) go to extra counts with a warning.
    """
    totals = shape.opt_obj(metrics, "_totals", where)
    silenced = 0
    for key, extra in (("nosec", "nosec"), ("skipped_tests", "nosec-skipped-tests")):
        n = shape.opt_int(totals, key, f"{where}._totals")
        if n is not None and (n or key == "nosec"):
            part.count(extra, n)
            silenced += n
    if silenced:
        part.warnings.append(
            f"{plural(silenced, 'finding')} silenced by `# nosec` comments "
            "(not in the results; counted as nosec)"
        )
    return {bandit_path(k) for k in metrics if k != "_totals"}


def check_scanned(
    shape: Shape, files: set[str] | None, errors: dict[str, str], results: int
) -> None:
    """Fail closed when Bandit analysed no file at all: no results prove nothing then.

    `files` are the files Bandit's metrics list (None when it wrote no metrics); `errors` maps
    the files it could not parse or read to the reason.
    """
    if results:
        return
    analysed = None if files is None else files - errors.keys()
    if analysed is None and not errors:
        return
    if not analysed:
        if errors:
            name, reason = next(iter(errors.items()))
            shape.fail(
                f"Bandit analysed no file: {plural(len(errors), 'file')} could not be scanned "
                f"({name}: {reason})"
            )
        shape.fail("Bandit analysed no file (no Python file where it was pointed)")


@dataclass(frozen=True)
class BanditDefaults:
    """`BanditParams()` without pydantic (a test holds them equal)."""

    min_confidence: Literal["any", "low", "medium", "high"] = "any"


class BanditAdapter:
    """Bandit's JSON report (`bandit -r SRC -f json -o bandit.json`).

    One finding per entry of `results`: rule = `test_id` (B602), location = `filename:line_number`,
    title = `issue_text` (the hardcoded-password checks B105-B107 quote the password: it is
    replaced by `***`).

    Severity (`issue_severity`): HIGH → high, MEDIUM → medium, LOW → low, UNDEFINED → info.
    Bandit has no critical. Confidence does not change the severity; with the option
    `min-confidence: medium` (or `high`, `low`) findings below it are kept but suppressed, so
    they are shown and not counted. Default `any`: everything counts.

    Bandit drops `# nosec` findings from its results: `metrics._totals.nosec` (and
    `skipped_tests`, for `# nosec B602`) become the `nosec` (`nosec-skipped-tests`) extra counts
    and a warning. Files Bandit could not scan (`errors[]`, e.g. a syntax error) are listed as
    skipped with a warning rather than failing the check: one unparsable file should not hide
    every other finding, and the `skipped` metric lets a gate require zero. When Bandit analysed
    no file at all (every file failed, a wrong path, no Python files) the evidence is an error:
    an empty result then proves nothing. Bandit's own exit status 1 (findings) is expected.
    """

    kind: ClassVar[str] = "bandit"
    record: ClassVar[str] = "Findings"
    Params: LazyParams[BanditParams] = LazyParams("readiness.evidence.scanners.params:BanditParams")
    defaults: ClassVar[BanditDefaults] = BanditDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: BanditParams | BanditDefaults
    ) -> Findings:
        """Merge the Bandit JSON reports in `files`."""
        min_rank = _MIN_RANK[params.min_confidence]
        return read_each(files, display, lambda p, shown: _read_bandit(p, shown, min_rank))


def _read_bandit(path: Path, shown: str, min_rank: int) -> Partial:
    shape = Shape(shown)
    doc = shape.obj(load_json(path, shown), "a Bandit JSON report")
    if "results" not in doc:
        shape.fail('no "results": not a Bandit JSON report (bandit -f json)')
    results = shape.arr(doc["results"], "results")
    part = Partial(shown, "bandit")
    errors: dict[str, str] = {}
    for i, item in enumerate(shape.opt_arr(doc, "errors", "")):
        err = shape.obj(item, f"errors[{i}]")
        name = bandit_path(shape.opt_str(err, "filename", f"errors[{i}]") or "?")
        errors[name] = shape.opt_str(err, "reason", f"errors[{i}]") or "unknown error"
    files: set[str] | None = None
    if doc.get("metrics") is not None:
        files = bandit_metrics(part, shape.obj(doc["metrics"], "metrics"), shape, "metrics")
    check_scanned(shape, files, errors, len(results))
    if errors:
        part.skipped.extend(f"{name}: {reason}" for name, reason in errors.items())
        name, reason = next(iter(errors.items()))
        part.warnings.append(
            f"Bandit could not scan {plural(len(errors), 'file')} ({name}: {reason}); "
            "listed as skipped"
        )
    below = 0
    for i, item in enumerate(results):
        where = f"results[{i}]"
        r = shape.obj(item, where)
        rule = shape.string(r, "test_id", where)
        word = shape.string(r, "issue_severity", where)
        severity = BANDIT_SEVERITY.get(word)
        if severity is None:
            shape.fail(
                f"{where}.issue_severity {shape.quote(word)} is not one of HIGH, MEDIUM, LOW, "
                "UNDEFINED"
            )
        confidence = shape.opt_str(r, "issue_confidence", where) or "UNDEFINED"
        rank = _CONFIDENCE_RANK.get(confidence)
        if rank is None:
            shape.fail(
                f"{where}.issue_confidence {shape.quote(confidence)} is not a Bandit confidence"
            )
        filename = bandit_path(shape.string(r, "filename", where))
        line = shape.opt_int(r, "line_number", where)
        location = f"{filename}:{line}" if line else filename
        title = redact_message(rule, first_line(shape.opt_str(r, "issue_text", where)))
        suppressed = rank < min_rank
        below += suppressed
        part.findings.append(
            Finding(
                tool="bandit",
                rule=rule,
                severity=severity,
                title=title or shape.opt_str(r, "test_name", where) or rule,
                location=location,
                fingerprint=fingerprint(rule, location, ""),
                suppressed=suppressed,
            )
        )
    if below:
        part.count("below-min-confidence", below)
        part.warnings.append(
            f"{plural(below, 'finding')} below the minimum confidence kept as suppressed"
        )
    return part
