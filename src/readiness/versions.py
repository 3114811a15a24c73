"""Version specifiers of `requires` (`">=2.1"`, `">=2026.12.0, <2027"`, `"==2.1.*"`): small and
documented rather than a dependency, because release versions here are CalVer (2026.12.0) or
SemVer (2.1.3), not necessarily PEP 440.

A version is dot-separated numbers, optionally followed by a pre-release tag (`2.1.0-rc.1`,
`2.1.0rc1`, `2026.12.0-beta`) and build metadata after `+` (ignored). Numbers compare
numerically and missing trailing numbers are zeros (`2.1` == `2.1.0`); a pre-release sorts
before its release (`2.1.0-rc1` < `2.1.0`) and pre-release tags compare as SemVer does (numeric
parts numerically, others as text). A version that does not parse matches no specifier: an
unreadable version never satisfies a requirement.

A specifier is one or more clauses separated by commas, all of which must hold. A clause is an
operator `>=`, `>`, `<=`, `<`, `==` or `!=` and a version; `==2.1.*` / `!=2.1.*` compare a
prefix. Bounds are inclusive for `>=`/`<=` and exclusive for `>`/`<`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(
    r"^\s*v?(?P<nums>\d+(?:\.\d+)*)(?:-?(?P<pre>[A-Za-z][0-9A-Za-z.-]*))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)
_CLAUSE = re.compile(r"^\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<ver>[^\s,]+)\s*$")

Key = tuple[tuple[int, ...], int, tuple[tuple[int, int | str], ...]]


def _pre_key(pre: str | None) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    if not pre:
        return 1, ()  # a release sorts after every pre-release of it
    parts: list[tuple[int, int | str]] = []
    for part in re.split(r"[.-]", pre):
        for piece in re.findall(r"\d+|[A-Za-z]+", part):
            parts.append((0, int(piece)) if piece.isdigit() else (1, piece.lower()))
    return 0, tuple(parts)


def parse(version: str) -> Key | None:
    """A comparable key of `version`, or None when it is not a version."""
    m = _VERSION.match(version)
    if m is None:
        return None
    nums = [int(n) for n in m["nums"].split(".")]
    while len(nums) > 1 and nums[-1] == 0:
        nums.pop()
    rank, pre = _pre_key(m["pre"])
    return tuple(nums), rank, pre


@dataclass(frozen=True)
class Clause:
    op: str
    version: str
    prefix: tuple[int, ...] | None  # for ==X.* and !=X.*

    def holds(self, key: Key) -> bool:
        if self.prefix is not None:
            nums = key[0] + (0,) * max(0, len(self.prefix) - len(key[0]))
            same = nums[: len(self.prefix)] == self.prefix
            return same if self.op == "==" else not same
        other = parse(self.version)
        assert other is not None  # checked when the specifier was parsed
        return {
            ">=": key >= other,
            ">": key > other,
            "<=": key <= other,
            "<": key < other,
            "==": key == other,
            "!=": key != other,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.op}{self.version}"


@dataclass(frozen=True)
class Specifier:
    """Clauses that must all hold."""

    clauses: tuple[Clause, ...]
    text: str

    def matches(self, version: str) -> bool:
        """Whether `version` satisfies every clause (False when it is not a version)."""
        key = parse(version)
        return key is not None and all(c.holds(key) for c in self.clauses)

    def __str__(self) -> str:
        return self.text


def parse_specifier(text: str) -> Specifier:
    """A specifier; ValueError naming the clause that is not one."""
    clauses: list[Clause] = []
    for raw in text.split(","):
        m = _CLAUSE.match(raw)
        if m is None:
            raise ValueError(
                f'"{raw.strip()}" is not a version clause: expected an operator (>=, >, <=, <, '
                '==, !=) and a version, e.g. ">=2.1" or ">=2026.12.0, <2027"'
            )
        op, ver = m["op"], m["ver"]
        prefix: tuple[int, ...] | None = None
        if ver.endswith(".*"):
            if op not in ("==", "!="):
                raise ValueError(f'"{raw.strip()}": a wildcard version needs == or !=')
            head = ver[:-2]
            if not re.fullmatch(r"\d+(?:\.\d+)*", head):
                raise ValueError(f'"{raw.strip()}": expected numbers before .*')
            prefix = tuple(int(n) for n in head.split("."))
        elif parse(ver) is None:
            raise ValueError(f'"{ver}" is not a version (expected e.g. 2.1.3 or 2026.12.0)')
        clauses.append(Clause(op, ver, prefix))
    return Specifier(tuple(clauses), ", ".join(str(c) for c in clauses))
