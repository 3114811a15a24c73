"""Models of the three declarative files (checks, gates, definitions) and loading a project.

Every file is validated by strict pydantic models (unknown keys rejected) after its schema version
is checked, and every problem is reported with file, line and a path made of ids, e.g.
`gates/tests.yaml:14 criteria[pass-rate].pass: unknown unit "pct"`. All problems of all files
are collected before failing, so one run of `readiness validate` shows them all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from readiness import units, versions
from readiness.criteria import (
    STAGE_TITLES,
    STAGES,
    Stage,
    StageThresholds,
    parse_stage_thresholds,
    warn_for_stage,
)
from readiness.errors import DefinitionError
from readiness.yamlio import SourceDoc, load_file

SCHEMA_VERSION = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
RELEASE_GATE = "release"  # the pseudo-gate holding a definition's own criteria


def _kebab(name: str) -> str:
    return name.rstrip("_").replace("_", "-")


class Strict(BaseModel):
    """Base of every file model: unknown keys are errors, keys are kebab-case."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=_kebab,
        validate_by_name=True,
        validate_by_alias=True,
        arbitrary_types_allowed=True,
        # Each field's docstring is its JSON Schema description, read by readiness.schema
        # when a schema is printed: pydantic's use_attribute_docstrings parses this module's
        # source once per class at import, a third of the start-up of `evaluate`.
    )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
_DURATION_FACTORS = {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def _duration(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a duration like 90s, 15m, 24h or 7d")
    if isinstance(raw, int | float):
        if raw <= 0:
            raise ValueError("a duration must be positive")
        return float(raw)
    m = _DURATION.match(str(raw))
    if m is None:
        raise ValueError(f'"{raw}" is not a duration: expected e.g. 90s, 15m, 24h or 7d')
    value = float(m[1]) * _DURATION_FACTORS[m[2]]
    if value <= 0:
        raise ValueError("a duration must be positive")
    return value


def _thresholds(raw: object) -> StageThresholds:
    try:
        return parse_stage_thresholds(raw)
    except DefinitionError as exc:
        raise ValueError(str(exc)) from None


_THRESHOLD_PATTERN = r"^\s*(<=|>=|==|!=|<|>)\s*[+-]?[0-9.]"  # signed: relative
_THRESHOLD: dict[str, Any] = {
    "type": "string",
    "pattern": _THRESHOLD_PATTERN,
    "examples": ["<= 5 ms", ">= 99.5%", "== 0", ">= 800 /s", "<= +10%"],
}
_DURATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "string", "pattern": _DURATION.pattern},
    ],
    "description": "Seconds, or a duration like 500ms, 90s, 15m, 24h, 7d.",
}
_THRESHOLDS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _THRESHOLD,
        {
            "type": "object",
            "properties": dict.fromkeys(STAGES, _THRESHOLD),
            "additionalProperties": False,
            "minProperties": 1,
        },
    ],
    "description": "A threshold (`<op> <number> [unit]`), or one per stage "
    "(mvp, internal, public, launch); a stage takes the nearest earlier stage's threshold.",
}
_ONE_OR_MANY: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
}

Duration = Annotated[float, BeforeValidator(_duration), WithJsonSchema(_DURATION_SCHEMA)]
Thresholds = Annotated[
    StageThresholds, BeforeValidator(_thresholds), WithJsonSchema(_THRESHOLDS_SCHEMA)
]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
Mode = Literal["blocking", "advisory", "shadow"]
Impact = Literal["low", "medium", "high", "critical"]
BLOCKING_IMPACTS: tuple[Impact, ...] = ("high", "critical")


# ---------------------------------------------------------------- checks/<id>.yaml


class Collect(Strict):
    """How `readiness run` produces the evidence: an argument list, never a shell string."""

    command: list[str] = Field(min_length=1)
    """The command as an argument list (no shell); `{python}`, `{port}` and
    `{service.<id>.port}` are replaced."""
    cwd: str = "."
    """Working directory, relative to the project root."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables for the command."""
    timeout: Duration = 600.0
    """How long the command may run (seconds, or a duration like 90s, 15m)."""
    ok_exit_codes: list[int] = Field(default_factory=lambda: [0])
    """Exit codes that mean the command ran (a test runner exits 1 when a test fails)."""


