"""Format-neutral evidence records. Adapters produce them; `readiness.metrics` names their metrics.

Records are plain frozen dataclasses with no I/O, so they can be built in tests and rendered
without knowing the producing tool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal, get_args, overload

Outcome = Literal["passed", "failed", "error", "skipped"]
Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class EvidenceFile:
    """One file read as evidence: shown path, content hash and size, modification time."""

    path: str
    sha256: str
    size: int
    mtime: float


@dataclass(frozen=True)
class TestCase:
    """One failing/erroring/flaky test, kept for the report (passing cases are only counted)."""

    __test__ = False  # not a pytest test class, despite the name

    id: str
    outcome: Outcome
    message: str = ""
    flaky: bool = False
    file: str = ""


@dataclass(frozen=True)
class TestRun:
    """Test results recounted from the cases themselves (declared counts are only cross-checked)."""

    __test__ = False  # not a pytest test class, despite the name

    tests: int
    passed: int
    failed: int
    errors: int
    skipped: int
    flaky: int
    duration_s: float
    xfailed: int = 0
    xpassed: int = 0
    duplicates_merged: int = 0
    problems: tuple[TestCase, ...] = ()  # failed, error and flaky cases, worst first
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Series:
    """A time series for charts, held as two columns of the same length: epoch seconds and
    values (a Locust soak's six series hold 40,000 points each: as columns they are built,
    pickled from a worker and compared without 240,000 pairs); `points` pairs them."""

    name: str
    unit: str
    times: tuple[float, ...]
    values: tuple[float, ...]

    @classmethod
    def of_points(cls, name: str, unit: str, points: Iterable[tuple[float, float]]) -> Series:
        pairs = tuple(points)
        return cls(name, unit, tuple(t for t, _ in pairs), tuple(v for _, v in pairs))

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        """(epoch seconds, value) pairs, in order."""
        return tuple(zip(self.times, self.values, strict=True))


@dataclass(frozen=True)
class EndpointStats:
    """Load-test statistics of one request name (or the aggregate)."""

    name: str
    requests: int
    failures: int
    rps: float
    avg_ms: float | None
    min_ms: float | None
    max_ms: float | None
    percentiles_ms: dict[str, float]  # "50", "90", "95", "99", "99.9" -> ms
    percentile_source: str = "locust"  # "locust" (bucketed) or "hdr" (exact, microseconds)
    # Why this row's latency and throughput are not measurements (e.g. most requests failed,
    # and failed requests are fast); "" when they are. Its metrics are then unusable.
    unusable: str = ""


@dataclass(frozen=True)
class Intervals:
    """Per-second samples of one request name (None: all requests) over the steady state, kept
    for a statistical comparison with another run (the regression criterion): exact p99 from the
    HDR interval log, request rate from the JSON's per-second counts. Empty when absent."""

    name: str | None
    p99_ms: tuple[float, ...] = ()
    rps: tuple[float, ...] = ()


@dataclass(frozen=True)
class LoadStats:
    """A load-test run: per-endpoint and aggregate stats, duration, users, series."""

    endpoints: tuple[EndpointStats, ...]
    aggregate: EndpointStats
    duration_s: float
    peak_users: int | None
    sustained_p99_ms: float | None = None
    sustained_min_rps: float | None = None
    series: tuple[Series, ...] = ()
    failures: tuple[tuple[str, str, int], ...] = ()  # (request name, error, occurrences)
    warnings: tuple[str, ...] = ()
    intervals: tuple[Intervals, ...] = ()  # per request name, then the aggregate (name None)


@dataclass(frozen=True, slots=True)
class Finding:
    """One normalized security finding."""

    tool: str
    rule: str
    severity: Severity
    title: str = ""
    location: str = ""  # path:line, or package@version
    package: str = ""
    fixed_version: str = ""
    fingerprint: str = ""
    suppressed: bool = False
    new: bool = True
    aliases: tuple[str, ...] = ()


