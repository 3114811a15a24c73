"""Units of metrics and thresholds, and conversion within a dimension.

Dimensions: time (us, ms, s, min), ratio (%), rate (/s) and count. Comparing across dimensions
(ms against /s) is a definition error, never a silent pass.
"""

from __future__ import annotations

import math

from readiness.errors import DefinitionError

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "us": ("time", 0.001),
    "µs": ("time", 0.001),
    "ms": ("time", 1.0),
    "s": ("time", 1000.0),
    "min": ("time", 60_000.0),
    "%": ("ratio", 1.0),
    "/s": ("rate", 1.0),
    "count": ("count", 1.0),
}
ALIASES = {"rps": "/s", "req/s": "/s", "sec": "s", "": "count"}
KNOWN = tuple(sorted(set(_UNITS) - {"µs"}))


def canonical(unit: str) -> str:
    """The canonical spelling of `unit`; raises DefinitionError for an unknown unit."""
    u = ALIASES.get(unit.strip(), unit.strip())
    if u not in _UNITS:
        raise DefinitionError(f'unknown unit "{unit}" (known: {", ".join(KNOWN)})')
    return "us" if u == "µs" else u


def dimension(unit: str) -> str:
    """The dimension (time, ratio, rate, count) of a canonical unit."""
    return _UNITS[canonical(unit)][0]


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert `value` between two units of one dimension; DefinitionError across dimensions."""
    f_dim, f_fac = _UNITS[canonical(from_unit)]
    t_dim, t_fac = _UNITS[canonical(to_unit)]
    if f_dim != t_dim:
        raise DefinitionError(f"cannot compare {from_unit} ({f_dim}) with {to_unit} ({t_dim})")
    if f_fac == t_fac:
        return value
    return value * f_fac / t_fac


def compatible(a: str, b: str) -> bool:
    """True when two units share a dimension."""
    return dimension(a) == dimension(b)


def fmt(value: float, unit: str) -> str:
    """Human rendering: `4.2 ms`, `99.5%`, `812 /s`, `3`. Rounds for display only."""
    if math.isnan(value):
        return "NaN"
    if unit == "count" and float(value).is_integer():
        return f"{int(value)}"
    text = f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.0f}"
    if unit == "count":
        return text
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}"


def plain(value: float | None) -> float | int | str | None:
    """A number as the JSON report and `metrics`/`inspect` show it: an integer when it is one
    (exactly representable), else rounded to 6 decimals; NaN and infinities as text."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 2**53:
        return int(value)
    return round(float(value), 6)
