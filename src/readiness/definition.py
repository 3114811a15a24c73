"""Models of the three declarative files (checks, gates, definitions) and loading a project.

Every file is validated by strict pydantic models (unknown keys rejected) after its schema version
is checked, and every problem is reported with file, line and a path made of ids, e.g.
`gates/tests.yaml:14 criteria[pass-rate].pass: unknown unit "pct"`. All problems of all files
are collected before failing, so one run of `readiness validate` shows them all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from readiness import units
from readiness.criteria import STAGES, Stage, StageThresholds, parse_stage_thresholds
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


Duration = Annotated[float, BeforeValidator(_duration)]
Thresholds = Annotated[StageThresholds, BeforeValidator(_thresholds)]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
Mode = Literal["blocking", "advisory", "shadow"]
Impact = Literal["low", "medium", "high", "critical"]
BLOCKING_IMPACTS: tuple[Impact, ...] = ("high", "critical")


# ---------------------------------------------------------------- checks/<id>.yaml


class Collect(Strict):
    """How `readiness run` produces the evidence: an argument list, never a shell string."""

    command: list[str] = Field(min_length=1)
    cwd: str = "."
    env: dict[str, str] = Field(default_factory=dict)
    timeout: Duration = 600.0
    ok_exit_codes: list[int] = Field(default_factory=lambda: [0])


class Probe(Strict):
    """A readiness probe: an HTTP URL answering 2xx, or a TCP host:port accepting connections."""

    http: str | None = None
    tcp: str | None = None
    timeout: Duration = 30.0

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
    command: list[str] = Field(min_length=1)
    cwd: str = "."
    env: dict[str, str] = Field(default_factory=dict)
    port: int | Literal["auto"] | None = None
    ready: Probe


class CheckSpec(Strict):
    """Where evidence comes from: adapter kind, files, freshness, and how to produce it."""

    schema_: int = Field(alias="schema")
    id: Id
    title: str = ""
    kind: str
    evidence: list[str] = Field(min_length=1)
    max_age: Duration | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    collect: Collect | None = None
    services: list[Service] = Field(default_factory=list)

    @field_validator("evidence", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


# ---------------------------------------------------------------- gates/<id>.yaml


class CriterionSpec(Strict):
    """One rule over one metric: pass band, optional warn band, how it counts."""

    id: Id
    title: str = ""
    metric: str = Field(min_length=3)
    pass_: Thresholds = Field(alias="pass")
    warn: Thresholds | None = None
    mode: Mode = "blocking"
    waivable: bool = True
    description: str = ""


class GateSpec(Strict):
    """What must hold, reusable across releases."""

    schema_: int = Field(alias="schema")
    id: Id
    title: str = ""
    description: str = ""
    waivable_by: list[str] | None = None  # roles allowed to approve waivers; None: any role
    criteria: list[CriterionSpec] = Field(min_length=1)


# ---------------------------------------------------------------- definitions/<release>.yaml


class Override(Strict):
    """A release-specific change to a gate's criterion."""

    criterion: str
    pass_: Thresholds | None = Field(default=None, alias="pass")
    warn: Thresholds | None = None
    mode: Mode | None = None


class Approver(Strict):
    name: str = Field(min_length=1)
    role: str = Field(min_length=1)


class Waiver(Strict):
    """An approved exception: as narrow as possible, with a reason, an approver and an expiry.

    A waiver is valid through its `expires` date (inclusive) and expired from the next day.
    """

    criterion: str
    finding: str | None = None  # a rule id, CVE, fingerprint or package (security findings)
    reason: str = Field(min_length=3)
    approver: Approver
    expires: dt.date


class VexSource(Strict):
    """A CycloneDX VEX document read as waiver input: its `not_affected` and `false_positive`
    statements become finding waivers of one criterion, with this approver and expiry (VEX
    itself carries neither)."""

    file: str
    criterion: str
    approver: Approver
    expires: dt.date


class SignoffPolicy(Strict):
    required: list[str] = Field(default_factory=list)
    check: str | None = None  # the check (kind signoffs) holding the records
    optional: list[str] = Field(default_factory=list)  # roles that may sign, not required

    def known_roles(self) -> list[str]:
        """The roles `readiness signoff` accepts: required ones first, then optional ones."""
        return [*self.required, *(r for r in self.optional if r not in self.required)]


class RiskAcceptance(Strict):
    reason: str = Field(min_length=3)
    approver: Approver
    expires: dt.date