def fingerprint(*parts: str) -> str:
    """A stable identity for a finding whose tool gives none: sha256 of its parts (128 bits)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# A Finding's fields in order, as a plain tuple; the fingerprint may still be the parts it is
# hashed from (a tuple), hashed only when the Finding is made.
FindingFields = tuple[
    str, str, Severity, str, str, str, str, "str | tuple[str, ...]", bool, bool, tuple[str, ...]
]

_FLAGS = itemgetter(2, 8, 9)  # a row's (severity, suppressed, new)


class FindingTable(Sequence[Finding]):
    """Findings kept as tuples of their fields, each `Finding` made when it is read.

    A scan of 200,000 results is counted and listed far more often than each of its findings
    is read whole: counts (`flags`) and the few findings a report lists need no object per
    finding, nor a sha256 per fingerprint. A tuple is made ten times faster than a frozen
    dataclass and pickles as plain data. Reading every finding (`iter`) gives exactly the
    findings a tuple of them would; equality is by those findings.
    """

    __slots__ = ("_rows",)

    def __init__(self, rows: Iterable[FindingFields] = ()) -> None:
        self._rows: list[FindingFields] = list(rows)

    @staticmethod
    def fields(f: Finding) -> FindingFields:
        """The row of a Finding."""
        return (
            f.tool,
            f.rule,
            f.severity,
            f.title,
            f.location,
            f.package,
            f.fixed_version,
            f.fingerprint,
            f.suppressed,
            f.new,
            f.aliases,
        )

    def rows(self) -> list[FindingFields]:
        """The rows themselves (to concatenate tables without making their Findings)."""
        return self._rows

    def flags(self) -> Iterator[tuple[Severity, bool, bool]]:
        """(severity, suppressed, new) of each finding, in order, without making them (taken
        from the rows in C: the metrics count a scan's 200,000 twice)."""
        return map(_FLAGS, self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Finding: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Finding, ...]: ...
    def __getitem__(self, index: int | slice) -> Finding | tuple[Finding, ...]:
        if isinstance(index, slice):
            return tuple(_made(r) for r in self._rows[index])
        return _made(self._rows[index])

    def __iter__(self) -> Iterator[Finding]:
        return map(_made, self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingTable) and self._rows == other._rows:
            return True
        if not isinstance(other, FindingTable | tuple | list) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable rows, as a list

    def __repr__(self) -> str:
        return f"FindingTable({len(self._rows)} findings)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FindingTable, (self._rows,))


def _made(row: FindingFields) -> Finding:
    """The Finding of a row, its fingerprint hashed if it is still the parts."""
    fp = row[7]
    return Finding(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        fp if type(fp) is str else fingerprint(*fp),
        row[8],
        row[9],
        row[10],
    )


def finding_flags(findings: Sequence[Finding]) -> Iterable[tuple[Severity, bool, bool]]:
    """(severity, suppressed, new) of each finding, without making a table's Findings."""
    if isinstance(findings, FindingTable):
        return findings.flags()
    return ((f.severity, f.suppressed, f.new) for f in findings)


@dataclass(frozen=True)
class Findings:
    """A scan's findings (suppressed ones kept but not counted), and what the scan could not see.

    `findings` is a tuple, or for a big scan (SARIF) a `FindingTable` giving the same findings.
    """

    tool: str
    findings: Sequence[Finding]
    scanned: bool = True
    skipped: tuple[str, ...] = ()  # e.g. pip-audit dependencies it could not audit
    warnings: tuple[str, ...] = ()
    extra_counts: dict[str, int] = field(default_factory=dict)  # e.g. {"nosec": 3}


@dataclass(frozen=True)
class SignOff:
    """One human decision on one release version."""

    role: str
    name: str
    decision: Literal["approve", "reject", "approve-with-conditions"]
    date: str  # UTC, `YYYY-MM-DDTHH:MM:SSZ`; a bare date is the end of that day
    version: str
    comment: str = ""
    source: str = ""
    index: int = 0  # position of the record in `source`, from 0
    line: int | None = None  # where the record starts in `source`, when known
    day_only: bool = False  # written as a bare date (no time of day)
    evidence_digest: str = ""  # "sha256:<hex>" of the evidence approved; "" if not recorded
    evidence: tuple[tuple[str, str], ...] = ()  # (check, its digest) as approved, by check
    signature: tuple[str, str] | None = None  # (keyid, sig in hex), as recorded; not checked here


@dataclass(frozen=True)
class SignOffs:
    """All sign-off records found."""

    records: tuple[SignOff, ...]


Record = TestRun | LoadStats | Findings | SignOffs
RECORD_TYPES: tuple[type[Record], ...] = get_args(Record)  # for isinstance checks
EvidenceStatus = Literal["ok", "missing", "error", "stale"]


@dataclass(frozen=True)
class Evidence:
    """What one check's evidence amounted to."""

    check: str
    kind: str
    status: EvidenceStatus
    files: tuple[EvidenceFile, ...] = ()
    record: Record | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()