class Probe(Strict):
    """A readiness probe: an HTTP URL answering 2xx, or a TCP host:port accepting connections."""

    http: str | None = None
    """An HTTP URL that answers 2xx once the service is ready."""
    tcp: str | None = None
    """A host:port that accepts connections once the service is ready."""
    timeout: Duration = 30.0
    """How long to wait for the service to become ready."""

    @model_validator(mode="after")
    def _one(self) -> Probe:
        if (self.http is None) == (self.tcp is None):
            raise ValueError("a probe needs exactly one of http or tcp")
        return self


class Service(Strict):
    """A process `readiness run` starts before the first check that needs it, and stops at the end.

    With `port: auto` a free loopback port is chosen; `{port}` in the service's command, env and
    probe, and `{service.<id>.port}` in a check's command and env, are replaced by it.
    """

    id: Id
    """The service's id, used in `{service.<id>.port}`."""
    command: list[str] = Field(min_length=1)
    """The command that starts the service, as an argument list."""
    cwd: str = "."
    """Working directory, relative to the project root."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables for the service."""
    port: int | Literal["auto"] | None = None
    """A fixed port, or `auto` for a free loopback port."""
    ready: Probe
    """How to tell that the service is ready."""


class CheckSpec(Strict):
    """Where evidence comes from: adapter kind, files, freshness, and how to produce it."""

    schema_: int = Field(alias="schema")
    """The file format version: 1."""
    id: Id
    """The check's id; equal to the file name without `.yaml`."""
    title: str = ""
    """A human title for reports."""
    kind: str
    """The evidence adapter: junit, locust, sarif, bandit, pip-audit, trivy, gitleaks, semgrep,
    zap, signoffs, or a plugin's kind."""
    evidence: Annotated[list[str], WithJsonSchema(_ONE_OR_MANY)] = Field(min_length=1)
    """The evidence file(s): a glob or a list of globs, relative to the evidence directory."""
    max_age: Duration | None = None
    """The oldest evidence accepted (e.g. 24h); older evidence is stale and blocks."""
    options: dict[str, Any] = Field(default_factory=dict)
    """The adapter's options (`readiness kinds KIND` lists them)."""
    collect: Collect | None = None
    """How `readiness run` produces the evidence."""
    services: list[Service] = Field(default_factory=list)
    """Services `readiness run` starts before the collect command."""

    @field_validator("evidence", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


# ---------------------------------------------------------------- gates/<id>.yaml


_SHIFT = re.compile(r"^\s*([+-])\s*(\d+(?:\.\d+)?)\s*(%|[a-z/]+)?\s*$")


class Regression(Strict):
    """A comparison of this run's per-second samples of a load-test metric with the baseline's
    (Mann-Whitney U test, Hodges-Lehmann shift with its confidence interval): FAIL only on a
    significant shift beyond `max-shift`, PASS only on a significant absence of it, INCONCLUSIVE
    (blocks like MISSING) when it cannot tell or has too few intervals."""

    metric: str = Field(min_length=3)
    """The metric compared: a p99 or rps of `requests["..."]` or `aggregated` of a locust check."""
    max_shift: str
    """The allowed shift, signed: `+10%` (at most 10% above the baseline's median: latency),
    `-5%` (at most 5% below: throughput), or absolute in the metric's unit (`+2 ms`)."""
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    """How sure the test must be, between 0.5 and 1 (exclusive)."""
    min_samples: int = Field(default=10, ge=3, le=100_000)
    """Fewer intervals than this on either side: INCONCLUSIVE."""

    @field_validator("max_shift")
    @classmethod
    def _shift(cls, raw: str) -> str:
        m = _SHIFT.match(raw)
        if m is None:
            raise ValueError(f'"{raw}" is not a signed shift: expected e.g. "+10%", "-5%", "+2 ms"')
        if m[3] not in (None, "%"):
            units.canonical(m[3])  # an unknown unit is an error here, not at evaluation
        return raw.strip()

    @property
    def shift(self) -> tuple[float, str]:
        """(signed amount, unit): (0.10, "%") for +10%, (2.0, "ms") for +2 ms."""
        m = _SHIFT.match(self.max_shift)
        assert m is not None  # validated
        value = float(m[2]) * (-1 if m[1] == "-" else 1)
        unit = m[3] or ""
        if unit == "%":
            return value / 100, "%"
        return value, units.canonical(unit) if unit else ""


def _regression_as_threshold(data: Any) -> Any:
    """A regression criterion's metric is `regression.metric` and its pass threshold the
    relative `max-shift` (so stage, unit and metric checks apply); it takes neither of its own."""
    if not isinstance(data, dict) or not isinstance(data.get("regression"), dict):
        return data
    taken = [k for k in ("metric", "pass", "pass_", "warn") if k in data]
    if taken:
        raise ValueError(
            f"a regression criterion takes no {taken[0].rstrip('_')}: its metric is "
            "regression.metric and its limit regression.max-shift"
        )
    reg = data["regression"]
    shift = str(reg.get("max-shift", reg.get("max_shift", "+0%"))).strip()
    op = ">=" if shift.startswith("-") else "<="
    return {**data, "metric": reg.get("metric", ""), "pass": f"{op} {shift}"}


def _criterion_schema(schema: dict[str, Any]) -> None:
    """In the JSON Schema: `metric` and `pass`, or `regression` instead of both."""
    schema["required"] = [k for k in schema.get("required", []) if k not in ("metric", "pass")]
    schema["anyOf"] = [{"required": ["metric", "pass"]}, {"required": ["regression"]}]


class CriterionSpec(Strict):
    """One rule over one metric: pass band, optional warn band, how it counts."""

    model_config = ConfigDict(**Strict.model_config, json_schema_extra=_criterion_schema)

    id: Id
    """The criterion's id, unique in its gate; referenced as `<gate>.<id>`."""
    title: str = ""
    """A human title for reports."""
    metric: str = Field(min_length=3)
    """The metric: `<check>.<key>`, e.g. `matching-load.requests["POST /orders"].p99`."""
    pass_: Thresholds = Field(alias="pass")
    """The threshold to PASS: one expression (`<= 5 ms`) or one per stage."""
    warn: Thresholds | None = None
    """A looser band that makes a miss a WARN, from the stage it names until pass tightens."""
    mode: Mode = "blocking"
    """blocking (a failure blocks), advisory (a failure is a condition), shadow (reported only)."""
    waivable: bool = True
    """Whether a waiver may cover a failure of this criterion."""
    description: str = ""
    """Why the criterion exists, for reports."""
    on_no_baseline: Literal["pass", "warn", "fail"] = "fail"
    """What a relative threshold does without a baseline (a first run): fail (MISSING,
    blocks), warn (a condition) or pass; shown in every report."""
    regression: Regression | None = None
    """Instead of `metric` and `pass`: compare this run's per-second samples with the
    baseline's (see Regression)."""

    @model_validator(mode="before")
    @classmethod
    def _regression(cls, data: Any) -> Any:
        return _regression_as_threshold(data)


class GateSpec(Strict):
    """What must hold, reusable across releases."""

    schema_: int = Field(alias="schema")
    """The file format version: 1."""
    id: Id
    """The gate's id; equal to the file name without `.yaml`."""
    title: str = ""
    """A human title for reports."""
    description: str = ""
    """What the gate is about, for reports."""
    waivable_by: list[str] | None = None
    """Roles allowed to approve waivers of this gate's criteria (default: any role)."""
    criteria: list[CriterionSpec] = Field(min_length=1)
    """The gate's criteria."""


# ---------------------------------------------------------------- definitions/<release>.yaml


class Override(Strict):
    """A release-specific change to a gate's criterion."""

    criterion: str
    """The criterion changed, as `<gate>.<id>`."""
    pass_: Thresholds | None = Field(default=None, alias="pass")
    """A new pass threshold (or table) for this release."""
    warn: Thresholds | None = None
    """A new warn band for this release."""
    mode: Mode | None = None
    """A new mode for this release."""


class Approver(Strict):
    """Who approved: a name and a role."""

    name: str = Field(min_length=1)
    """The approver's name."""
    role: str = Field(min_length=1)
    """The approver's role (e.g. security, release-manager)."""


class Waiver(Strict):
    """An approved exception: as narrow as possible, with a reason, an approver and an expiry.

    A waiver is valid through its `expires` date (inclusive) and expired from the next day.
    """

    criterion: str
    """The criterion waived, as `<gate>.<id>`."""
    finding: str | None = None
    """For security findings: a rule id, CVE or alias, fingerprint, package[@version] or
    path[:line]; without it the whole criterion is waived."""
    reason: str = Field(min_length=3)
    """Why the exception is acceptable."""
    approver: Approver
    """Who approved the waiver."""
    expires: dt.date
    """The last day the waiver is valid (YYYY-MM-DD)."""


class VexSource(Strict):
    """A CycloneDX VEX document read as waiver input: its `not_affected` and `false_positive`
    statements become finding waivers of one criterion, with this approver and expiry (VEX
    itself carries neither)."""

    file: str
    """The VEX document, relative to the project root."""
    criterion: str
    """The criterion its statements waive findings of, as `<gate>.<id>`."""
    approver: Approver
    """Who approved the VEX statements."""
    expires: dt.date
    """The last day the statements are valid as waivers."""


class SignoffPolicy(Strict):
    """Which roles must sign off, and where the sign-off records are."""

    required: list[str] = Field(default_factory=list)
    """The roles whose approval is required (e.g. qa, security, compliance)."""
    check: str | None = None
    """The check (kind signoffs) holding the records."""
    optional: list[str] = Field(default_factory=list)
    """Roles that may sign without being required (`readiness signoff` accepts them)."""
    signed: list[str] = Field(default_factory=list)
    """Roles whose sign-off must carry a valid signature (`readiness signoff --key`) by one of
    the role's keys in `keys`; an unsigned record, a signature that does not verify or one by a
    key not listed for the role makes the role's sign-off missing. Each must be a required or
    optional role."""
    keys: str | dict[str, list[str]] | None = None
    """The public keys (PEM, Ed25519 or ECDSA P-256) allowed to sign for the `signed` roles:
    a directory (relative to the project root) where role R's keys are `R.pub` and every
    `R/*.pub`, or a mapping from role to PEM files (relative to the project root). A key
    serves one role only."""

    def known_roles(self) -> list[str]:
        """The roles `readiness signoff` accepts: required ones first, then optional ones."""
        return [*self.required, *(r for r in self.optional if r not in self.required)]


class RiskAcceptance(Strict):
    """A named acceptance of a risk whose response plan is not proven."""

    reason: str = Field(min_length=3)
    """Why the risk is accepted."""
    approver: Approver
    """Who accepted the risk."""
    expires: dt.date
    """The last day the acceptance is valid."""


class Risk(Strict):
    """One entry of the risk register."""

    id: str = Field(min_length=1)
    """The risk's id (e.g. R-07)."""
    title: str
    """What could go wrong."""
    impact: Impact
    """low, medium, high or critical; high and critical block unless verified or accepted."""
    likelihood: Literal["low", "medium", "high"]
    """low, medium or high."""
    owner: str = ""
    """Who owns the risk."""
    response: str
    """The response plan."""
    trigger: str = ""
    """What sets the response in motion."""
    verified_by: Annotated[list[str], WithJsonSchema(_ONE_OR_MANY)] = Field(default_factory=list)
    """Criteria (`<gate>.<id>`) that must PASS to prove the response plan works."""
    accepted: RiskAcceptance | None = None
    """An acceptance of the risk while its response is not proven (a condition)."""

    @field_validator("verified_by", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class Notes(Strict):
    """Launch-notes content written by people."""

    summary: str = ""
    """A paragraph on what the release brings."""
    highlights: list[str] = Field(default_factory=list)
    """Highlights, one line each."""
    known_issues: list[str] = Field(default_factory=list)
    """Known issues, one line each."""


class BaselinePin(Strict):
    """Which earlier evaluation relative thresholds compare with, instead of the latest passing
    one."""

    version: str = Field(min_length=1)
    """The version whose latest GO or CONDITIONAL GO evaluation at this stage is the baseline."""


def _version_spec(raw: object) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise ValueError('expected a version specifier like ">=2.1"')
    text = str(raw)
    if text[:1].isdigit():
        text = "==" + text  # a bare version means exactly that version
    return str(versions.parse_specifier(text))


VersionSpec = Annotated[
    str,
    BeforeValidator(_version_spec),
    WithJsonSchema(
        {
            "type": "string",
            "examples": [">=2.1", ">=2026.12.0, <2027", "==2.1.*"],
            "description": "Comma-separated clauses (>=, >, <=, <, ==, !=; ==X.* a prefix), "
            "all of which must hold; a bare version means == that version.",
        }
    ),
]


class Requirement(Strict):
    """Another release this one needs: its latest evaluation (recorded in the store, or made in
    the same portfolio run) must be at least `stage` with GO or CONDITIONAL GO, at a version
    `version` matches."""

    release: Id
    """The required release line (the `release:` of another definition)."""
    stage: Stage
    """The least stage it must have reached: mvp, internal, public or launch."""
    version: VersionSpec | None = None
    """Which versions count, e.g. ">=2.1" (default: any)."""


class Milestones(Strict):
    """Target dates per stage (YYYY-MM-DD): the day the release should be GO at that stage.

    Reports say, for the next milestone not yet reached, on track / at risk / late."""

    mvp: dt.date | None = None
    """The date the release should reach MVP."""
    internal: dt.date | None = None
    """The date the release should reach internal testing."""
    public: dt.date | None = None
    """The date the release should reach public testing."""
    launch: dt.date | None = None
    """The launch date."""

    def dated(self) -> list[tuple[Stage, dt.date]]:
        """(stage, date) in stage order, for the stages that have a date."""
        return [(s, d) for s in STAGES if (d := getattr(self, s)) is not None]

    @model_validator(mode="after")
    def _in_order(self) -> Milestones:
        dated = self.dated()
        for (s1, d1), (s2, d2) in itertools.pairwise(dated):
            if d2 < d1:
                raise ValueError(
                    f"the {STAGE_TITLES[s2]} milestone ({d2}) is before the "
                    f"{STAGE_TITLES[s1]} one ({d1}): milestones follow the stages"
                )
        return self


class Definition(Strict):
    """One release's Definition of Done."""

    schema_: int = Field(alias="schema")
    """The file format version: 1."""
    release: Id
    """The release line's name (e.g. options-launch)."""
    version: str = Field(min_length=1)
    """The version being judged (e.g. 2026.12.0)."""
    stage: Stage
    """The target stage: mvp, internal, public or launch."""
    owner: str = ""
    """Who owns the release."""
    description: str = ""
    """What the release is, for reports."""
    components: list[str] = Field(default_factory=list)
    """The components the release ships."""
    checks: list[Id] = Field(min_length=1)
    """The checks (checks/<id>.yaml) whose evidence is read."""
    gates: list[Id] = Field(default_factory=list)
    """The gates (gates/<id>.yaml) that apply."""
    criteria: list[CriterionSpec] = Field(default_factory=list)
    """Release-specific criteria, in the pseudo-gate `release`."""
    overrides: list[Override] = Field(default_factory=list)
    """Release-specific changes to gate criteria."""
    waivers: list[Waiver] = Field(default_factory=list)
    """Approved exceptions."""
    vex: list[VexSource] = Field(default_factory=list)
    """CycloneDX VEX documents read as finding waivers."""
    signoffs: SignoffPolicy = Field(default_factory=SignoffPolicy)
    """Required sign-off roles and where the records are."""
    risks: list[Risk] = Field(default_factory=list)
    """The risk register."""
    risk_blocking_impact: list[Impact] = Field(default_factory=lambda: list(BLOCKING_IMPACTS))
    """Impacts that block unless verified or accepted (default: high, critical)."""
    notes: Notes = Field(default_factory=Notes)
    """Launch-notes content."""
    baseline: BaselinePin | None = None
    """Pin the baseline of relative thresholds to a version (default: the latest GO or
    CONDITIONAL GO evaluation of this release at this stage)."""
    requires: list[Requirement] = Field(default_factory=list)
    """Other releases this one needs, each at a least stage (and optionally version); an unmet
    requirement blocks (a `dependency` blocker)."""
    milestones: Milestones = Field(default_factory=Milestones)
    """Target dates per stage, e.g. {internal: 2026-11-20, public: 2026-12-05}."""
    at_risk_days: int = Field(default=7, ge=0, le=366)
    """A milestone this many days away or nearer is at risk when something blocks."""


# ---------------------------------------------------------------- the loaded project


@dataclass(frozen=True)
class Criterion:
    """A criterion as evaluated: its gate, its spec with overrides applied, and its origin."""

    gate: str
    spec: CriterionSpec
    doc: SourceDoc
    loc: tuple[str | int, ...]

    @property
    def key(self) -> str:
        return f"{self.gate}.{self.spec.id}"

    @property
    def check(self) -> str:
        """The check whose evidence the criterion's metric reads (`<check>.<key>`)."""
        return self.spec.metric.partition(".")[0]


@dataclass
class Project:
    """A definition with the checks and gates it names, all validated."""

    root: Path
    definition: Definition
    doc: SourceDoc
    checks: dict[str, CheckSpec] = field(default_factory=dict)
    check_docs: dict[str, SourceDoc] = field(default_factory=dict)
    gates: dict[str, GateSpec] = field(default_factory=dict)
    gate_docs: dict[str, SourceDoc] = field(default_factory=dict)
    # Files that failed to load, kept so every other problem is still reported in the same run:
    # a broken gate's criterion ids as written (references to them are not reported as unknown).
    broken_checks: set[str] = field(default_factory=set)
    broken_gates: dict[str, set[str]] = field(default_factory=dict)
    _criteria: list[Criterion] | None = field(default=None, repr=False, compare=False)

    def criteria(self) -> list[Criterion]:
        """Every criterion in definition order (gates in listed order, then the release's),
        overrides applied; computed once, after the project is loaded."""
        if self._criteria is None:
            self._criteria = self._build_criteria()
        return list(self._criteria)

    def _build_criteria(self) -> list[Criterion]:
        overrides = {o.criterion: o for o in self.definition.overrides}
        out: list[Criterion] = []
        for gate_id in self.definition.gates:
            gate = self.gates.get(gate_id)
            if gate is None:  # failed to load: reported, and the project is not evaluated
                continue
            for i, c in enumerate(gate.criteria):
                out.append(Criterion(gate_id, c, self.gate_docs[gate_id], ("criteria", i)))
        for i, c in enumerate(self.definition.criteria):
            out.append(Criterion(RELEASE_GATE, c, self.doc, ("criteria", i)))
        result = []
        for crit in out:
            o = overrides.get(crit.key)
            if o is None:
                result.append(crit)
                continue
            update = {
                k: v
                for k, v in (("pass_", o.pass_), ("warn", o.warn), ("mode", o.mode))
                if v is not None
            }
            spec = crit.spec.model_copy(update=update)
            result.append(Criterion(crit.gate, spec, crit.doc, crit.loc))
        return result


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f'unknown key "{err["loc"][-1]}"'
    if kind == "missing":
        return f'missing required key "{err["loc"][-1]}"'
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


MAX_NUMBER = 2**53  # every number a readiness file needs (durations, ports, counts) is below


Loc = tuple[str | int, ...]


def _unfit_numbers(data: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every number in a file that is not finite or not in range, with its location.

    `.nan` and `.inf` would otherwise slip through as durations or thresholds (`max-age: .nan`
    turned staleness off), and a 400-digit integer overflows a float conversion.
    """
    stack: list[tuple[Any, Loc]] = [(data, loc)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, (*where, str(k))) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, float) and not math.isfinite(value):
            yield where, f"{value} is not a finite number"
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            yield where, f"the number {str(value)[:20]}... is out of range (at most {MAX_NUMBER})"


def _validate(doc: SourceDoc, model: type[Strict], problems: list[str]) -> Any:
    data = doc.data
    if not isinstance(data, dict):
        problems.append(f"{doc.where()}: expected a mapping at the top level")
        return None
    version = data.get("schema")
    if version is None:
        problems.append(f'{doc.where()}: missing "schema: {SCHEMA_VERSION}" (put it first)')
        return None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"{doc.where(('schema',))}: schema must be a positive integer")
        return None
    if version > SCHEMA_VERSION:
        problems.append(
            f"{doc.where(('schema',))}: this file uses schema {version}; this readiness "
            f"understands schema {SCHEMA_VERSION}: upgrade readiness"
        )
        return None
    bad_numbers = list(_unfit_numbers(data, ()))
    for loc, why in bad_numbers:
        problems.append(f"{doc.where(loc)}: {why}")
    if bad_numbers:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(f"{doc.where(loc)}: {_message(err)}")
        return None


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def find_root(definition_path: Path) -> Path:
    """The project root: the parent of `definitions/` when the file is in one."""
    parent = definition_path.resolve().parent
    return parent.parent if parent.name == "definitions" else parent


def _load_named(
    kind: str, ident: str, root: Path, model: type[Strict], problems: list[str]
) -> tuple[Any, SourceDoc | None]:
    path = root / f"{kind}s" / f"{ident}.yaml"
    if not path.is_file():
        return None, None
    try:
        doc = load_file(path, _display(path, root))
    except DefinitionError as exc:
        problems.extend(exc.problems)
        return None, None
    spec = _validate(doc, model, problems)
    if spec is not None and spec.id != ident:
        problems.append(f"{doc.where(('id',))}: id {spec.id!r} does not match the file name")
    return spec, doc


def load_project(definition_path: Path, root: Path | None = None) -> Project:
    """Load and validate a definition and every check and gate it names.

    Raises DefinitionError listing every problem found, each located by file, line and path.
    """
    project, problems = load_project_problems(definition_path, root)
    if problems:
        raise DefinitionError("invalid project", problems=problems)
    return project


def _raw_ids(path: Path, root: Path) -> set[str]:
    """The criterion ids a gate file names, read leniently (the file failed validation)."""
    try:
        data = load_file(path, _display(path, root)).data
    except DefinitionError:
        return set()
    items = data.get("criteria") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return set()
    return {str(c["id"]) for c in items if isinstance(c, dict) and "id" in c}


def load_project_problems(
    definition_path: Path, root: Path | None = None
) -> tuple[Project, list[str]]:
    """Load as much of a project as is valid, and every problem found on the way.

    A check or gate that fails to load is left out, but the rest is still checked, so one run
    reports every problem of every file (a gate's bad unit and a waiver's unknown criterion
    together). Raises DefinitionError only when the definition itself cannot be read.
    """
    root = root if root is not None else find_root(definition_path)
    doc = load_file(definition_path, _display(definition_path, root))
    problems: list[str] = []
    definition = _validate(doc, Definition, problems)
    if definition is None:
        raise DefinitionError("invalid definition", problems=problems)
    project = Project(root, definition, doc)
    for i, ident in enumerate(definition.checks):
        spec, cdoc = _load_named("check", ident, root, CheckSpec, problems)
        if cdoc is None and spec is None and not (root / "checks" / f"{ident}.yaml").is_file():
            problems.append(f'{doc.where(("checks", i))}: no check "{ident}" (checks/{ident}.yaml)')
        if spec is not None and cdoc is not None:
            project.checks[ident] = spec
            project.check_docs[ident] = cdoc
        else:
            project.broken_checks.add(ident)
    for i, ident in enumerate(definition.gates):
        if ident == RELEASE_GATE:
            problems.append(f'{doc.where(("gates", i))}: "{RELEASE_GATE}" is reserved')
            continue
        spec, gdoc = _load_named("gate", ident, root, GateSpec, problems)
        path = root / "gates" / f"{ident}.yaml"
        if gdoc is None and spec is None and not path.is_file():
            problems.append(f'{doc.where(("gates", i))}: no gate "{ident}" (gates/{ident}.yaml)')
        if spec is not None and gdoc is not None:
            project.gates[ident] = spec
            project.gate_docs[ident] = gdoc
        else:
            project.broken_gates[ident] = _raw_ids(path, root) if path.is_file() else set()
    _check_references(project, problems)
    return project, problems


def _dupes(items: list[str]) -> set[str]:
    seen: set[str] = set()
    return {x for x in items if x in seen or seen.add(x)}  # type: ignore[func-returns-value]


def _check_references(project: Project, problems: list[str]) -> None:
    """Duplicate ids, and every reference to a check or a criterion, resolved (in this order:
    duplicates, criteria, overrides, waivers, VEX, risks, sign-offs)."""
    _check_duplicates(project, problems)
    crits = project.criteria()
    keys = {c.key for c in crits}
    known = ", ".join(sorted(keys)) or "none"
    keys |= {f"{g}.{i}" for g, ids in project.broken_gates.items() for i in ids}
    for crit in crits:
        _check_criterion(project, crit, problems)
    _check_criterion_refs(project, keys, known, problems)
    _check_requires(project, problems)
    _check_signoff_refs(project, problems)


def _check_requires(project: Project, problems: list[str]) -> None:
    """A release does not require itself, nor another release twice."""
    d, doc = project.definition, project.doc
    for i, req in enumerate(d.requires):
        if req.release == d.release:
            problems.append(
                f"{doc.where(('requires', i, 'release'))}: a release cannot require itself"
            )
    for dup in sorted(_dupes([r.release for r in d.requires])):
        problems.append(f"{doc.where(('requires',))}: {dup!r} is required twice")


def _check_duplicates(project: Project, problems: list[str]) -> None:
    d, doc = project.definition, project.doc
    for name in ("checks", "gates"):
        for dup in sorted(_dupes(getattr(d, name))):
            problems.append(f"{doc.where((name,))}: {dup!r} is listed twice")
    for gate_id, gate in project.gates.items():
        for dup in sorted(_dupes([c.id for c in gate.criteria])):
            problems.append(
                f"{project.gate_docs[gate_id].where(('criteria',))}: duplicate id {dup!r}"
            )
    for dup in sorted(_dupes([c.id for c in d.criteria])):
        problems.append(f"{doc.where(('criteria',))}: duplicate id {dup!r}")


def _check_criterion(project: Project, crit: Criterion, problems: list[str]) -> None:
    """A criterion's metric names a listed check; its warn band fits its pass threshold; a
    relative threshold names one metric, not a glob."""
    check = crit.check
    if check not in project.checks and check not in project.broken_checks:
        problems.append(
            f"{crit.doc.where((*crit.loc, 'metric'))}: metric {crit.spec.metric!r} names "
            f'check "{check}", which the definition does not list (checks: '
            f"{', '.join(project.definition.checks)})"
        )
    if crit.spec.warn is not None:
        for t_unit in crit.spec.warn.units() | crit.spec.pass_.units():
            if not _same_dim(t_unit, crit.spec.pass_):
                problems.append(
                    f"{crit.doc.where((*crit.loc, 'warn'))}: warn and pass use units of "
                    "different kinds"
                )
                break
        problems.extend(_warn_problems(crit))
    relative = crit.spec.pass_.relative or (crit.spec.warn and crit.spec.warn.relative)
    if relative and any(ch in crit.spec.metric.split(".", 1)[-1] for ch in "*?"):
        problems.append(
            f"{crit.doc.where((*crit.loc, 'metric'))}: a relative threshold compares one "
            "metric with its baseline; a glob names several (write one criterion each)"
        )


def _check_criterion_refs(
    project: Project, keys: set[str], known: str, problems: list[str]
) -> None:
    """Overrides, waivers, VEX entries and risks' `verified-by` name existing criteria."""
    d, doc = project.definition, project.doc
    named: list[tuple[tuple[str | int, ...], str]] = [
        *((("overrides", i, "criterion"), o.criterion) for i, o in enumerate(d.overrides)),
        *((("waivers", i, "criterion"), w.criterion) for i, w in enumerate(d.waivers)),
        *((("vex", i, "criterion"), v.criterion) for i, v in enumerate(d.vex)),
        *(
            (("risks", i, "verified-by", j), ref)
            for i, r in enumerate(d.risks)
            for j, ref in enumerate(r.verified_by)
        ),
    ]
    for where, ref in named:
        if ref not in keys:
            problems.append(f"{doc.where(where)}: no criterion {ref!r} (known: {known})")


def _check_signoff_refs(project: Project, problems: list[str]) -> None:
    d, doc = project.definition, project.doc
    if d.signoffs.check is not None and d.signoffs.check not in project.checks:
        problems.append(
            f"{doc.where(('signoffs', 'check'))}: no check {d.signoffs.check!r} in the definition"
        )
    if d.signoffs.required and d.signoffs.check is None:
        problems.append(
            f"{doc.where(('signoffs',))}: required roles need a `check:` of kind signoffs"
        )
    known = d.signoffs.known_roles()
    for i, role in enumerate(d.signoffs.signed):
        if role not in known:
            problems.append(
                f"{doc.where(('signoffs', 'signed', i))}: {role!r} is neither a required nor an "
                f"optional sign-off role (known: {', '.join(known) or 'none'})"
            )
    keys = d.signoffs.keys
    if d.signoffs.signed and keys is None:
        problems.append(
            f"{doc.where(('signoffs', 'signed'))}: signed roles need `keys:` (a directory of "
            "public keys, or role: [PEM files])"
        )
    for role in sorted(set(keys) - set(d.signoffs.signed) if isinstance(keys, dict) else ()):
        problems.append(
            f"{doc.where(('signoffs', 'keys', role))}: keys for {role!r}, which "
            "signoffs.signed does not list"
        )


_SIDE = {"<": "upper", "<=": "upper", ">": "lower", ">=": "lower"}


def _warn_problems(crit: Criterion) -> list[str]:
    """A warn band must bound the same side as the pass threshold it widens, at every stage
    where it applies (`pass: "<= 10 ms"` with `warn: ">= 1 ms"` would make a miss a WARN)."""
    out = []
    for stage in STAGES:
        p = crit.spec.pass_.for_stage(stage)
        w = warn_for_stage(crit.spec.pass_, crit.spec.warn, stage)
        if p is None or w is None:
            continue
        if _SIDE.get(p.op) is None or _SIDE.get(p.op) != _SIDE.get(w.op):
            out.append(
                f"{crit.doc.where((*crit.loc, 'warn'))}: the warn band {w} at {stage} does not "
                f"widen the pass threshold {p} (a warn band needs a comparator on the same side: "
                "<, <= with <, <=; >, >= with >, >=)"
            )
            break
    return out


def _same_dim(unit: str, table: StageThresholds) -> bool:
    return all(units.compatible(unit, other) for other in table.units())


__all__ = ["STAGES", "CheckSpec", "Criterion", "Definition", "GateSpec", "Project", "load_project"]
