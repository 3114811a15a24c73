"""Threshold expressions (`"<= 5 ms"`, `">= 99.5%"`, `"== 0"`) and per-stage threshold tables.

Pure functions: no I/O, no clock. Thresholds are parsed when a file is loaded, so a bad unit is a
definition error located by file and line, never a surprise during an evaluation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from readiness import units
from readiness.errors import DefinitionError

Stage = Literal["mvp", "internal", "public", "launch"]
STAGES: tuple[Stage, ...] = ("mvp", "internal", "public", "launch")
STAGE_TITLES = {
    "mvp": "MVP",
    "internal": "internal testing",
    "public": "public testing",
    "launch": "launch",
}

_EXPR = re.compile(
    r"^\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"\s*(?P<unit>\S*)\s*$"
)
_OPS = ("<", "<=", ">", ">=", "==", "!=")


@dataclass(frozen=True)
class Threshold:
    """`op value unit`, e.g. `<= 5 ms`. The unit is canonical (see `readiness.units`).

    A relative threshold (`relative=True`, written with a sign: `<= +10%`, `>= -5%`, `<= +2 ms`)
    is a change against a baseline: a signed `%` is a percentage of the baseline's value, any
    other unit an absolute delta. It must be made absolute with `against` before it can hold.
    """

    op: str
    value: float
    unit: str
    relative: bool = False

    def __str__(self) -> str:
        if not self.relative:
            return f"{self.op} {units.fmt(self.value, self.unit)}"
        sign = "-" if self.value < 0 else "+"
        return f"{self.op} {sign}{units.fmt(abs(self.value), self.unit)}"

    @property
    def percent_of_baseline(self) -> bool:
        """A relative threshold in percent of the baseline (its unit is then not the metric's)."""
        return self.relative and self.unit == "%"

    def against(self, base_value: float, base_unit: str) -> Threshold:
        """This relative threshold made absolute against a baseline value (in `base_unit`):
        `<= +10%` of 8 ms is `<= 8.8 ms`; `<= +2 ms` of 8 ms is `<= 10 ms`."""
        if not self.relative:
            return self
        if self.unit == "%":
            return Threshold(self.op, base_value * (1 + self.value / 100.0), base_unit)
        return Threshold(
            self.op, units.convert(base_value, base_unit, self.unit) + self.value, self.unit
        )

    def holds(self, observed: float, observed_unit: str) -> bool:
        """Whether `observed` (in `observed_unit`) satisfies this threshold.

        `<` and `>` are exclusive, `<=` and `>=` inclusive; `==`/`!=` compare after unit
        conversion with a relative tolerance of 1e-9. NaN and infinities never hold: a broken
        number can only fail. Comparing units of different dimensions raises DefinitionError,
        and so does a relative threshold not yet made absolute (`against`).
        """
        if self.relative:
            raise DefinitionError(f"{self} is relative: it needs a baseline")
        if not math.isfinite(observed):
            return False
        value = units.convert(observed, observed_unit, self.unit)
        if self.op == "<":
            return value < self.value
        if self.op == "<=":
            return value <= self.value
        if self.op == ">":
            return value > self.value
        if self.op == ">=":
            return value >= self.value
        equal = math.isclose(value, self.value, rel_tol=1e-9, abs_tol=1e-12)
        return equal if self.op == "==" else not equal

    def gap(self, observed: float, observed_unit: str) -> float:
        """How far `observed` is from the threshold, in the threshold's unit (0 if it holds)."""
        if self.holds(observed, observed_unit):
            return 0.0
        return abs(units.convert(observed, observed_unit, self.unit) - self.value)


def parse(expr: object) -> Threshold:
    """Parse a threshold expression; DefinitionError with the reason on anything else."""
    if isinstance(expr, bool) or not isinstance(expr, str):
        raise DefinitionError(
            f'expected a threshold like "<= 5 ms", got {type(expr).__name__} {expr!r}'
        )
    m = _EXPR.match(expr)
    if m is None:
        raise DefinitionError(
            f'"{expr}" is not a threshold: expected "<op> <number> [unit]" with op one of '
            f"{' '.join(_OPS)}"
        )
    num, unit = m["num"], m["unit"]
    value = float(num)
    if not math.isfinite(value):
        raise DefinitionError(f'"{expr}": the number must be finite')
    # A signed number is a change against a baseline ("<= +10%", ">= -5%", "<= +2 ms"), never
    # an absolute threshold: ">= -10%" read as absolute would pass every pass rate.
    relative = num[0] in "+-"
    if relative and m["op"] in ("==", "!="):
        raise DefinitionError(f'"{expr}": a relative threshold needs <, <=, > or >=')
    return Threshold(m["op"], value, units.canonical(unit), relative)


@dataclass(frozen=True)
class StageThresholds:
    """A threshold for every stage, or one for all stages.

    A stage missing from the table takes the threshold of the nearest earlier stage that has
    one; a stage before the first defined one has no threshold: the criterion does not apply
    there (it is reported as N/A, and never counts as evaluated).
    """

    by_stage: tuple[tuple[Stage, Threshold], ...]

    @property
    def uniform(self) -> bool:
        return len(self.by_stage) == 1 and self.by_stage[0][0] == "mvp"

    def for_stage(self, stage: Stage) -> Threshold | None:
        chosen: Threshold | None = None
        table = dict(self.by_stage)
        for s in STAGES:
            if s in table:
                chosen = table[s]
            if s == stage:
                return chosen
        return chosen

    def units(self) -> set[str]:
        """The units the table compares in (a percentage of the baseline has none of its own)."""
        return {t.unit for _, t in self.by_stage if not t.percent_of_baseline}

    @property
    def relative(self) -> bool:
        """Whether any stage's threshold is relative to a baseline."""
        return any(t.relative for _, t in self.by_stage)

    def describe(self) -> str:
        if self.uniform:
            return str(self.by_stage[0][1])
        return ", ".join(f"{s}: {t}" for s, t in self.by_stage)


def parse_stage_thresholds(raw: object) -> StageThresholds:
    """A threshold string, or a mapping stage -> threshold string."""
    if isinstance(raw, StageThresholds):
        return raw
    if isinstance(raw, dict):
        if not raw:
            raise DefinitionError("a per-stage threshold table needs at least one stage")
        out: list[tuple[Stage, Threshold]] = []
        for key, value in raw.items():
            if key not in STAGES:
                raise DefinitionError(f'unknown stage "{key}" (stages: {", ".join(STAGES)})')
            try:
                out.append((key, parse(value)))
            except DefinitionError as exc:
                raise DefinitionError(f"{key}: {exc}") from None
        out.sort(key=lambda item: STAGES.index(item[0]))
        dims = {units.dimension(t.unit) for _, t in out if not t.percent_of_baseline}
        if len(dims) > 1:
            raise DefinitionError(f"stages mix units of different kinds: {', '.join(sorted(dims))}")
        return StageThresholds(tuple(out))
    return StageThresholds((("mvp", parse(raw)),))


def warn_for_stage(
    pass_: StageThresholds, warn: StageThresholds | None, stage: Stage
) -> Threshold | None:
    """The warn band in force at `stage`, or None.

    A warn band widens the pass threshold in force where the band is declared. It is inherited
    by later stages only while they keep that same pass threshold: once a later stage tightens
    `pass`, the earlier band no longer applies (declare a band for that stage if one is wanted).
    So `pass: {internal: "<= 150 ms", launch: "<= 25 ms"}` with `warn: {internal: "<= 200 ms"}`
    makes 110 ms a FAIL at launch, never a WARN.
    """
    if warn is None:
        return None
    order = {s: i for i, s in enumerate(STAGES)}
    here = order[stage]
    band = [(s, t) for s, t in warn.by_stage if order[s] <= here]
    if not band:
        return None
    band_stage, band_t = band[-1]
    passes = [s for s, _ in pass_.by_stage if order[s] <= here]
    if passes and order[passes[-1]] > order[band_stage]:
        return None
    return band_t


def next_stage(stage: Stage) -> Stage | None:
    """The stage after `stage`, or None after launch."""
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else None