class Risk(Strict):
    id: str = Field(min_length=1)
    title: str
    impact: Impact
    likelihood: Literal["low", "medium", "high"]
    owner: str = ""
    response: str
    trigger: str = ""
    verified_by: list[str] = Field(default_factory=list)
    accepted: RiskAcceptance | None = None

    @field_validator("verified_by", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class Notes(Strict):
    summary: str = ""
    highlights: list[str] = Field(default_factory=list)
    known_issues: list[str] = Field(default_factory=list)


class Definition(Strict):
    """One release's Definition of Done."""

    schema_: int = Field(alias="schema")
    release: Id
    version: str = Field(min_length=1)
    stage: Stage
    owner: str = ""
    description: str = ""
    components: list[str] = Field(default_factory=list)
    checks: list[Id] = Field(min_length=1)
    gates: list[Id] = Field(default_factory=list)
    criteria: list[CriterionSpec] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    vex: list[VexSource] = Field(default_factory=list)
    signoffs: SignoffPolicy = Field(default_factory=SignoffPolicy)
    risks: list[Risk] = Field(default_factory=list)
    risk_blocking_impact: list[Impact] = Field(default_factory=lambda: list(BLOCKING_IMPACTS))
    notes: Notes = Field(default_factory=Notes)


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

    def criteria(self) -> list[Criterion]:
        """Every criterion in definition order (gates in listed order, then the release's)."""
        overrides = {o.criterion: o for o in self.definition.overrides}
        out: list[Criterion] = []
        for gate_id in self.definition.gates:
            gate = self.gates[gate_id]
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
    for i, ident in enumerate(definition.gates):
        if ident == RELEASE_GATE:
            problems.append(f'{doc.where(("gates", i))}: "{RELEASE_GATE}" is reserved')
            continue
        spec, gdoc = _load_named("gate", ident, root, GateSpec, problems)
        if gdoc is None and spec is None and not (root / "gates" / f"{ident}.yaml").is_file():
            problems.append(f'{doc.where(("gates", i))}: no gate "{ident}" (gates/{ident}.yaml)')
        if spec is not None and gdoc is not None:
            project.gates[ident] = spec
            project.gate_docs[ident] = gdoc
    if problems:
        raise DefinitionError("invalid project", problems=problems)
    _check_references(project, problems)
    if problems:
        raise DefinitionError("invalid project", problems=problems)
    return project


def _dupes(items: list[str]) -> set[str]:
    seen: set[str] = set()
    return {x for x in items if x in seen or seen.add(x)}  # type: ignore[func-returns-value]


def _check_references(project: Project, problems: list[str]) -> None:
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
    crits = project.criteria()
    keys = {c.key for c in crits}
    known = ", ".join(sorted(keys)) or "none"
    for crit in crits:
        check = crit.spec.metric.split(".", 1)[0]
        if check not in project.checks:
            problems.append(
                f"{crit.doc.where((*crit.loc, 'metric'))}: metric {crit.spec.metric!r} names "
                f'check "{check}", which the definition does not list (checks: '
                f"{', '.join(d.checks)})"
            )
        if crit.spec.warn is not None:
            for t_unit in crit.spec.warn.units() | crit.spec.pass_.units():
                if not _same_dim(t_unit, crit.spec.pass_):
                    problems.append(
                        f"{crit.doc.where((*crit.loc, 'warn'))}: warn and pass use units of "
                        "different kinds"
                    )
                    break
    for i, o in enumerate(d.overrides):
        if o.criterion not in keys:
            problems.append(
                f"{doc.where(('overrides', i, 'criterion'))}: no criterion {o.criterion!r} "
                f"(known: {known})"
            )
    for i, w in enumerate(d.waivers):
        if w.criterion not in keys:
            problems.append(
                f"{doc.where(('waivers', i, 'criterion'))}: no criterion {w.criterion!r} "
                f"(known: {known})"
            )
    for i, v in enumerate(d.vex):
        if v.criterion not in keys:
            problems.append(
                f"{doc.where(('vex', i, 'criterion'))}: no criterion {v.criterion!r} "
                f"(known: {known})"
            )
    for i, r in enumerate(d.risks):
        for j, ref in enumerate(r.verified_by):
            if ref not in keys:
                problems.append(
                    f"{doc.where(('risks', i, 'verified-by', j))}: no criterion {ref!r} "
                    f"(known: {known})"
                )
    if d.signoffs.check is not None and d.signoffs.check not in project.checks:
        problems.append(
            f"{doc.where(('signoffs', 'check'))}: no check {d.signoffs.check!r} in the definition"
        )
    if d.signoffs.required and d.signoffs.check is None:
        problems.append(
            f"{doc.where(('signoffs',))}: required roles need a `check:` of kind signoffs"
        )


def _same_dim(unit: str, table: StageThresholds) -> bool:
    return all(units.compatible(unit, other) for other in table.units())


__all__ = ["STAGES", "CheckSpec", "Criterion", "Definition", "GateSpec", "Project", "load_project"]
