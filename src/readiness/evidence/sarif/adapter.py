"""SARIF 2.1.0 logs, from any producer (Bandit, Trivy, Semgrep, gitleaks, ZAP, CodeQL, ...).

Logs are decoded by msgspec into typed shapes of only the fields the gate reads, one result at
a time (`structs`); a log that does not fit them is decoded by `json` and read by the same
steps, which locate every problem. Rules are resolved once per run (driver and extensions,
configuration overrides, severities), so the per-result loop only does dictionary look-ups.
On the 200,000-result log of `make bench` (116 MiB), in process: about 0.9 s of CPU (0.15 s
to read and decode the log's frame, 0.25 s to decode its results one by one, 0.5 s of
per-result steps) and a peak of 180 MB, the file's pages given back as its results are read
and the findings kept as rows of a `FindingTable`; `json` took 630 MB for the dicts alone.

Duplicate object keys are not refused in SARIF, unlike the smaller JSON formats: the check is a
Python call per JSON object (json's object_pairs_hook), and on a 200,000-result log it took
the adapter from within 2x of a bare `json.load` to 2.6x. msgspec keeps that rule, last-wins,
in both paths: it has no hook for duplicates at all, so refusing them would mean giving up
the typed decoding. A writer who can edit the evidence file can also write a clean one;
evidence integrity is what the attestation issue answers, not this parser.

This module holds the adapter and a run's steps: its tool and rules, its results, the counts of
results that are not findings. One result becomes one finding in `finding`'s named steps; the
rules, and the invocations that configure them, are resolved in `rules`; a result's location,
suppressions and Trivy package are read in `results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from readiness.evidence import _json
from readiness.evidence._json import Shape, kind_of, load_json
from readiness.evidence.base import LazyParams
from readiness.evidence.records import Findings, Severity
from readiness.evidence.sarif.finding import Run, read_plain, read_result
from readiness.evidence.sarif.rules import read_invocations, read_rules
from readiness.evidence.scanners.bandit import bandit_metrics, bandit_path, check_scanned
from readiness.evidence.scanners.base import Partial, plural, read_each

if TYPE_CHECKING:
    from readiness.evidence.sarif.params import SarifParams


@dataclass(frozen=True)
class SarifDefaults:
    """`SarifParams()` without pydantic (a test holds them equal)."""

    unknown_severity: Severity = "high"


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
    Params: LazyParams[SarifParams] = LazyParams("readiness.evidence.sarif.params:SarifParams")
    defaults: ClassVar[SarifDefaults] = SarifDefaults()

    def read(
        self, files: list[Path], display: dict[Path, str], params: SarifParams | SarifDefaults
    ) -> Findings:
        """Merge every run of every SARIF log in `files`."""
        return read_each(files, display, lambda p, shown: _read_log(p, shown, params))


def _read_log(path: Path, shown: str, params: SarifParams | SarifDefaults) -> Partial:
    """The log's findings: decoded by msgspec into the typed shapes of `structs` (only the
    fields the gate reads, one result at a time), else, for a log they do not fit, by `json`
    into dicts that the same steps check and locate every problem in."""
    from readiness.evidence.sarif import structs  # msgspec only when a SARIF log is read

    data = _json.read_mapped(path, shown, _json.MAX_JSON_BYTES)  # the limit read at call time
    log = structs.decode(data)
    del data  # the results' raw bytes stay referenced until the walk is done (or given back)
    if log is not None:
        try:
            return read_decoded(log, shown, params)
        except structs.Refused:
            pass
    del log
    return read_decoded(load_json(path, shown, unique_keys=False), shown, params)


def read_decoded(log: Any, shown: str, params: SarifParams | SarifDefaults) -> Partial:
    """The findings of a decoded log (dicts from `json`, or `structs.decode`'s)."""
    shape = Shape(shown)
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
    raw: dict[str, Any],
    where: str,
    part: Partial,
    params: SarifParams | SarifDefaults,
    *,
    first: bool,
) -> None:
    run, errors, messages = _open_run(shape, raw, where, part, params, first=first)
    results = _results(run, raw, messages)
    if run.bandit:
        _check_bandit_scan(run, raw, part, errors, len(results))
    append = part.rows.append
    plain = getattr(results, "plain", None)  # structs.Results: its Plain results' type
    for j, r in enumerate(results):
        if type(r) is plain:
            append(read_plain(run, r, f"{where}.results[{j}]"))
            continue
        row = read_result(run, r, f"{where}.results[{j}]")
        if row is not None:
            append(row)
    _count(run, part)


def _open_run(
    shape: Shape,
    raw: dict[str, Any],
    where: str,
    part: Partial,
    params: SarifParams | SarifDefaults,
    *,
    first: bool,
) -> tuple[Run, dict[str, str], list[str]]:
    """The run's tool and rules, and its invocations read (a failed scan fails here): the
    context, the error-level notifications by artifact, and all of them."""
    tool = shape.obj(raw.get("tool"), f"{where}.tool")
    driver = shape.obj(tool.get("driver"), f"{where}.tool.driver")
    name = shape.opt_str(driver, "name", f"{where}.tool.driver") or "sarif"
    if first:
        part.tool = name
    tables, by_id, names = read_rules(shape, tool, f"{where}.tool", params.unknown_severity, name)
    lname = name.lower()
    run = Run(
        shape=shape,
        where=where,
        name=name,
        tables=tables,
        by_id=by_id,
        names=names,
        artifacts=raw.get("artifacts"),
        bandit=lname == "bandit",
        gitleaks=lname == "gitleaks",
        trivy=lname == "trivy",
    )
    errors, messages = read_invocations(shape, raw, where, part, run.lookup)
    return run, errors, messages


def _results(run: Run, raw: dict[str, Any], messages: list[str]) -> list[Any]:
    """The run's results; a run without any, or with none and error notifications, failed."""
    shape, where = run.shape, run.where
    if raw.get("results") is None:
        shape.fail(f"{where} has no results: a run without results is not a scan")
    results = shape.arr(raw["results"], f"{where}.results")
    if run.gitleaks:
        shape.secret = True  # any field of a leak may hold the secret: errors never quote one
    if messages and not results and not run.bandit:
        # Semgrep reports a rule that failed to parse this way, with executionSuccessful true.
        shape.fail(
            f"{where}: the scan failed: no results and "
            f"{plural(len(messages), 'error-level tool notification')} ({messages[0]})"
        )
    return results


def _check_bandit_scan(
    run: Run, raw: dict[str, Any], part: Partial, errors: dict[str, str], results: int
) -> None:
    """Bandit's `# nosec` counts from its metrics; a scan that analysed no file is an error."""
    shape, where = run.shape, run.where
    metrics = shape.opt_obj(shape.opt_obj(raw, "properties", where), "metrics", where)
    files = bandit_metrics(part, metrics, shape, f"{where}.properties.metrics") if metrics else None
    check_scanned(shape, files, {bandit_path(k): v for k, v in errors.items()}, results)


def _count(run: Run, part: Partial) -> None:
    """The results that are not findings, as counts (and a warning for those to review)."""
    if run.absent:
        part.count("baseline-absent", run.absent)
    if run.not_failures:
        part.count("non-failures", run.not_failures)
    if run.review:
        part.count("needs-review", run.review)
        part.warnings.append(
            f"{plural(run.review, 'result')} of kind open/review need a human review"
        )
